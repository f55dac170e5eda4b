//! Tags with their creature counts.

use chrono::{DateTime, Utc};
use domain::TagId;
use serde::{Deserialize, Serialize};

/// A live tag (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagView {
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// How many unarchived creatures carry it.
    pub creature_count: i64,
    /// Its id.
    pub id: TagId,
    /// Its name.
    pub name: String,
}

/// `GET /tags`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagList {
    /// Every live tag, alphabetically.
    pub tags: Vec<TagView>,
}

/// `POST /tags` and `PATCH /tags/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagNameRequest {
    /// The tag's name.
    pub name: String,
}
