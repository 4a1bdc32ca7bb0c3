//! Finding the AI Gateway and each agent's route on it, by asking the workspace — never by
//! assuming a path (see AGENT_FACTS, "The Unity AI Gateway as deployed"): deployed gateways serve
//! two route families, workspace-relative `<host>/ai-gateway/{anthropic,codex/v1,gemini,mlflow/v1}`
//! and a dedicated host with `/{anthropic,openai/v1,gemini,cursor/v1,mlflow/v1}`.
//!
//! Every probe is a cheap GET that lists models; a missing route answers it 404
//! `ENDPOINT_NOT_FOUND`. No completion is ever sent, so discovery costs nothing on the bill.

use crate::gateway::{Http, RequestError, server_message};
use crate::urls::redact_userinfo;

/// Where a workspace admin reads how the AI Gateway (Beta) is turned on: an account admin enables
/// it on the account console's Previews page (Databricks docs, "AI Gateway (Beta)").
pub const DOCS_URL: &str = "https://docs.databricks.com/aws/en/ai-gateway/overview-beta";

/// One agent's routes, in the order they are tried, and the GET that lists the route's models.
pub struct RouteSpec {
    pub agent: &'static str,
    /// The agent's default path, used when discovery could not run (`login --no-verify`).
    pub default: &'static str,
    pub candidates: &'static [&'static str],
    /// Appended to the route's base URL: the cheap request.
    pub listing: &'static str,
}

/// Every route login looks for: each agent's, from `agents::ALL` (each agent keeps its own in
/// its `AgentInfo`).
pub fn route_specs() -> impl Iterator<Item = &'static RouteSpec> {
    crate::agents::ALL.into_iter().filter_map(|t| t.route())
}

pub fn spec(agent: &str) -> Option<&'static RouteSpec> {
    route_specs().find(|s| s.agent == agent)
}

/// What the workspace says about its AI Gateway.
#[derive(Debug)]
pub enum Enabled {
    Yes,
    /// 404, or `FEATURE_DISABLED`: the workspace has no AI Gateway. The server's words.
    NotEnabled(String),
    /// 403: the user may not list the `system.ai` model services. The server's words.
    NoPermission(String),
    /// 401, or 400 "Invalid Token".
    BadToken(String),
    /// The workspace could not be asked (network, 5xx, an answer of another kind).
    Unknown(String),
}

impl Enabled {
    /// Stored in the profile (`gateway_problem`) so `setup` can refuse without asking again.
    pub fn problem(&self) -> Option<&'static str> {
        match self {
            Enabled::NotEnabled(_) => Some("not_enabled"),
            Enabled::NoPermission(_) => Some("no_permission"),
            _ => None,
        }
    }

    /// What happened, then on the next lines what to do; `None` when enabled.
    pub fn explain(&self, host: &str, profile: &str, login: &str) -> Option<String> {
        let refresh = format!("agentgw login --profile {profile} --refresh");
        Some(match self {
            Enabled::Yes => return None,
            Enabled::NotEnabled(said) => format!(
                "the AI Gateway is not enabled for the workspace {host} ({said})\n\
                 An account admin turns on \"AI Gateway (Beta)\" on the account console's Previews page \
                 ({DOCS_URL}); then run: {refresh}"
            ),
            Enabled::NoPermission(said) => format!(
                "you may not use the AI Gateway's models on {host} ({said})\n\
                 Ask a workspace admin for USE CATALOG on the catalog `system` and USE SCHEMA on \
                 `system.ai`; then run: {refresh}"
            ),
            Enabled::BadToken(said) => format!(
                "the workspace rejected the token when asked about its AI Gateway ({said})\n\
                 Sign in again: {login}"
            ),
            Enabled::Unknown(said) => format!(
                "could not tell whether the AI Gateway is enabled on {host} ({said})\n\
                 Try again later: {refresh}"
            ),
        })
    }
}

/// An answer's status, Databricks `error_code` and message, as one short text.
struct Answered {
    status: u16,
    code: Option<String>,
    message: String,
}

