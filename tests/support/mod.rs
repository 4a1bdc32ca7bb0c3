//! A stand-in Databricks workspace + AI Gateway on loopback, for tests. It answers like the real
//! service for the tokens below and records every request so tests can assert what was sent.
//!
//! Workspace routes live at `<url>/api/2.0/...`; the AI Gateway at `<url>/ai-gateway/<agent>/...`
//! speaks each agent's wire format (Anthropic Messages, OpenAI Responses and Chat Completions, Gemini
//! generateContent), streaming or not, well enough for the real agent CLIs to print the reply and exit.
//! Its OAuth server lives at `<url>/oidc/...` (see `oidc`); the access tokens it issues are accepted
//! wherever GOOD_TOKEN is.

#![allow(dead_code)] // each test binary uses a different part of the support code

pub mod browser;
pub mod encoding;
pub mod etc_overlay;
pub mod http;
pub mod lakeview;
pub mod models;
pub mod oidc;
pub mod otlp;
pub mod prices;
mod routes;
pub use routes::{AiGatewayMode, RouteFamily};
#[allow(unused_imports)] // the integration tests call no tool
pub use wire::VIEW_AFTER;
pub mod sql;
pub mod usage_table;
pub mod warehouses;
mod wire;

#[allow(unused_imports)] // the agents binary uses none of them yet
pub use oidc::{
    CUSTOM_CLIENT_ID, OAuthHandle, OAuthOptions, PATS_DISABLED_MESSAGE, SP_CLIENT_ID,
    SP_CLIENT_SECRET,
};

