//! Which request gets which answer: the workspace API, the per-agent gateway routes, and the
//! gateway's token check in front of all of them.

use super::oidc::{AccessToken, EXPIRED_MESSAGE, OAuthHandle, PATS_DISABLED_MESSAGE};
use super::{
    FORBIDDEN_TOKEN, GOOD_TOKEN, Recorded, STAGING_TOKEN, USER_NAME, lakeview, models, otlp,
    prices, sql, warehouses, wire,
};
use std::sync::{Arc, Mutex};

/// What the stand-in sends back.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// How long the stand-in waits before sending it (other requests are served meanwhile).
    pub delay: std::time::Duration,
    /// Headers besides Content-Type (a redirect's Location, say).
    pub headers: Vec<(&'static str, String)>,
}

impl Answer {
    pub fn json(status: u16, body: serde_json::Value) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
            delay: std::time::Duration::ZERO,
            headers: Vec::new(),
        }
    }

    pub fn event_stream(body: String) -> Answer {
        Answer {
            status: 200,
            content_type: "text/event-stream",
            body: body.into_bytes(),
            delay: std::time::Duration::ZERO,
            headers: Vec::new(),
        }
    }

    pub fn not_found(path: &str) -> Answer {
        Answer::json(
            404,
            serde_json::json!({"error_code": "ENDPOINT_NOT_FOUND", "message": format!("No API found for '{path}'")}),
        )
    }
}

/// Which gateway routes the workspace serves at `<url>/ai-gateway` (the dedicated host always
/// serves [`RouteFamily::Dedicated`]'s, at its root).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RouteFamily {
    /// The product page's beta routes, which the existing tests were written against:
    /// `/anthropic`, `/openai/v1`, `/gemini`, `/cursor/v1` (and `/mlflow/v1`).
    #[default]
    Legacy,
    /// What the vendor's configurator uses: `/anthropic`, `/codex/v1`, `/gemini`, `/mlflow/v1`.
    WorkspaceRelative,
    /// Nothing under `/ai-gateway`: the gateway lives only on the dedicated host, which serves
    /// `/anthropic`, `/openai/v1`, `/gemini`, `/cursor/v1`, `/mlflow/v1`.
    Dedicated,
}

impl RouteFamily {
    /// Whether the family serves the route whose first path segment is `prefix`.
    fn serves(self, prefix: &str) -> bool {
        let prefixes: &[&str] = match self {
            // And `/mlflow/v1`, Copilot CLI's: the dedicated host serves it beside these.
            RouteFamily::Legacy => &["anthropic", "openai", "gemini", "cursor", "mlflow"],
            RouteFamily::WorkspaceRelative => &["anthropic", "codex", "gemini", "mlflow"],
            RouteFamily::Dedicated => &["anthropic", "openai", "gemini", "cursor", "mlflow"],
        };
        prefixes.contains(&prefix)
    }
}

/// How the workspace answers the checks for the AI Gateway feature
/// (`/api/2.1/unity-catalog/model-services`, `/api/ai-gateway/v2/endpoints`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AiGatewayMode {
    #[default]
    Enabled,
    /// Both answer 404 FEATURE_DISABLED.
    NotEnabled,
    /// The model-services listing answers 403: the user lacks USE CATALOG on `system`.
    NoCatalogAccess,
}

/// Which of the two hosts a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// `<url>`: the workspace API and the workspace-relative gateway under `/ai-gateway`.
    Workspace,
    /// The dedicated gateway host: gateway routes at its root, nothing else.
    Dedicated,
}

/// What the stand-in's models say, which model endpoints exist (`None`: any name), its SQL
/// warehouse, the routes it serves and whether its AI Gateway is enabled.
pub struct Serving {
    pub reply: String,
    pub models: Option<Vec<String>>,
    /// The workspace lists `models` as Unity Catalog model services (else only as serving
    /// endpoints, and the model-services listing answers 404).
    pub model_services: bool,
    pub sql: Arc<Mutex<sql::State>>,
    pub lakeview: lakeview::Lakeview,
    /// What `GET /api/ai-gateway/v2/coding-agent-configs` answers; `None`: 404, as in a
    /// workspace without the API.
    pub agent_configs: Arc<Mutex<Option<serde_json::Value>>>,
    pub family: RouteFamily,
    pub mode: AiGatewayMode,
}