impl Answered {
    fn of(status: u16, body: &str) -> Answered {
        let code = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|json| json["error_code"].as_str().map(str::to_string));
        Answered {
            status,
            code,
            message: server_message(body),
        }
    }

    fn said(&self) -> String {
        match (&self.code, self.message.is_empty()) {
            (Some(code), false) => format!("HTTP {} {code}: {}", self.status, self.message),
            (Some(code), true) => format!("HTTP {} {code}", self.status),
            (None, false) => format!("HTTP {}: {}", self.status, self.message),
            (None, true) => format!("HTTP {}", self.status),
        }
    }

    fn bad_token(&self) -> bool {
        self.status == 401
            || (self.status == 400 && self.message.to_ascii_lowercase().contains("invalid token"))
    }

    fn disabled(&self) -> bool {
        self.status == 404 || self.code.as_deref() == Some("FEATURE_DISABLED")
    }
}

/// Whether the workspace has the AI Gateway: its model-services listing (`page_size` is
/// required), then its gateway endpoints listing — the checks the vendor's configurator makes.
/// A JSON 200 from either = enabled.
pub fn gateway_enabled(http: &Http, host: &str, token: &str) -> Enabled {
    let mut last = None;
    for path in [
        "/api/2.1/unity-catalog/model-services?page_size=1",
        "/api/ai-gateway/v2/endpoints?page_size=1",
    ] {
        let answered = match http.get_answer(&format!("{host}{path}"), token) {
            Ok((status, body)) => Answered::of(status, &body),
            Err(e) => return Enabled::Unknown(unreachable(&e)),
        };
        match answered.status {
            200..=299 => return Enabled::Yes,
            _ if answered.bad_token() => return Enabled::BadToken(answered.said()),
            403 => return Enabled::NoPermission(answered.said()),
            _ => last = Some(answered),
        }
    }
    match last {
        Some(a) if a.disabled() => Enabled::NotEnabled(a.said()),
        Some(a) => Enabled::Unknown(a.said()),
        None => Enabled::Unknown("no answer".into()),
    }
}

fn unreachable(e: &RequestError) -> String {
    let (status, detail) = e.said();
    format!("{}{status}{detail}", e.failure.kind())
}

/// What one listing GET says about a route.
enum Probe {
    /// 2xx, 400 or 405: something serves this path.
    There(u16),
    /// 404: nothing does.
    Missing(String),
    /// 401 / 403: the token may not use the gateway; stop asking.
    Refused(String),
    /// The network, a 5xx, or another status: cannot tell.
    Unknown(String),
}

fn probe(http: &Http, url: &str, token: &str) -> Probe {
    match http.get_answer(url, token) {
        Err(e) => Probe::Unknown(unreachable(&e)),
        Ok((status, body)) => {
            let answered = Answered::of(status, &body);
            match status {
                200..=299 | 400 | 405 if !answered.bad_token() => Probe::There(status),
                404 => Probe::Missing(answered.said()),
                401 | 403 => Probe::Refused(answered.said()),
                _ if answered.bad_token() => Probe::Refused(answered.said()),
                _ => Probe::Unknown(answered.said()),
            }
        }
    }
}

/// One agent's route as discovery found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub agent: &'static str,
    /// The path below the gateway that answered (`/codex/v1`); `None` when none did.
    pub path: Option<String>,
    /// How it was found, for the profile and `status`: "GET /ai-gateway/codex/v1/models
    /// answered 200 at login 2026-11-30".
    pub how: String,
}

/// A refusal that ends discovery: the token may not use the gateway.
#[derive(Debug)]
pub struct Refused {
    pub url: String,
    pub said: String,
}