use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// A token the stand-in accepts (SCIM Me answers 200).
pub const GOOD_TOKEN: &str = "dapi0123456789abcdef0123456789abcd";
/// A second accepted token, for a second profile (say, `staging`): tests tell the two apart.
pub const STAGING_TOKEN: &str = "dapistaging00000000000000000000000";
/// A token that is valid but lacks permission (403).
pub const FORBIDDEN_TOKEN: &str = "dapiforbidden00000000000000000000";
pub const USER_NAME: &str = "dev@example.com";
pub const WORKSPACE_ID: &str = "1234567890123456";
/// What every model on the stand-in gateway answers, unless the test chose another reply.
pub const DEFAULT_REPLY: &str = "pong";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The request target as sent: path and query (`/ai-gateway/anthropic/v1/messages?beta=true`).
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body as text; bytes that are not UTF-8 (OTLP protobuf) become U+FFFD.
    pub body: String,
    /// The body as sent.
    pub bytes: Vec<u8>,
    /// The status the stand-in answered with.
    pub status: u16,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }

    /// The token of an `Authorization: Bearer <token>` header, if any.
    pub fn bearer(&self) -> Option<&str> {
        self.header("Authorization")?.strip_prefix("Bearer ")
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// A canned answer for every gateway route.
#[derive(Clone, Default)]
pub struct Scripted {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
    pub delay: std::time::Duration,
    /// Answer no gateway request before this many have arrived (at most 10 s): requests sent one
    /// after another then time out, requests sent in parallel all get through.
    pub hold_until: usize,
}

pub struct Gateway {
    /// `http://127.0.0.1:<port>`: the workspace host; the gateway is `<url>/ai-gateway`.
    pub url: String,
    /// A second listener standing in for the dedicated gateway host
    /// (`https://<workspace-id>.ai-gateway.<cloud domain>`): see [`Gateway::dedicated_url`].
    dedicated_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    sql: Arc<Mutex<sql::State>>,
    lakeview: lakeview::Lakeview,
    agent_configs: Arc<Mutex<Option<serde_json::Value>>>,
    oauth: OAuthHandle,
}

impl Gateway {
    /// A stand-in whose models all answer [`DEFAULT_REPLY`].
    pub fn start() -> Gateway {
        Gateway::start_replying(DEFAULT_REPLY)
    }

    /// A stand-in whose models all answer `reply`.
    pub fn start_replying(reply: &str) -> Gateway {
        Gateway::serve(routes::Serving::replying(reply))
    }

    /// A stand-in whose SQL warehouse ([`sql::WAREHOUSE_ID`]) behaves as `warehouse` says.
    pub fn start_warehouse(warehouse: sql::Warehouse) -> Gateway {
        let serving = routes::Serving::replying(DEFAULT_REPLY);
        serving.sql.lock().unwrap().warehouse = warehouse;
        Gateway::serve(serving)
    }

    /// A stand-in that, like the real gateway, serves only the named model endpoints: a request for
    /// any other model gets 404 RESOURCE_DOES_NOT_EXIST. (The others serve every model name.)
    pub fn start_serving(models: &[&str]) -> Gateway {
        Gateway::serve(routes::Serving {
            models: Some(models.iter().map(|m| m.to_string()).collect()),
            ..routes::Serving::replying(DEFAULT_REPLY)
        })
    }

    /// A stand-in whose workspace-relative gateway (`<url>/ai-gateway`) serves the routes of
    /// `family`, and whose AI Gateway feature answers as `mode` says. The other constructors
    /// serve [`RouteFamily::Legacy`] with the gateway enabled.
    pub fn start_routes(family: RouteFamily, mode: AiGatewayMode) -> Gateway {
        Gateway::serve(routes::Serving {
            family,
            mode,
            ..routes::Serving::replying(DEFAULT_REPLY)
        })
    }

    /// A stand-in for a workspace with the Unity AI Gateway that serves only `models`, under both
    /// names (`system.ai.<m>` and `databricks-<m>`), and lists them as model services
    /// (`system.ai.<m>`), in the gateway's Claude models list and as serving endpoints (as given).
    pub fn start_workspace_models(models: &[&str]) -> Gateway {
        Gateway::serve(routes::Serving {
            models: Some(models.iter().map(|m| m.to_string()).collect()),
            model_services: true,
            ..routes::Serving::replying(DEFAULT_REPLY)
        })
    }

    /// A stand-in whose gateway routes all give the `scripted` answer (the workspace API still
    /// answers as usual): for the failures agentgw must explain.
    pub fn start_scripted(scripted: Scripted) -> Gateway {
        Gateway::serve_with(
            routes::Serving::replying(DEFAULT_REPLY),
            Some(scripted),
            OAuthOptions::default(),
        )
    }

    /// A stand-in (models answering [`DEFAULT_REPLY`]) whose OAuth server behaves as `options`
    /// say. The other constructors serve OAuth with `OAuthOptions::default()`.
    pub fn start_oauth(options: OAuthOptions) -> Gateway {
        Gateway::serve_with(routes::Serving::replying(DEFAULT_REPLY), None, options)
    }

    fn serve(serving: routes::Serving) -> Gateway {
        Gateway::serve_with(serving, None, OAuthOptions::default())
    }

    fn serve_with(
        serving: routes::Serving,
        scripted: Option<Scripted>,
        options: OAuthOptions,
    ) -> Gateway {
        let (server, url) = bind();
        let (dedicated, dedicated_url) = bind();
        let oauth = OAuthHandle::new(&url, options);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let sql = Arc::clone(&serving.sql);
        let lakeview = serving.lakeview.clone();
        let agent_configs = Arc::clone(&serving.agent_configs);
        let shared = Arc::new(Shared {
            serving,
            scripted,
            oauth: oauth.clone(),
            log: Arc::clone(&requests),
            arrived: Arc::default(),
        });
        let for_dedicated = Arc::clone(&shared);
        thread::spawn(move || listen(&server, routes::Site::Workspace, &shared));
        thread::spawn(move || listen(&dedicated, routes::Site::Dedicated, &for_dedicated));
        Gateway {
            url,
            dedicated_url,
            requests,
            sql,
            lakeview,
            agent_configs,
            oauth,
        }
    }

    /// What the workspace's admins publish (`GET /api/ai-gateway/v2/coding-agent-configs`
    /// answers `listing`); `None`: the API answers 404.
    pub fn publish_agent_configs(&self, listing: Option<serde_json::Value>) {
        *self.agent_configs.lock().unwrap() = listing;
    }

    /// The stand-in's AI/BI dashboards: what the workspace holds, and the switches tests flip.
    pub fn lakeview(&self) -> lakeview::Lakeview {
        self.lakeview.clone()
    }

    /// The stand-in's OAuth server: counters, issued tokens, and the switches tests flip while
    /// it runs.
    pub fn oauth(&self) -> OAuthHandle {
        self.oauth.clone()
    }

    /// The dedicated gateway host: its own loopback port, serving `/anthropic`, `/openai/v1`,
    /// `/gemini`, `/cursor/v1` and `/mlflow/v1` at its root, with the same tokens and log.
    pub fn dedicated_url(&self) -> String {
        self.dedicated_url.clone()
    }

    /// The requests the stand-in answered 404, one `METHOD path` line each (for asserting that
    /// nothing an agent sent went to a missing route or model).
    pub fn not_found(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|r| r.status == 404)
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// The AI Gateway base URL, `<url>/ai-gateway`: agents get `<gateway_url>/<agent path>`.
    pub fn gateway_url(&self) -> String {
        format!("{}/ai-gateway", self.url)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Empties the request log and returns what it held: what comes next is someone else's.
    pub fn take_requests(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }

    /// The tables the warehouse knows, as `catalog.schema.table`.
    pub fn tables(&self) -> Vec<String> {
        self.sql
            .lock()
            .unwrap()
            .warehouse
            .tables
            .iter()
            .cloned()
            .collect()
    }

    /// The ids of the statements that were cancelled.
    pub fn cancelled_statements(&self) -> Vec<String> {
        self.sql.lock().unwrap().cancelled.clone()
    }

    /// The SQL statements submitted, in order.
    pub fn statements(&self) -> Vec<String> {
        self.requests_to("POST", "/api/2.0/sql/statements")
            .iter()
            .filter_map(|r| r.json()?["statement"].as_str().map(str::to_string))
            .collect()
    }

    /// The recorded requests whose path (without the query) is `route`.
    pub fn requests_to(&self, method: &str, route: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.route() == route)
            .collect()
    }

    /// One line per recorded request (`POST /path?query`), for failure messages.
    pub fn request_summary(&self) -> String {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What both listeners of one stand-in share: what it serves and the one request log.
struct Shared {
    serving: routes::Serving,
    scripted: Option<Scripted>,
    oauth: OAuthHandle,
    log: Arc<Mutex<Vec<Recorded>>>,
    /// How many scripted requests arrived, for `Scripted::hold_until`.
    arrived: Arc<(Mutex<usize>, std::sync::Condvar)>,
}

fn bind() -> (tiny_http::Server, String) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind the stand-in gateway");
    let port = server.server_addr().to_ip().expect("an IP listener").port();
    (server, format!("http://127.0.0.1:{port}"))
}

/// Answers every request of one listener: the workspace host or the dedicated gateway host.
fn listen(server: &tiny_http::Server, site: routes::Site, shared: &Shared) {
    for mut request in server.incoming_requests() {
        let mut body = Vec::new();
        let _ = request.as_reader().read_to_end(&mut body);
        let mut recorded = Recorded {
            method: request.method().to_string(),
            path: request.url().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|h| (h.field.to_string(), h.value.to_string()))
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body,
            status: 0,
        };
        let on_gateway =
            site == routes::Site::Dedicated || recorded.route().starts_with("/ai-gateway/");
        // The script stands for the model calls; the model listings (what login's route
        // discovery and setup's model choice read first) answer as usual.
        let listing = recorded.method == "GET" && recorded.route().ends_with("/models");
        let script = shared.scripted.as_ref().filter(|_| on_gateway && !listing);
        let hold_until = script.map_or(0, |s| s.hold_until);
        if script.is_some() {
            *shared.arrived.0.lock().unwrap() += 1;
            shared.arrived.1.notify_all();
        }
        let arrived = Arc::clone(&shared.arrived);
        let (response, delay) = match script {
            Some(s) => {
                recorded.status = s.status;
                let mut response = tiny_http::Response::from_data(s.body.clone().into_bytes())
                    .with_status_code(s.status)
                    .with_header(header("Content-Type", "application/json"));
                for (name, value) in &s.headers {
                    response = response.with_header(header(name, value));
                }
                (response, s.delay)
            }
            None => {
                let answer = routes::answer(&recorded, site, &shared.serving, &shared.oauth);
                recorded.status = answer.status;
                let mut response = tiny_http::Response::from_data(answer.body)
                    .with_status_code(answer.status)
                    .with_header(header("Content-Type", answer.content_type))
                    .with_header(header("x-databricks-org-id", WORKSPACE_ID));
                for (name, value) in &answer.headers {
                    response = response.with_header(header(name, value));
                }
                (response, answer.delay)
            }
        };
        shared.log.lock().unwrap().push(recorded);
        // Answer on a thread of its own: a delayed answer must not hold up the others.
        thread::spawn(move || {
            let (count, changed) = &*arrived;
            let _held = changed
                .wait_timeout_while(
                    count.lock().unwrap(),
                    std::time::Duration::from_secs(10),
                    |n| *n < hold_until,
                )
                .unwrap();
            drop(_held);
            thread::sleep(delay);
            let _ = request.respond(response);
        });
    }
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap()
}

/// A server that accepts connections and never answers: for timeout tests.
pub fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    url
}

/// A loopback URL where nothing listens: connection refused.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// A server that answers every connection with plain-text HTTP at once: a TLS client talking to it
/// fails the handshake (what a wrong port or scheme looks like).
pub fn plain_http_answering_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            use std::io::Write;
            let _ = stream.write_all(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    url
}

/// A server that answers every request with `head` (status line and headers, CRLF-terminated)
/// and then streams `body_bytes` bytes of filler, or drips one byte a second forever when
/// `body_bytes` is `None`: for a redirect, a huge or never-ending answer.
pub fn raw_server(head: &'static str, body_bytes: Option<u64>) -> String {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = [b'x'; 64 * 1024];
                match body_bytes {
                    Some(mut left) => {
                        while left > 0 {
                            let n = left.min(chunk.len() as u64) as usize;
                            if stream.write_all(&chunk[..n]).is_err() {
                                return;
                            }
                            left -= n as u64;
                        }
                    }
                    None => loop {
                        if stream.write_all(b"x").is_err() {
                            return;
                        }
                        thread::sleep(std::time::Duration::from_secs(1));
                    },
                }
            });
        }
    });
    url
}
