//! `GET /updates`: Server-Sent Events as the projections advance, each stamped with the
//! position it reflects, so a client can refresh what changed without reloading.

use crate::http::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /updates`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(updates))
}

#[utoipa::path(
    get,
    path = "/updates",
    operation_id = "streamUpdates",
    tag = "updates",
    summary = "Live notices as the projections advance (Server-Sent Events)",
    description = "A never-ending `text/event-stream`, no authentication. After each batch a projection commits, every client gets:\n\n- an event named `projection`, whose `id` is the position the projection reached and whose `data` is JSON `{\"projection\": \"creatures\"|\"tags\"|\"users\", \"position\": <int>, \"creatures\": [<uuid>, ...] | null}`: `creatures` names the creatures whose events were in the batch, or is `null` when there were more than 50 (refresh everything). A client can pass the `position` as `min_position` to read at least that state.\n- an event named `resync` with `data` `{}` when the client fell behind (more than 256 notices unread) and notices were dropped: refresh everything.\n\nA keep-alive comment is sent every 15 seconds. Only notices from after the connection are sent; `Last-Event-ID` is not honoured (nothing is replayed). Notices come from PostgreSQL `LISTEN`, so they need no Redis.",
    responses(
        (status = 200, description = "The stream of events (see the operation's description); it stays open.", body = String, content_type = "text/event-stream"),
    )
)]
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
