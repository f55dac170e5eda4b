//! `GET /updates`: Server-Sent Events as the projections advance, each stamped with the
//! position it reflects, so a client can refresh what changed without reloading.

use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// `GET /updates`.
pub fn router() -> Router<AppState> {
    Router::new().route("/updates", get(updates))
}

async fn updates(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.live.subscribe();
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(notice) => Event::default()
                .event("projection")
                .id(notice.applied.position.to_string())
                .json_data(&notice.applied)
                .unwrap_or_else(|_| Event::default().event("resync").data("{}")),
            // The client fell behind: tell it to refresh everything.
            Err(RecvError::Lagged(_)) => Event::default().event("resync").data("{}"),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), receiver))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
