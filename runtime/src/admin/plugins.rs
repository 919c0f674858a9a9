//! The console's plugins page data: every decoder's versions (`GET /plugins`). Its buttons call
//! the decoder routes of the operator endpoint (reload, rollback, promote).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use super::{Shared, authorized, denied, json};

/// The plugins page's route, merged into the operator endpoint.
pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/plugins", get(plugins))
}

/// `{"decoders": [..]}`: per decoder its live version, shadow candidate (agreement, first
/// differing frames with both outputs), versions kept for rollback, refusals, vectors passed.
async fn plugins(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    json(StatusCode::OK, &serde_json::json!({"decoders": s.operator.plugins()}))
}