impl Serving {
    pub fn replying(reply: &str) -> Serving {
        Serving {
            reply: reply.to_string(),
            models: None,
            model_services: false,
            sql: Arc::default(),
            lakeview: lakeview::Lakeview::default(),
            agent_configs: Arc::default(),
            family: RouteFamily::default(),
            mode: AiGatewayMode::default(),
        }
    }

    /// The model names the listings show: the served ones, else a small default set.
    fn listed_models(&self) -> Vec<String> {
        self.models.clone().unwrap_or_else(|| {
            [
                "databricks-claude-opus-4-6",
                "databricks-gpt-5-2",
                "databricks-gemini-2-5-flash",
            ]
            .map(String::from)
            .to_vec()
        })
    }
}

const GATEWAY_PREFIX: &str = "/ai-gateway/";

pub fn answer(request: &Recorded, site: Site, serving: &Serving, oauth: &OAuthHandle) -> Answer {
    let path = request.route();
    if site == Site::Dedicated {
        let rest = path.trim_start_matches('/');
        return gateway_route(request, rest, RouteFamily::Dedicated, serving, oauth);
    }
    if let Some(answer) = oauth.answer(request) {
        return answer;
    }
    let method = request.method.as_str();
    if let Some(answer) = ai_gateway_feature(request, serving, oauth) {
        return answer;
    }
    if path == "/api/2.0/preview/scim/v2/Me" && method == "GET" {
        return scim_me(request, oauth);
    }
    if path == "/api/2.0/serving-endpoints" && method == "GET" {
        return match check_token(oauth, request.bearer()) {
            Ok(()) => serving_endpoints(serving),
            Err(denied) => denied,
        };
    }
    if path.starts_with("/api/2.0/sql/warehouses") {
        let listing = serving.sql.lock().unwrap().warehouse.listing.clone();
        return check_token(oauth, request.bearer()).map_or_else(
            |denied| denied,
            |()| warehouses::answer(method, &request.path, &listing),
        );
    }
    if path.starts_with("/api/2.0/sql/statements") {
        return match check_token(oauth, request.bearer()) {
            Ok(()) => serving.sql.lock().unwrap().answer(
                method,
                path,
                &request.json().unwrap_or_default(),
            ),
            Err(denied) => denied,
        };
    }
    if path == "/api/ai-gateway/v2/external-provider-models" && method == "GET" {
        let query = request.path.split_once('?').map_or("", |(_, q)| q);
        return match check_token(oauth, request.bearer()) {
            Ok(())
                if serving
                    .sql
                    .lock()
                    .unwrap()
                    .warehouse
                    .usage
                    .price_list_refused =>
            {
                Answer::json(
                    403,
                    serde_json::json!({"error_code": "PERMISSION_DENIED",
                                       "message": "User is not allowed to list external provider models."}),
                )
            }
            Ok(()) => prices::answer(query),
            Err(denied) => denied,
        };
    }
    if path == "/api/ai-gateway/v2/coding-agent-configs" && method == "GET" {
        let published = serving.agent_configs.lock().unwrap().clone();
        return match (check_token(oauth, request.bearer()), published) {
            (Err(denied), _) => denied,
            (Ok(()), Some(listing)) => Answer::json(200, listing),
            (Ok(()), None) => Answer::not_found(path),
        };
    }
    if path.starts_with("/api/2.0/lakeview/dashboards") {
        return match check_token(oauth, request.bearer()) {
            Ok(()) => serving.lakeview.0.lock().unwrap().answer(
                method,
                path,
                &request.json().unwrap_or_default(),
            ),
            Err(denied) => denied,
        };
    }
    if let Some(signal) = path.strip_prefix("/api/2.0/otel/v1/") {
        return match (method, signal) {
            ("POST", "metrics" | "logs" | "traces") => match check_token(oauth, request.bearer()) {
                Ok(()) => ingest(request),
                Err(denied) => denied,
            },
            _ => Answer::not_found(path),
        };
    }
    let Some(rest) = path.strip_prefix(GATEWAY_PREFIX) else {
        return Answer::not_found(path);
    };
    gateway_route(request, rest, serving.family, serving, oauth)
}