/// Each agent's route on `gateway`: for every agent the first candidate path whose listing
/// answers, trying the profile's stored path (`preferred`, say a path the user set) first.
pub fn find_routes(
    http: &Http,
    gateway: &str,
    token: &str,
    preferred: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<Route>, Refused> {
    let today = today();
    let mut routes = Vec::new();
    for spec in route_specs() {
        let mut candidates: Vec<String> = Vec::new();
        if let Some(path) = preferred.get(spec.agent) {
            candidates.push(format!("/{}", path.trim_matches('/')));
        }
        for path in spec.candidates {
            if !candidates.iter().any(|c| c == path) {
                candidates.push(path.to_string());
            }
        }
        let mut tried = Vec::new();
        let mut found = None;
        for path in &candidates {
            let url = format!("{gateway}{path}{}", spec.listing);
            match probe(http, &url, token) {
                Probe::There(status) => {
                    found = Some(Route {
                        agent: spec.agent,
                        path: Some(path.clone()),
                        how: format!("GET {} answered {status} at login {today}", url_path(&url)),
                    });
                    break;
                }
                Probe::Refused(said) => {
                    return Err(Refused {
                        url: redact_userinfo(&url),
                        said,
                    });
                }
                Probe::Missing(said) | Probe::Unknown(said) => {
                    tried.push(format!("{} ({said})", url_path(&url)));
                }
            }
        }
        routes.push(found.unwrap_or_else(|| Route {
            agent: spec.agent,
            path: None,
            how: format!("no route answered at login {today}: {}", tried.join("; ")),
        }));
    }
    Ok(routes)
}

/// Where the gateway was found and each agent's route on it.
#[derive(Debug)]
pub struct Discovery {
    pub gateway: String,
    /// Where the gateway URL came from, in words ("from --gateway-url").
    pub gateway_from: String,
    pub routes: Vec<Route>,
}

/// Finds the gateway and the routes: the `--gateway-url` when given; else the workspace-relative
/// `<host>/ai-gateway`, and when that does not serve every agent, the dedicated host derived from
/// the workspace id (documented for `*.cloud.databricks.com` only). The gateway serving more
/// agents wins; on a tie, the workspace-relative one.
pub fn discover(
    http: &Http,
    host: &str,
    token: &str,
    given: Option<&str>,
    workspace_id: Option<&str>,
    preferred: &std::collections::BTreeMap<String, String>,
) -> Result<Discovery, Refused> {
    let mut candidates = vec![match given {
        Some(url) => (url.to_string(), "from --gateway-url".to_string()),
        None => (
            crate::profile::default_gateway(host),
            "workspace-relative, <host>/ai-gateway".to_string(),
        ),
    }];
    if given.is_none()
        && let Some(id) = workspace_id
        && let Some(dedicated) = dedicated_gateway(host, id)
    {
        candidates.push((
            dedicated,
            format!("the dedicated host of workspace id {id}, from x-databricks-org-id"),
        ));
    }
    let mut best: Option<Discovery> = None;
    for (gateway, gateway_from) in candidates {
        let routes = find_routes(http, &gateway, token, preferred)?;
        let found = |d: &Discovery| d.routes.iter().filter(|r| r.path.is_some()).count();
        let discovery = Discovery {
            gateway,
            gateway_from,
            routes,
        };
        let complete = found(&discovery) == route_specs().count();
        if best.as_ref().is_none_or(|b| found(&discovery) > found(b)) {
            best = Some(discovery);
        }
        if complete {
            break;
        }
    }
    Ok(best.expect("at least one gateway candidate"))
}

/// The documented dedicated gateway host of a workspace on `*.cloud.databricks.com`:
/// `https://<workspace-id>.ai-gateway.cloud.databricks.com`. Other clouds' hosts: none (their
/// domains are not documented, so agentgw does not guess).
pub fn dedicated_gateway(host: &str, workspace_id: &str) -> Option<String> {
    let authority = host.strip_prefix("https://")?;
    let plain_id = !workspace_id.is_empty() && workspace_id.chars().all(|c| c.is_ascii_digit());
    (plain_id && authority.ends_with(".cloud.databricks.com") && !authority.contains(':'))
        .then(|| format!("https://{workspace_id}.ai-gateway.cloud.databricks.com"))
}

/// Which of an agent's candidate routes on `gateway` answer now (full base URLs), for `test` and
/// `doctor` when the stored route 404s.
pub fn answering(http: &Http, gateway: &str, token: &str, agent: &str) -> Vec<String> {
    let Some(spec) = spec(agent) else {
        return Vec::new();
    };
    spec.candidates
        .iter()
        .map(|path| format!("{gateway}{path}"))
        .filter(|base| {
            matches!(
                probe(http, &format!("{base}{}", spec.listing), token),
                Probe::There(_)
            )
        })
        .collect()
}

/// Whether the route at `base` (an agent's base URL) is missing: its listing answers 404.
/// `None` when it cannot tell (the network, a refusal).
pub fn route_missing(http: &Http, base: &str, token: &str, agent: &str) -> Option<bool> {
    let spec = spec(agent)?;
    match probe(http, &format!("{base}{}", spec.listing), token) {
        Probe::There(_) => Some(false),
        Probe::Missing(_) => Some(true),
        Probe::Refused(_) | Probe::Unknown(_) => None,
    }
}

/// What `test` and `doctor` say when an agent's stored route `base` is gone (its listing 404s):
/// (what happened, what to do). `instead`: the candidate routes that answer now.
pub fn route_gone(agent: &str, base: &str, instead: &[String], profile: &str) -> (String, String) {
    let refresh = format!("agentgw login --profile {profile} --refresh");
    let message = match instead {
        [] => format!(
            "the gateway has no route {base} any more, and none of {agent}'s other routes answers"
        ),
        found => format!(
            "the gateway has no route {base} any more; {} answers instead",
            found.join(", ")
        ),
    };
    (message, format!("{refresh}, then agentgw setup {agent}"))
}

/// The path and query of a URL, for messages that need not repeat the host.
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/", |i| &rest[i..])
}

