//! Pieces several pages use: the navigation bar, avatars, form fields, tags, and the loading,
//! empty and error states.

pub mod avatar;
pub mod field;
pub mod nav;
pub mod status;
