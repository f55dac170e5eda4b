//! A creature's history: the timeline of its events, newest first, each saying what changed
//! (before → after, the tag's name, which traits), who did it and how long ago; and its state
//! as of any version, folded in the browser by the domain's own `evolve`. The chosen version is
//! in the address (`?version=N`), so it can be linked to.

use crate::api::types::{ActorRef, HistoryEntry};
use crate::app::use_api;
use crate::format;
use domain::creature::{AvatarState, Creature, CreatureEvent, CreatureState};
use domain::{Aggregate, UserId};
use serde_json::Value;
use yew::prelude::*;

/// Props of [`HistoryTimeline`].
#[derive(Properties, PartialEq)]
pub struct HistoryTimelineProps {
    /// The creature's id.
    pub creature: AttrValue,
    /// The creature's events, oldest first.
    pub events: Vec<HistoryEntry>,
    /// Its owner.
    pub owner: UserId,
    /// The owner's display name.
    pub owner_name: String,
    /// The viewer, if logged in.
    pub me: Option<UserId>,
    /// The version shown (the latest when `None`).
    pub version: Option<i64>,
    /// Called with the version a reader picks.
    pub on_select: Callback<i64>,
}

/// The timeline, and the state as of the selected version.
#[function_component(HistoryTimeline)]
pub fn history_timeline(props: &HistoryTimelineProps) -> Html {
    let api = use_api();
    let as_of = use_node_ref();
    let last = props.events.len().saturating_sub(1);
    let at = props
        .version
        .and_then(|version| {
            props
                .events
                .iter()
                .position(|entry| entry.version == version)
        })
        .unwrap_or(last);
    let decoded: Vec<Option<CreatureEvent>> = props
        .events
        .iter()
        .map(|entry| entry.event().ok())
        .collect();
    // The state before each event, to say what the event changed.
    let mut before = Vec::with_capacity(decoded.len());
    let mut state = Creature::default();
    for event in &decoded {
        before.push(state.0.clone());
        if let Some(event) = event {
            state = state.evolve(event);
        }
    }
    let folded = Creature::fold(decoded.iter().take(at + 1).flatten());

    let who = |actor: &ActorRef| match actor {
        ActorRef::System => "Bestiary".to_owned(),
        ActorRef::Anonymous => "someone anonymous".to_owned(),
        ActorRef::User(id) if Some(*id) == props.me => "you".to_owned(),
        ActorRef::User(id) if *id == props.owner => props.owner_name.clone(),
        ActorRef::User(_) => "an admin".to_owned(),
    };

    html! {
        <div class="history" data-testid="history">
            <ol class="timeline">
                { for props.events.iter().enumerate().rev().map(|(index, entry)| {
                    let current = index == at;
                    let onclick = {
                        let (on_select, as_of, version) = (props.on_select.clone(), as_of.clone(), entry.version);
                        Callback::from(move |_| {
                            on_select.emit(version);
                            // On a phone the state sits below the timeline: bring it into view.
                            let narrow = web_sys::window()
                                .and_then(|window| window.inner_width().ok())
                                .and_then(|width| width.as_f64())
                                .is_some_and(|width| width < 860.0);
                            if narrow && let Some(panel) = as_of.cast::<web_sys::Element>() {
                                panel.scroll_into_view();
                            }
                        })
                    };
                    html! {
                        <li class={classes!("timeline-item", current.then_some("timeline-item-current"))}
                            data-testid="history-event" data-version={entry.version.to_string()}>
                            <button class="timeline-button" aria-pressed={current.to_string()} {onclick}>
                                <span class="timeline-type">{ format::event_title(&entry.event_type) }</span>
                                <span class="timeline-summary">{ change(decoded[index].as_ref(), before[index].as_ref()) }</span>
                                <span class="timeline-meta">
                                    { format!("v{} · {} · ", entry.version, who(&entry.actor)) }
                                    <time datetime={format::iso(&entry.recorded_at)} title={format::when(&entry.recorded_at)}>
                                        { format::ago(&entry.recorded_at) }
                                    </time>
                                </span>
                            </button>
                        </li>
                    }
                }) }
            </ol>
            <aside class="as-of" aria-live="polite" data-testid="state-as-of" ref={as_of}>
                <h3>{ format!("As of version {}", props.events.get(at).map_or(0, |entry| entry.version)) }</h3>
                { state_view(&folded, &|sha: &str| {
                    api.url(&format!("/creatures/{}/avatar?sha256={sha}", props.creature))
                }) }
            </aside>
        </div>
    }
}

/// What an event changed, given the state before it.
fn change(event: Option<&CreatureEvent>, before: Option<&CreatureState>) -> Html {
    let Some(event) = event else {
        return html! { "(written by a newer version of Bestiary)" };
    };
    match event {
        CreatureEvent::CreatureRegistered { name, species, .. } => {
            html! { format!("{} the {}", name.as_str(), species.as_str()) }
        }
        CreatureEvent::CreatureRenamed { name } => {
            from_to(before.map(|state| state.name.as_str()), name.as_str())
        }
        CreatureEvent::CreatureSpeciesChanged { species } => {
            from_to(before.map(|state| state.species.as_str()), species.as_str())
        }
        CreatureEvent::CreatureDescriptionChanged { description } => text_diff(
            before.map_or("", |state| state.description.as_str()),
            description.as_str(),
        ),
        CreatureEvent::CreatureTraitsChanged { traits } => {
            let empty = serde_json::Map::new();
            let old = before.map_or(&empty, |state| state.traits.as_map());
            trait_changes(old, traits.as_map())
        }
        CreatureEvent::CreatureTagged { tag_name, .. } => {
            html! { format!("+ {}", tag_name.as_str()) }
        }
        CreatureEvent::CreatureUntagged { tag_id } => {
            let name = before
                .and_then(|state| state.tags.get(tag_id))
                .map_or("a tag", |name| name.as_str());
            html! { format!("− {name}") }
        }
        CreatureEvent::AvatarRequested { .. } => html! { "avatar asked for" },
        CreatureEvent::AvatarGenerated { .. } => html! { "avatar painted" },
        CreatureEvent::AvatarGenerationFailed { reason, .. } => {
            html! { format!("failed: {reason}") }
        }
        CreatureEvent::CreatureArchived {} => html! { "archived" },
        CreatureEvent::CreatureRestored {} => html! { "restored" },
    }
}

