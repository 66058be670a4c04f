//! The routes, one file per resource. Each handler takes a role extractor.

mod agents;
mod audit;
mod auth;
mod calls;
mod canned_responses;
mod config;
mod console;
mod contacts;
mod conversations;
mod device;
mod email_channels;
mod events;
mod flows;
mod health;
mod history;
mod message_content;
mod prompts;
mod queues;
mod skills;
mod softphone;
mod teams;
mod tenant;
pub(crate) mod tokens;
mod users;
mod voicemails;
mod wrap_up;

use crate::AppState;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "Switchboard API", description = "Self-hostable cloud contact center."),
    tags(
        (name = "auth", description = "Login, logout, the current user"),
        (name = "users", description = "Users of the tenant: admins, supervisors, agents"),
        (name = "skills", description = "Skills and teams"),
        (name = "tenant", description = "Tenant settings, tokens, configuration import/export"),
        (name = "logs", description = "Event log and audit log"),
        (name = "flows", description = "Routing flows: drafts, publishing, rollback, dry runs"),
        (name = "routing", description = "Queues and points of contact"),
        (name = "agents", description = "Agent states: presence for routing"),
        (name = "calls", description = "Live voice calls and call control"),
        (name = "email", description = "Email channels, conversations and replies"),
    ),
    components(schemas(calls::Action))
)]
struct ApiDoc;

/// Every `/api/v1` route with its OpenAPI description.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes())
        .merge(users::routes())
        .merge(skills::routes())
        .merge(teams::routes())
        .merge(tenant::routes())
        .merge(tokens::routes())
        .merge(events::routes())
        .merge(audit::routes())
        .merge(config::routes())
        .merge(flows::routes())
        .merge(prompts::routes())
        .merge(queues::routes())
        .merge(contacts::routes())
        .merge(history::routes())
        .merge(device::routes())
        .merge(agents::routes())
        .merge(calls::routes())
        .merge(softphone::routes())
        .merge(console::routes())
        .merge(wrap_up::routes())
        .merge(voicemails::routes())
        .merge(conversations::routes())
        .merge(message_content::routes())
        .merge(email_channels::routes())
        .merge(canned_responses::routes())
}

/// The whole HTTP application over `state`, with the OpenAPI document at `/api/v1/openapi.json`.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api_routes().split_for_parts();
    let openapi = std::sync::Arc::new(openapi);
    let doc = axum::routing::get(move || {
        let openapi = openapi.clone();
        async move { axum::Json(openapi.as_ref().clone()) }
    });
    Router::new()
        .nest("/api/v1", api.route("/openapi.json", doc))
        .merge(health::routes())
        .fallback(crate::assets::serve)
        .with_state(state)
}

/// The OpenAPI document (for `switchboard openapi` and tests).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().into_openapi()
}

pub(crate) use console::Consoles;
pub use tokens::issue as tokens_issue;
