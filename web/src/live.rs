//! Live updates: one `EventSource` on `GET /updates` for the whole app, counted per projection
//! so a page can refresh when the read model it shows has moved.
//!
//! The stream is closed when the page is hidden (`pagehide`) and opened again if the browser
//! brings the page back from its back-forward cache (`pageshow`). A browser holds at most six
//! HTTP/1.1 connections to one host, and every page it keeps in that cache with its stream open
//! would hold one of them, until the API answered nothing more.

use crate::api::types::Notice;
use futures::StreamExt;
use futures::channel::oneshot;
use gloo_events::EventListener;
use gloo_net::eventsource::futures::EventSource;
use std::rc::Rc;
use yew::prelude::*;

/// How many notices each projection has sent since the app started.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Live {
    /// Creatures projection notices.
    pub creatures: u64,
    /// Tags projection notices.
    pub tags: u64,
    /// Users projection notices.
    pub users: u64,
    /// Whether the stream is open.
    pub connected: bool,
}

/// What the stream said.
pub enum LiveAction {
    /// A projection applied events.
    Notice(String),
    /// The client fell behind or reconnected: refresh everything.
    Resync,
    /// The stream opened or dropped.
    Connected(bool),
}

impl Reducible for Live {
    type Action = LiveAction;

    fn reduce(self: Rc<Self>, action: LiveAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LiveAction::Notice(projection) => match projection.as_str() {
                "creatures" => next.creatures += 1,
                "tags" => next.tags += 1,
                "users" => next.users += 1,
                _ => {}
            },
            LiveAction::Resync => {
                next.creatures += 1;
                next.tags += 1;
                next.users += 1;
            }
            LiveAction::Connected(connected) => next.connected = connected,
        }
        Rc::new(next)
    }
}

/// The live counters.
#[hook]
pub fn use_live() -> Rc<Live> {
    use_context::<UseReducerHandle<Live>>()
        .map(|handle| Rc::new((*handle).clone()))
        .unwrap_or_default()
}

/// Props of [`LiveProvider`].
#[derive(Properties, PartialEq)]
pub struct LiveProviderProps {
    /// The API's base URL.
    pub base: String,
    /// The app.
    pub children: Html,
}

/// Opens the stream and provides [`Live`] to everything below it. The browser reconnects a
/// dropped `EventSource` by itself; the first message after that resynchronises the pages.
#[function_component(LiveProvider)]
pub fn live_provider(props: &LiveProviderProps) -> Html {
    let live = use_reducer(Live::default);
    // Bumped when the page comes back from the back-forward cache: the stream opens anew.
    let shown = use_reducer(Shown::default);
    {
        let shown = shown.dispatcher();
        use_effect_with((), move |()| {
            let listener = web_sys::window().map(|window| {
                EventListener::new(&window, "pageshow", move |event| {
                    let restored =
                        wasm_bindgen::JsCast::dyn_ref::<web_sys::PageTransitionEvent>(event)
                            .is_some_and(web_sys::PageTransitionEvent::persisted);
                    if restored {
                        shown.dispatch(());
                    }
                })
            });
            move || drop(listener)
        });
    }
    {
        let live = live.dispatcher();
        use_effect_with((props.base.clone(), shown.0), move |(base, _)| {
            // Dropping the sender (the page hid, or this effect is replaced) ends the stream.
            let (hidden, until_hidden) = oneshot::channel::<()>();
            let hiding = web_sys::window().map(|window| {
                let mut hidden = Some(hidden);
                EventListener::new(&window, "pagehide", move |_| drop(hidden.take()))
            });
            if let Ok(mut source) = EventSource::new(&format!("{base}/updates")) {
                let notices = source.subscribe("projection");
                let resyncs = source.subscribe("resync");
                let opens = source.subscribe("open");
                if let (Ok(notices), Ok(resyncs), Ok(opens)) = (notices, resyncs, opens) {
                    wasm_bindgen_futures::spawn_local(async move {
                        let _source = source;
                        let events = futures::stream::select(
                            futures::stream::select(notices, resyncs),
                            opens,
                        );
                        let mut events = events.take_until(until_hidden);
                        while let Some(event) = events.next().await {
                            match event {
                                Ok((kind, message)) if kind == "projection" => {
                                    let notice = message.data().as_string().and_then(|text| {
                                        serde_json::from_str::<Notice>(&text).ok()
                                    });
                                    match notice {
                                        Some(notice) => {
                                            live.dispatch(LiveAction::Notice(notice.projection));
                                        }
                                        None => live.dispatch(LiveAction::Resync),
                                    }
                                }
                                Ok((kind, _)) if kind == "open" => {
                                    live.dispatch(LiveAction::Connected(true));
                                    live.dispatch(LiveAction::Resync);
                                }
                                Ok(_) => live.dispatch(LiveAction::Resync),
                                Err(_) => live.dispatch(LiveAction::Connected(false)),
                            }
                        }
                        live.dispatch(LiveAction::Connected(false));
                    });
                }
            }
            move || drop(hiding)
        });
    }
    html! {
        <ContextProvider<UseReducerHandle<Live>> context={live}>
            { props.children.clone() }
        </ContextProvider<UseReducerHandle<Live>>>
    }
}

/// How many times the page came back from the back-forward cache.
#[derive(Default, PartialEq)]
struct Shown(u32);

impl Reducible for Shown {
    type Action = ();

    fn reduce(self: Rc<Self>, (): ()) -> Rc<Self> {
        Rc::new(Shown(self.0.wrapping_add(1)))
    }
}