/// A request to a gateway route: `rest` is the path below the gateway (`codex/v1/responses`).
fn gateway_route(
    request: &Recorded,
    rest: &str,
    family: RouteFamily,
    serving: &Serving,
    oauth: &OAuthHandle,
) -> Answer {
    let (path, method, reply) = (request.route(), request.method.as_str(), &serving.reply);
    let (agent, api_path) = rest.split_once('/').unwrap_or((rest, ""));
    if !family.serves(agent) {
        return Answer::not_found(path);
    }
    // Gemini's SDK sends the key as x-goog-api-key (and, set to bearer, as Authorization too).
    let token = match agent {
        "gemini" => request
            .bearer()
            .or_else(|| request.header("x-goog-api-key")),
        _ => request.bearer(),
    };
    if let Err(denied) = check_token(oauth, token) {
        return denied;
    }
    let body = request.json().unwrap_or(serde_json::Value::Null);
    if let (Some(served), Some(model)) = (&serving.models, requested_model(agent, api_path, &body))
        && !models::serves(served, model)
    {
        return Answer::json(
            404,
            serde_json::json!({"error_code": "RESOURCE_DOES_NOT_EXIST",
                               "message": format!("The endpoint '{model}' does not exist.")}),
        );
    }
    if let Some(listing) = model_listing(method, agent, api_path, serving) {
        return listing;
    }
    let answer = match agent {
        "anthropic" => wire::anthropic(method, api_path, &body, reply),
        // The workspace-relative family serves Codex at /codex/v1: same API.
        "openai" | "codex" => wire::openai_responses(method, api_path, &body, reply),
        "gemini" => wire::gemini(method, api_path, reply),
        "cursor" | "mlflow" => wire::openai_chat(method, api_path, &body, reply),
        _ => None,
    };
    answer.unwrap_or_else(|| Answer::not_found(path))
}

/// The cheap GETs that list a route's models (what agentgw's route discovery asks): each in its
/// API's list shape, naming the models the stand-in serves.
fn model_listing(method: &str, agent: &str, api_path: &str, serving: &Serving) -> Option<Answer> {
    let models = serving.listed_models();
    let body = match (method, agent, api_path) {
        ("GET", "anthropic", "v1/models") => models::claude_models_json(&models),
        ("GET", "openai" | "codex" | "cursor" | "mlflow", "v1/models") => {
            let data: Vec<_> = models
                .iter()
                .map(|m| serde_json::json!({"id": m, "object": "model"}))
                .collect();
            serde_json::json!({"object": "list", "data": data})
        }
        ("GET", "gemini", "v1beta/models") => {
            let listed: Vec<_> = models
                .iter()
                .map(|m| serde_json::json!({"name": format!("models/{m}")}))
                .collect();
            serde_json::json!({ "models": listed })
        }
        _ => return None,
    };
    Some(Answer::json(200, body))
}

/// The workspace endpoints that tell whether the AI Gateway is enabled, answered per
/// `serving.mode`; `None` for any other request.
fn ai_gateway_feature(
    request: &Recorded,
    serving: &Serving,
    oauth: &OAuthHandle,
) -> Option<Answer> {
    const MODEL_SERVICES: &str = "/api/2.1/unity-catalog/model-services";
    const ENDPOINTS: &str = "/api/ai-gateway/v2/endpoints";
    let path = request.route();
    if request.method != "GET" || (path != MODEL_SERVICES && path != ENDPOINTS) {
        return None;
    }
    if let Err(denied) = check_token(oauth, request.bearer()) {
        return Some(denied);
    }
    let error = |status, code: &str, message: &str| {
        Answer::json(
            status,
            serde_json::json!({"error_code": code, "message": message}),
        )
    };
    Some(match serving.mode {
        AiGatewayMode::NotEnabled => error(
            404,
            "FEATURE_DISABLED",
            "AI Gateway is not enabled for this workspace.",
        ),
        AiGatewayMode::NoCatalogAccess if path == MODEL_SERVICES => error(
            403,
            "PERMISSION_DENIED",
            "User does not have USE CATALOG on Catalog 'system'.",
        ),
        _ if path == MODEL_SERVICES && !request.path.contains("page_size=") => {
            error(499, "INVALID_PARAMETER_VALUE", "page_size is required.")
        }
        _ if path == MODEL_SERVICES => models::model_services(request, serving),
        _ => {
            let endpoints: Vec<_> = serving
                .listed_models()
                .iter()
                .map(|m| serde_json::json!({"name": m}))
                .collect();
            Answer::json(200, serde_json::json!({ "endpoints": endpoints }))
        }
    })
}

