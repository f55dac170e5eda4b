//! The shapes of the API's requests and answers. Most are the server's own (`api-types`), so
//! the SPA and the server cannot disagree; the rest are read here as far as the SPA needs them.

pub use api_types::admin::{
    ProjectionList, ProjectionView, RebuildState, RebuildView, RoleChangeRequest, Rotated,
    UserList, UserView,
};
pub use api_types::auth::{ForgetMeRequest, LoginRequest, Me, RegisterRequest, Token};
pub use api_types::creatures::{
    ActorRef, AvatarView, CreateCreatureRequest, CreaturePage, CreatureView, History, HistoryEntry,
    UpdateCreatureRequest,
};
pub use api_types::tags::{TagList, TagNameRequest, TagView};
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
