//! The live notices of `GET /updates`.

use domain::CreatureId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A projection applied events up to `position` (the data of each `projection` event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// The projection.
    pub projection: String,
    /// The highest position it applied.
    pub position: i64,
    /// The creatures it changed (`None`: too many to name, refresh everything).
    #[schema(value_type = Option<Vec<uuid::Uuid>>)]
    pub creatures: Option<Vec<CreatureId>>,
}
