//! A creature's history: the timeline of its events (what happened, who did it, when), and
//! its state as of any point, folded in the browser by the domain's own `evolve`.

use crate::api::types::{ActorRef, HistoryEntry};
use crate::format;
use domain::creature::{AvatarState, Creature, CreatureEvent};
use domain::{Aggregate, UserId};
use yew::prelude::*;

/// Props of [`HistoryTimeline`].
#[derive(Properties, PartialEq)]
pub struct HistoryTimelineProps {
    /// The creature's events, oldest first.
    pub events: Vec<HistoryEntry>,
    /// Its owner.
    pub owner: UserId,
    /// The owner's display name.
    pub owner_name: String,
    /// The viewer, if logged in.
    pub me: Option<UserId>,
}

/// The timeline, and the state as of the selected event (the latest until one is picked).
#[function_component(HistoryTimeline)]
pub fn history_timeline(props: &HistoryTimelineProps) -> Html {
    let selected = use_state(|| None::<usize>);
    let last = props.events.len().saturating_sub(1);
    let at = selected.map_or(last, |index| index.min(last));
    let decoded: Vec<Option<CreatureEvent>> = props
        .events
        .iter()
        .map(|entry| entry.event().ok())
        .collect();
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
                { for props.events.iter().enumerate().map(|(index, entry)| {
                    let selected = selected.clone();
                    let current = index == at;
                    html! {
                        <li class={classes!("timeline-item", current.then_some("timeline-item-current"))} data-testid="history-event">
                            <button class="timeline-button" aria-pressed={current.to_string()}
                                onclick={Callback::from(move |_| selected.set(Some(index)))}>
                                <span class="timeline-type">{ format::event_title(&entry.event_type) }</span>
                                <span class="timeline-summary">{ summary(decoded[index].as_ref()) }</span>
                                <span class="timeline-meta">
                                    { format!("v{} · {} · {}", entry.version, who(&entry.actor), format::when(&entry.recorded_at)) }
                                </span>
                            </button>
                        </li>
                    }
                }) }
            </ol>
            <aside class="as-of" aria-live="polite" data-testid="state-as-of">
                <h3>{ format!("As of version {}", props.events.get(at).map_or(0, |entry| entry.version)) }</h3>
                { state_view(&folded) }
            </aside>
        </div>
    }
}

fn summary(event: Option<&CreatureEvent>) -> String {
    match event {
        None => "(written by a newer version of Bestiary)".into(),
        Some(CreatureEvent::CreatureRegistered { name, species, .. }) => {
            format!("{} the {}", name.as_str(), species.as_str())
        }
        Some(CreatureEvent::CreatureRenamed { name }) => format!("now called {}", name.as_str()),
        Some(CreatureEvent::CreatureSpeciesChanged { species }) => {
            format!("now a {}", species.as_str())
        }
        Some(CreatureEvent::CreatureDescriptionChanged { .. }) => "new description".into(),
        Some(CreatureEvent::CreatureTraitsChanged { traits }) => {
            format!("{} traits", traits.as_map().len())
        }
        Some(CreatureEvent::CreatureTagged { tag_name, .. }) => format!("+ {}", tag_name.as_str()),
        Some(CreatureEvent::CreatureUntagged { .. }) => "a tag removed".into(),
        Some(CreatureEvent::AvatarRequested { .. }) => "avatar asked for".into(),
        Some(CreatureEvent::AvatarGenerated { .. }) => "avatar painted".into(),
        Some(CreatureEvent::AvatarGenerationFailed { reason, .. }) => format!("failed: {reason}"),
        Some(CreatureEvent::CreatureArchived {}) => "archived".into(),
    }
}

fn state_view(creature: &Creature) -> Html {
    let Some(state) = &creature.0 else {
        return html! { <p class="muted">{"Not registered yet."}</p> };
    };
    let avatar = match &state.avatar {
        None => "none".to_owned(),
        Some(AvatarState::Pending { .. }) => "being painted".to_owned(),
        Some(AvatarState::Ready { .. }) => "ready".to_owned(),
        Some(AvatarState::Failed { reason, .. }) => format!("failed ({reason})"),
    };
    let tags: Vec<&str> = state.tags.values().map(|tag| tag.as_str()).collect();
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
