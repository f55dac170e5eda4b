//! The creatures projection: one row per creature with its tags, owner and avatar, for the
//! gallery and the creature pages. Names of owners and tags are kept in tables of their own
//! and joined when read, so events of different streams may be applied in any order.

mod apply;
mod query;

pub use apply::apply;
pub use query::{AvatarView, CreatureFilter, CreaturePage, CreatureView, OwnerView, get, list};