/// Today's date (UTC), `2026-11-30`.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (year, month, day) = crate::edit::clock::civil_from_days((secs / 86_400) as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dedicated_host_comes_from_the_workspace_id_on_aws_hosts_only() {
        assert_eq!(
            dedicated_gateway("https://my-ws.cloud.databricks.com", "1234567890123456"),
            Some("https://1234567890123456.ai-gateway.cloud.databricks.com".into())
        );
        // Azure and GCP domains are not documented: no guess.
        assert_eq!(
            dedicated_gateway("https://adb-1.2.azuredatabricks.net", "1"),
            None
        );
        assert_eq!(
            dedicated_gateway("https://1.2.gcp.databricks.com", "1"),
            None
        );
        // Not a workspace id, not https, a port, a look-alike domain.
        assert_eq!(
            dedicated_gateway("https://my-ws.cloud.databricks.com", "x.evil"),
            None
        );
        assert_eq!(
            dedicated_gateway("http://my-ws.cloud.databricks.com", "1"),
            None
        );
        assert_eq!(
            dedicated_gateway("https://my-ws.cloud.databricks.com:8443", "1"),
            None
        );
        assert_eq!(
            dedicated_gateway("https://cloud.databricks.com.evil.io", "1"),
            None
        );
    }

    #[test]
    fn answers_are_classified_by_status_and_code() {
        let a = Answered::of(
            404,
            r#"{"error_code":"FEATURE_DISABLED","message":"AI Gateway is not enabled for this workspace."}"#,
        );
        assert!(a.disabled());
        assert_eq!(
            a.said(),
            "HTTP 404 FEATURE_DISABLED: AI Gateway is not enabled for this workspace."
        );
        assert!(Answered::of(400, r#"{"message":"Invalid Token"}"#).bad_token());
        assert!(!Answered::of(400, r#"{"message":"page_size is required"}"#).bad_token());
        assert!(Answered::of(401, "").bad_token());
    }

    #[test]
    fn messages_keep_the_path() {
        assert_eq!(
            url_path("http://127.0.0.1:9/ai-gateway/codex/v1/models"),
            "/ai-gateway/codex/v1/models"
        );
        assert_eq!(url_path("https://h.example"), "/");
    }
}