/// "old → new".
fn from_to(old: Option<&str>, new: &str) -> Html {
    html! {
        <>
            if let Some(old) = old {
                <del>{ old.to_owned() }</del>{" → "}
            }
            <ins>{ new.to_owned() }</ins>
        </>
    }
}

/// How many words of unchanged text stay on either side of a change.
const CONTEXT_WORDS: usize = 3;

/// A short diff of two texts: the words that changed, with a few unchanged words around them.
fn text_diff(old: &str, new: &str) -> Html {
    if old.is_empty() {
        return html! { <ins>{ shorten(new) }</ins> };
    }
    if new.is_empty() {
        return html! { <>{"cleared: "}<del>{ shorten(old) }</del></> };
    }
    let (old_words, new_words): (Vec<&str>, Vec<&str>) = (
        old.split_whitespace().collect(),
        new.split_whitespace().collect(),
    );
    let prefix = old_words
        .iter()
        .zip(&new_words)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = old_words[prefix..]
        .iter()
        .rev()
        .zip(new_words[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let removed = old_words[prefix..old_words.len() - suffix].join(" ");
    let added = new_words[prefix..new_words.len() - suffix].join(" ");
    let lead_from = prefix.saturating_sub(CONTEXT_WORDS);
    let lead = old_words[lead_from..prefix].join(" ");
    let tail_to = (new_words.len() - suffix + CONTEXT_WORDS).min(new_words.len());
    let tail = new_words[new_words.len() - suffix..tail_to].join(" ");
    html! {
        <span class="text-diff">
            if lead_from > 0 { {"… "} }
            if !lead.is_empty() { { format!("{lead} ") } }
            if !removed.is_empty() { <del>{ shorten(&removed) }</del>{" "} }
            if !added.is_empty() { <ins>{ shorten(&added) }</ins> }
            if !tail.is_empty() { { format!(" {tail}") } }
            if tail_to < new_words.len() { {" …"} }
        </span>
    }
}

/// At most 120 characters of `text`, cut at a character boundary.
fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// Which traits were added, changed or removed.
fn trait_changes(
    old: &serde_json::Map<String, Value>,
    new: &serde_json::Map<String, Value>,
) -> Html {
    let mut parts = Vec::new();
    for (key, value) in new {
        match old.get(key) {
            None => parts.push(format!("+ {key}: {}", format::trait_value(value))),
            Some(previous) if previous != value => parts.push(format!(
                "{key}: {} → {}",
                format::trait_value(previous),
                format::trait_value(value)
            )),
            Some(_) => {}
        }
    }
    for key in old.keys().filter(|key| !new.contains_key(*key)) {
        parts.push(format!("− {key}"));
    }
    if parts.is_empty() {
        return html! { "traits unchanged" };
    }
    html! { parts.join(" · ") }
}

/// The state as of a version; `image` is the address of an avatar image by its hash.
fn state_view(creature: &Creature, image: &dyn Fn(&str) -> String) -> Html {
    let Some(state) = &creature.0 else {
        return html! { <p class="muted">{"Not registered yet."}</p> };
    };
    let avatar = match &state.avatar {
        None => html! { "none" },
        Some(AvatarState::Pending { .. }) => html! { "being painted" },
        Some(AvatarState::Ready { image: drawn, .. }) => html! {
            <img class="as-of-avatar" src={image(&drawn.sha256)} width="96" height="96"
                alt={format!("{}'s avatar at this version", state.name.as_str())} data-testid="as-of-avatar" />
        },
        Some(AvatarState::Failed { reason, .. }) => html! { format!("failed ({reason})") },
    };
    let tags: Vec<&str> = state
        .tags
        .values()
        .map(domain::values::TagName::as_str)
        .collect();
    html! {
        <dl class="facts">
            <dt>{"Name"}</dt><dd>{ state.name.as_str() }</dd>
            <dt>{"Species"}</dt><dd>{ state.species.as_str() }</dd>
            <dt>{"Description"}</dt><dd>{ if state.description.as_str().is_empty() { "—" } else { state.description.as_str() } }</dd>
            <dt>{"Traits"}</dt>
            <dd>{
                if state.traits.as_map().is_empty() {
                    "—".to_owned()
                } else {
                    state.traits.as_map().iter()
                        .map(|(key, value)| format!("{key}: {}", format::trait_value(value)))
                        .collect::<Vec<_>>().join(", ")
                }
            }</dd>
            <dt>{"Tags"}</dt><dd>{ if tags.is_empty() { "—".to_owned() } else { tags.join(", ") } }</dd>
            <dt>{"Avatar"}</dt><dd>{ avatar }</dd>
            <dt>{"Archived"}</dt><dd>{ if state.archived { "yes" } else { "no" } }</dd>
        </dl>
    }
}
