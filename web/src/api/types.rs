//! The shapes of the API's answers. Most are the server's own (`api-types`), so the SPA and
//! the server cannot disagree; the rest are read here as far as the SPA needs them.

pub use api_types::admin::{Rotated, UserList, UserView};
pub use api_types::auth::{Me, Token};
pub use api_types::creatures::{
    ActorRef, AvatarView, CreaturePage, CreatureView, History, HistoryEntry, OwnerView,
};
pub use api_types::tags::{TagList, TagView};
pub use api_types::updates::Notice;
use serde::Deserialize;

/// What every command answers: where its last event landed.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Committed {
    /// The global position of the command's last event (absent when nothing changed).
    pub position: Option<i64>,
    /// The stream's version after the command.
    pub version: Option<i64>,
    /// The created resource's id, for commands that create one.
    pub id: Option<String>,
}

/// A projection's latest rebuild.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RebuildView {
    /// `running`, `cancelling`, `done`, `cancelled` or `failed`.
    pub state: String,
    /// Events copied so far.
    pub events_done: i64,
    /// Events to copy.
    pub events_total: i64,
    /// Speed.
    pub events_per_second: f64,
    /// Why it failed.
    pub error: Option<String>,
}

/// A projection as admins see it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ProjectionView {
    /// Its name.
    pub name: String,
    /// `running` or `rebuilding`.
    pub state: String,
    /// The last position it applied.
    pub position: i64,
    /// The event store's head.
    pub head: i64,
    /// Events behind the head.
    pub lag: i64,
    /// Streams it holds on an event it cannot apply.
    pub parked: Vec<ParkedStreamView>,
    /// Its latest rebuild, if any.
    pub rebuild: Option<RebuildView>,
}

/// A stream a projection holds on an event it cannot apply.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ParkedStreamView {
    /// The stream.
    pub stream_id: String,
    /// The position of the event it stopped at.
    pub position: i64,
    /// That event's type.
    pub event_type: String,
    /// Why it cannot be applied.
    pub reason: String,
}

/// `GET /admin/projections`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ProjectionList {
    /// Every projection.
    pub projections: Vec<ProjectionView>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Aggregate;
    use domain::creature::Creature;
    use serde_json::json;

    #[test]
    fn history_folds_with_the_domains_own_code() {
        let owner = "0190a3f0-0000-7000-8000-000000000001";
        let history: History = serde_json::from_value(json!({"events": [
            {"type": "CreatureRegistered", "version": 1, "position": 7,
             "recorded_at": "2026-11-26T10:00:00Z", "actor": {"kind": "user", "id": owner},
             "data": {"name": "Smaug", "species": "dragon", "description": "",
                      "traits": {"wings": 2}, "owner": owner}},
            {"type": "CreatureRenamed", "version": 2, "position": 9,
             "recorded_at": "2026-11-26T10:01:00Z", "actor": {"kind": "system"},
             "data": {"name": "Smaug the Golden"}}
        ]}))
        .unwrap();
        let events: Vec<_> = history
            .events
            .iter()
            .map(|entry| entry.event().unwrap())
            .collect();
        let state = Creature::fold(&events).0.unwrap();
        assert_eq!(state.name.as_str(), "Smaug the Golden");
        assert_eq!(history.events[1].actor, ActorRef::System);
        let before_rename = Creature::fold(&events[..1]).0.unwrap();
        assert_eq!(before_rename.name.as_str(), "Smaug");
    }
}
