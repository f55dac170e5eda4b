//! The projections' state as `GET /admin/projections` sends it: the read side's records
//! turned into the API's bodies (`api_types::admin`).

use api_types::admin::{
    ParkedStreamView, ProjectionState, ProjectionView, RebuildState, RebuildView,
};
use projections::parked::ParkedStream;
use projections::rebuild::{self, RebuildProgress};
use projections::status::{self, ProjectionStatus};

/// A projection with its latest rebuild, if any.
pub fn projection_view(
    status: ProjectionStatus,
    rebuild: Option<&RebuildProgress>,
) -> ProjectionView {
    ProjectionView {
        events_applied: status.events_applied,
        head: status.head,
        lag: status.lag,
        lag_seconds: status.lag_seconds,
        name: status.name,
        parked: status.parked.into_iter().map(parked_view).collect(),
        position: status.position,
        rebuild: rebuild.map(rebuild_view),
        state: match status.state {
            status::ProjectionState::Running => ProjectionState::Running,
            status::ProjectionState::Rebuilding => ProjectionState::Rebuilding,
        },
        updated_at: status.updated_at,
    }
}

fn parked_view(parked: ParkedStream) -> ParkedStreamView {
    ParkedStreamView {
        event_type: parked.event_type,
        parked_at: parked.parked_at,
        position: parked.position,
        reason: parked.reason,
        stream_id: parked.stream_id,
    }
}

fn rebuild_view(rebuild: &RebuildProgress) -> RebuildView {
    RebuildView {
        error: rebuild.error.clone(),
        eta_seconds: rebuild.eta_seconds,
        events_done: rebuild.events_done,
        events_per_second: rebuild.events_per_second,
        events_total: rebuild.events_total,
        finished_at: rebuild.finished_at,
        name: rebuild.name.clone(),
        started_at: rebuild.started_at,
        state: rebuild_state(rebuild.state),
    }
}

/// A rebuild's state as the API spells it.
fn rebuild_state(state: rebuild::RebuildState) -> RebuildState {
    match state {
        rebuild::RebuildState::Requested => RebuildState::Requested,
        rebuild::RebuildState::Running => RebuildState::Running,
        rebuild::RebuildState::Cancelling => RebuildState::Cancelling,
        rebuild::RebuildState::Done => RebuildState::Done,
        rebuild::RebuildState::Cancelled => RebuildState::Cancelled,
        rebuild::RebuildState::Failed => RebuildState::Failed,
    }
}
