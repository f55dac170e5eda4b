//! Pieces several pages use: the navigation bar, avatars, form fields, the tag input, each page's title
//! and focus, and the loading, empty and error states.

pub mod avatar;
pub mod field;
pub mod nav;
pub mod page;
pub mod status;
pub mod tag_input;
