//! Tags with their creature counts.

use chrono::{DateTime, Utc};
use domain::TagId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A live tag (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TagView {
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// How many unarchived creatures carry it.
    pub creature_count: i64,
    /// Its id.
    #[schema(value_type = uuid::Uuid)]
    pub id: TagId,
    /// Its name.
    pub name: String,
}

/// `GET /tags`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TagList {
    /// Every live tag, alphabetically.
    pub tags: Vec<TagView>,
}

/// `POST /tags` and `PATCH /tags/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagNameRequest {
    /// The tag's name: 1-40 characters after trimming: letters, digits, spaces, `-`, `_` and
    /// `.`, in one script. Stored in Unicode NFKC; unique case-insensitively.
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
}
