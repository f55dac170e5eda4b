//! The bodies keep the exact JSON the API sent before they were shared: field names, their
//! order, `null` for absent optional fields, and the enums' spelling; requests keep their
//! defaults and refusals. Fields added since (`forgotten`, for forgotten users and owners)
//! are listed where they are sent.

use api_types::admin::{ProjectionList, RoleChangeRequest, Rotated, UserList};
use api_types::auth::{LoginRequest, Me, PasswordChangeRequest, RegisterRequest, Token};
use api_types::creatures::{CreateCreatureRequest, CreaturePage, History, UpdateCreatureRequest};
use api_types::tags::{TagList, TagNameRequest};
use api_types::updates::Notice;
use serde::Serialize;
use serde::de::DeserializeOwned;

const ID: &str = "0190a3f0-0000-7000-8000-000000000001";
const AT: &str = "2026-11-26T10:00:00Z";

/// Reads `json` as `T` and writes it back: the text must not change.
fn round_trips<T: Serialize + DeserializeOwned>(json: &str) {
    let value: T = serde_json::from_str(json).unwrap();
    assert_eq!(serde_json::to_string(&value).unwrap(), json);
}

#[test]
fn a_creature_page_is_sent_as_before() {
    round_trips::<CreaturePage>(&format!(
        r#"{{"items":[{{"id":"{ID}","name":"Smaug","species":"dragon","description":"","traits":{{"wings":2}},"owner":{{"id":"{ID}","display_name":null,"forgotten":false}},"tags":["fire"],"avatar":{{"state":"none","url":null,"failure":null}},"archived":false,"version":1,"position":7,"created_at":"{AT}","updated_at":"{AT}"}}],"next_cursor":null}}"#
    ));
}

#[test]
fn a_history_names_its_actors_by_kind() {
    round_trips::<History>(&format!(
        r#"{{"events":[{{"actor":{{"kind":"user","id":"{ID}"}},"data":{{"name":"Smaug"}},"position":7,"recorded_at":"{AT}","type":"CreatureRenamed","version":2}},{{"actor":{{"kind":"system"}},"data":{{}},"position":8,"recorded_at":"{AT}","type":"AvatarReady","version":3}}]}}"#
    ));
}

#[test]
fn tags_and_users_are_sent_as_before() {
    round_trips::<TagList>(&format!(
        r#"{{"tags":[{{"created_at":"{AT}","creature_count":2,"id":"{ID}","name":"fire"}}]}}"#
    ));
    round_trips::<UserList>(&format!(
        r#"{{"users":[{{"created_at":"{AT}","display_name":"Ann","email":"ann@example.com","forgotten":false,"id":"{ID}","role":"user","version":1}},{{"created_at":"{AT}","display_name":null,"email":null,"forgotten":true,"id":"{ID}","role":"user","version":2}}]}}"#
    ));
}

#[test]
fn the_callers_answers_are_sent_as_before() {
    round_trips::<Me>(&format!(
        r#"{{"display_name":"Ann","email":"ann@example.com","id":"{ID}","role":"admin","version":3}}"#
    ));
    round_trips::<Token>(r#"{"access_token":"token","expires_in":900,"token_type":"bearer"}"#);
    round_trips::<Rotated>(r#"{"grace_seconds":900,"kid":"k2","revoke_previous":false}"#);
}

#[test]
fn a_notice_is_sent_as_before() {
    round_trips::<Notice>(r#"{"projection":"creatures","position":7,"creatures":null}"#);
    round_trips::<Notice>(&format!(
        r#"{{"projection":"creatures","position":7,"creatures":["{ID}"]}}"#
    ));
}

#[test]
fn the_projections_state_is_sent_as_before() {
    round_trips::<ProjectionList>(&format!(
        r#"{{"projections":[{{"events_applied":10,"head":12,"lag":2,"lag_seconds":0.5,"name":"creatures","parked":[{{"event_type":"CreatureRenamed","parked_at":"{AT}","position":9,"reason":"boom","stream_id":"{ID}"}}],"position":10,"rebuild":{{"error":null,"eta_seconds":1.5,"events_done":5,"events_per_second":100.0,"events_total":12,"finished_at":null,"name":"creatures","started_at":"{AT}","state":"running"}},"state":"rebuilding","updated_at":"{AT}"}},{{"events_applied":0,"head":12,"lag":0,"lag_seconds":0.0,"name":"tags","parked":[],"position":12,"rebuild":null,"state":"running","updated_at":"{AT}"}}]}}"#
    ));
}

#[test]
fn a_creature_request_defaults_what_is_left_out_and_refuses_unknown_fields() {
    let request: CreateCreatureRequest =
        serde_json::from_str(r#"{"name":"Smaug","species":"dragon"}"#).unwrap();
    assert_eq!(request.description, "");
    assert_eq!(request.traits, serde_json::json!({}));
    assert!(request.tags.is_empty());
    let unknown = r#"{"name":"Smaug","species":"dragon","colour":"red"}"#;
    assert!(serde_json::from_str::<CreateCreatureRequest>(unknown).is_err());
    let unknown = r#"{"name":"Smaug","colour":"red"}"#;
    assert!(serde_json::from_str::<UpdateCreatureRequest>(unknown).is_err());
    assert!(serde_json::from_str::<TagNameRequest>(r#"{"name":"x","id":1}"#).is_err());
    assert!(serde_json::from_str::<RoleChangeRequest>(r#"{"role":"admin","x":1}"#).is_err());
}

#[test]
fn the_account_requests_are_sent_with_their_field_names() {
    let sent = serde_json::to_value(RegisterRequest {
        email: "ann@example.com".into(),
        password: "secret".into(),
        display_name: "Ann".into(),
    })
    .unwrap();
    assert_eq!(
        sent.to_string(),
        r#"{"display_name":"Ann","email":"ann@example.com","password":"secret"}"#
    );
    let sent = serde_json::to_value(PasswordChangeRequest {
        current_password: "old".into(),
        new_password: "new".into(),
    })
    .unwrap();
    assert_eq!(
        sent.to_string(),
        r#"{"current_password":"old","new_password":"new"}"#
    );
    let login: LoginRequest = serde_json::from_str(r#"{"email":"a@b.c","password":"p"}"#).unwrap();
    assert_eq!(login.email, "a@b.c");
}