/// An OTLP export: refused unless it is protobuf that parses, names its table, and the table can
/// be written (errors as google.rpc.Status, like the real ingest endpoint).
fn ingest(request: &Recorded) -> Answer {
    let status = |http: u16, code: u64, message: String| Answer {
        status: http,
        content_type: "application/x-protobuf",
        body: otlp::rpc_status(code, &message),
        delay: std::time::Duration::ZERO,
        headers: Vec::new(),
    };
    if otlp::fields(&request.bytes).is_err() {
        return status(400, 3, "the body is not a protobuf message".into());
    }
    let Some(table) = request.header("X-Databricks-UC-Table-Name") else {
        return status(400, 3, "missing header X-Databricks-UC-Table-Name".into());
    };
    let parts: Vec<&str> = table.split('.').collect();
    match parts.as_slice() {
        [sql::DENIED_CATALOG, ..] => status(
            403,
            7,
            format!("PERMISSION_DENIED: User does not have MODIFY on Table '{table}'."),
        ),
        [_, sql::MISSING_SCHEMA, _] => status(
            404,
            5,
            format!("NOT_FOUND: Table '{table}' does not exist."),
        ),
        [_, _, _] => Answer {
            status: 200,
            // An empty Export*ServiceResponse: zero bytes of protobuf.
            content_type: "application/x-protobuf",
            body: Vec::new(),
            delay: std::time::Duration::ZERO,
            headers: Vec::new(),
        },
        _ => status(400, 3, format!("invalid table name '{table}'")),
    }
}

/// The model endpoint a call names: in the path for Gemini (`v1beta/models/<model>:<method>`), in
/// the JSON body for the others.
fn requested_model<'a>(
    agent: &str,
    api_path: &'a str,
    body: &'a serde_json::Value,
) -> Option<&'a str> {
    match agent {
        "gemini" => api_path.strip_prefix("v1beta/models/")?.split(':').next(),
        _ => body["model"].as_str(),
    }
}

/// The workspace's model endpoints, as `GET /api/2.0/serving-endpoints` lists them (only the
/// fields agentgw reads, plus the state a real answer carries).
fn serving_endpoints(serving: &Serving) -> Answer {
    let names = serving.models.clone().unwrap_or_default();
    let endpoints: Vec<serde_json::Value> = names
        .iter()
        .map(|name| serde_json::json!({"name": name, "task": "llm/v1/chat", "state": {"ready": "READY"}}))
        .collect();
    Answer::json(200, serde_json::json!({ "endpoints": endpoints }))
}

fn scim_me(request: &Recorded, oauth: &OAuthHandle) -> Answer {
    // SCIM says "Invalid access token." whether the token is wrong or missing.
    match check_token(oauth, Some(request.bearer().unwrap_or_default())) {
        Ok(()) => Answer::json(
            200,
            serde_json::json!({"userName": USER_NAME, "displayName": "Dev", "id": "42"}),
        ),
        Err(denied) => denied,
    }
}

/// The workspace's answer to a missing, unknown, expired or under-privileged token, in Databricks'
/// error shape. The test PATs work unless the workspace refuses PATs; OAuth access tokens work
/// while they live.
fn check_token(oauth: &OAuthHandle, token: Option<&str>) -> Result<(), Answer> {
    match token {
        Some(GOOD_TOKEN | STAGING_TOKEN | FORBIDDEN_TOKEN) if oauth.refuses_pats() => {
            Err(Answer::json(
                403,
                serde_json::json!({"error_code": "PERMISSION_DENIED", "message": PATS_DISABLED_MESSAGE}),
            ))
        }
        Some(GOOD_TOKEN | STAGING_TOKEN) => Ok(()),
        Some(FORBIDDEN_TOKEN) => Err(Answer::json(
            403,
            serde_json::json!({"error_code": "PERMISSION_DENIED", "message": "User does not have permission to use this API."}),
        )),
        Some(token) => match oauth.access_token(token) {
            AccessToken::Live => Ok(()),
            AccessToken::Expired => Err(Answer::json(
                401,
                serde_json::json!({"error_code": "UNAUTHENTICATED", "message": EXPIRED_MESSAGE}),
            )),
            AccessToken::Unknown => Err(Answer::json(
                401,
                serde_json::json!({"error_code": "UNAUTHENTICATED", "message": "Invalid access token."}),
            )),
        },
        None => Err(Answer::json(
            401,
            serde_json::json!({"error_code": "UNAUTHENTICATED", "message": "Credential was not sent or was of an unsupported type for this API."}),
        )),
    }
}
