//! Databricks OAuth, the client side: where a workspace's endpoints are, and the three ways to get
//! an access token from its token endpoint — a browser sign-in's code (U2M), a refresh token, and
//! a service principal's client credentials (M2M). Tokens come back as [`Grant`]s; refusals as a
//! [`TokenError`] that says what to do.

pub mod browser;
pub mod pkce;
pub mod redirect;

use crate::gateway::{Failure, Http, RequestError};
use std::time::{SystemTime, UNIX_EPOCH};

/// The Databricks CLI's public app registration, present in every workspace.
pub const DATABRICKS_CLI_CLIENT_ID: &str = "databricks-cli";
/// The redirect port registered for [`DATABRICKS_CLI_CLIENT_ID`].
pub const DEFAULT_REDIRECT_PORT: u16 = 8020;
/// A browser sign-in asks for the workspace APIs and a refresh token.
pub const U2M_SCOPES: &str = "all-apis offline_access";
pub const M2M_SCOPE: &str = "all-apis";
/// The longest an access token is taken to live, whatever the server says (Databricks: an hour):
/// a wrong or absurd `expires_in` must not keep a dead token in use for longer than a day.
const MAX_BELIEVED_LIFETIME_SECS: u64 = 24 * 3600;

/// A workspace's OAuth endpoints.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
}

/// Reads `<host>/oidc/.well-known/oauth-authorization-server`.
pub fn discover(http: &Http, host: &str) -> Result<Endpoints, DiscoveryError> {
    let url = format!("{host}/oidc/.well-known/oauth-authorization-server");
    let json = http
        .get_public_json(&url)
        .map_err(DiscoveryError::Request)?;
    let field = |name: &'static str| {
        json[name]
            .as_str()
            .filter(|v| v.starts_with("https://") || v.starts_with("http://"))
            .map(str::to_string)
            .ok_or(DiscoveryError::Incomplete {
                url: url.clone(),
                field: name,
            })
    };
    Ok(Endpoints {
        authorization: field("authorization_endpoint")?,
        token: field("token_endpoint")?,
    })
}

#[derive(Debug)]
pub enum DiscoveryError {
    Request(RequestError),
    Incomplete { url: String, field: &'static str },
}

impl DiscoveryError {
    pub fn explain(&self, profile: &str) -> String {
        match self {
            // An answer, but not a workspace's: the host is the wrong URL, not the network.
            DiscoveryError::Request(e)
                if matches!(
                    e.failure,
                    Failure::NotFound
                        | Failure::Redirect { .. }
                        | Failure::UnexpectedStatus
                        | Failure::BadResponse
                ) =>
            {
                let (status, detail) = e.said();
                let said = format!("{status}{detail}");
                format!(
                    "{} is not a Databricks workspace's OAuth configuration ({})\n\
                     Check that --host is the Databricks workspace URL (https://<workspace>), not the \
                     gateway or an account console: agentgw login --profile {profile} --host https://<workspace>",
                    e.url,
                    said.trim_start_matches(": ")
                )
            }
            DiscoveryError::Request(e) => format!(
                "cannot read the workspace's OAuth configuration: {}",
                e.explain(profile)
            ),
            DiscoveryError::Incomplete { url, field } => format!(
                "{url} has no usable {field}\nCheck that --host is the Databricks workspace URL (https://<workspace>), not the gateway or an account console"
            ),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            DiscoveryError::Request(e) => e.failure.kind(),
            DiscoveryError::Incomplete { .. } => "bad_response",
        }
    }
}

/// Tokens from the token endpoint.
pub struct Grant {
    pub access_token: String,
    /// Seconds the access token lives (Databricks: 3600).
    pub expires_in: u64,
    /// Browser sign-in with `offline_access`; a refresh answers with a new one (rotation).
    pub refresh_token: Option<String>,
}

impl Grant {
    /// When the access token stops working, as Unix seconds.
    pub fn expires_at(&self) -> u64 {
        now().saturating_add(self.expires_in)
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Why the token endpoint gave no token.
#[derive(Debug)]
pub enum TokenError {
    /// The request did not get an answer (DNS, connect, TLS, timeout).
    Request(RequestError),
    /// The server said no, in OAuth's terms (`invalid_grant`, `invalid_client`, ...).
    Refused {
        status: u16,
        error: String,
        description: String,
    },
    /// A 2xx that holds no usable token, or a non-OAuth error page (a proxy, a 5xx).
    Unexpected { status: u16, detail: String },
}

impl TokenError {
    /// A stable class for `--json` and for choosing the fix.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenError::Request(e) => e.failure.kind(),
            TokenError::Refused { error, .. } => match error.as_str() {
                "invalid_grant" => "invalid_grant",
                "invalid_client" | "unauthorized_client" => "invalid_client",
                "invalid_scope" => "invalid_scope",
                _ => "oauth_error",
            },
            TokenError::Unexpected { status: 429, .. } => "rate_limited",
            TokenError::Unexpected { status, .. } if *status >= 500 => "server_error",
            TokenError::Unexpected { .. } => "bad_response",
        }
    }

    /// Whether the sign-in itself is over (a refresh can never work again), as opposed to the
    /// token endpoint being unreachable for now.
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, TokenError::Refused { .. })
    }

    /// What happened, then what to do. `login` is the command that signs in again.
    pub fn explain(&self, profile: &str, login: &str) -> String {
        match self {
            TokenError::Request(e) => format!(
                "cannot reach the workspace's token endpoint: {}",
                e.explain(profile)
            ),
            TokenError::Refused {
                status,
                error,
                description,
            } => {
                let said = if description.is_empty() {
                    format!("{error}, HTTP {status}")
                } else {
                    format!("{error}: {description}, HTTP {status}")
                };
                match self.kind() {
                    "invalid_grant" => format!(
                        "the sign-in of profile '{profile}' has expired or was revoked ({said})\nsign in again: {login}"
                    ),
                    "invalid_client" => format!(
                        "the workspace refused the OAuth client of profile '{profile}' ({said})\nFor a service principal, check its client id and secret (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET, or a new secret in the account console), then: {login}"
                    ),
                    _ => format!(
                        "the workspace refused to issue a token for profile '{profile}' ({said})\nsign in again: {login}"
                    ),
                }
            }
            TokenError::Unexpected { status, detail } => format!(
                "the workspace's token endpoint answered HTTP {status} without a token{}\nTry again in a minute; if it persists, check the workspace URL (agentgw profiles) and your proxy",
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                }
            ),
        }
    }
}

/// Browser sign-in, second half: the authorization code and its PKCE verifier for tokens.
pub fn exchange_code(
    http: &Http,
    token_endpoint: &str,
    client_id: &str,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> Result<Grant, TokenError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("code_verifier", verifier),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
    ];
    request_token(http, token_endpoint, &form, None)
}

/// A new access token (and, with rotation, a new refresh token) for a browser sign-in.
pub fn refresh(
    http: &Http,
    token_endpoint: &str,
    client_id: &str,
    refresh_token: &str,
) -> Result<Grant, TokenError> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ];
    request_token(http, token_endpoint, &form, None)
}

/// A service principal's access token (client credentials, secret by HTTP Basic).
pub fn client_credentials(
    http: &Http,
    token_endpoint: &str,
    client_id: &str,
    client_secret: &str,
) -> Result<Grant, TokenError> {
    let form = [("grant_type", "client_credentials"), ("scope", M2M_SCOPE)];
    request_token(
        http,
        token_endpoint,
        &form,
        Some((client_id, client_secret)),
    )
}

fn request_token(
    http: &Http,
    token_endpoint: &str,
    form: &[(&str, &str)],
    client: Option<(&str, &str)>,
) -> Result<Grant, TokenError> {
    let (status, body) = http
        .post_form(token_endpoint, form, client)
        .map_err(TokenError::Request)?;
    let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
    if (200..300).contains(&status) {
        let grant = json.as_ref().and_then(|j| {
            Some(Grant {
                access_token: j["access_token"]
                    .as_str()
                    .filter(|t| !t.is_empty() && !t.contains(char::is_whitespace))?
                    .to_string(),
                // RFC 6749 recommends expires_in; Databricks sends it. Without it, assume the
                // documented hour.
                expires_in: j["expires_in"]
                    .as_u64()
                    .unwrap_or(3600)
                    .clamp(1, MAX_BELIEVED_LIFETIME_SECS),
                refresh_token: j["refresh_token"].as_str().map(str::to_string),
            })
        });
        // Never echo a 2xx body: it may hold tokens.
        return grant.ok_or(TokenError::Unexpected {
            status,
            detail: "the answer has no access_token".into(),
        });
    }
    // Error answers are shown, and servers (or proxies in the way) may echo the request in them:
    // the refresh token or client secret it carried must not reach the terminal that way.
    let body = mask_sent_secrets(&body, form, client);
    let json = json.map(|j| mask_json_strings(j, &|text| mask_sent_secrets(text, form, client)));
    // Only 400 and 401 are RFC 6749's refusals of the grant itself. RFC 6749's
    // `temporarily_unavailable` and `server_error`, a rate limit, a proxy's 407 and any 5xx: the
    // sign-in is fine, the endpoint is not (try again later), whatever the body says.
    let error = json.as_ref().and_then(|j| j["error"].as_str()).filter(|e| {
        matches!(status, 400 | 401) && !matches!(*e, "temporarily_unavailable" | "server_error")
    });
    match error {
        Some(error) => Err(TokenError::Refused {
            status,
            error: error.to_string(),
            description: one_line(json.as_ref().and_then(|j| j["error_description"].as_str())),
        }),
        None => Err(TokenError::Unexpected {
            status,
            detail: match json
                .as_ref()
                .and_then(|j| j["error_description"].as_str().or(j["message"].as_str()))
            {
                Some(said) => one_line(Some(said)),
                // A proxy's HTML page is named by its title, not dumped.
                None => crate::gateway::server_message(&body),
            },
        }),
    }
}

/// `text` with every secret of a token request replaced by what it is: the form's refresh token,
/// authorization code and PKCE verifier, and the client secret with its HTTP Basic encoding. Each
/// as sent and as a form encodes it.
fn mask_sent_secrets(text: &str, form: &[(&str, &str)], client: Option<(&str, &str)>) -> String {
    let mut secrets: Vec<(String, &str)> = form
        .iter()
        .filter_map(|&(key, value)| {
            let label = match key {
                "refresh_token" => "[refresh token]",
                "code" => "[authorization code]",
                "code_verifier" => "[code verifier]",
                _ => return None,
            };
            Some((value.to_string(), label))
        })
        .collect();
    if let Some((id, secret)) = client {
        secrets.push((
            crate::gateway::basic_credentials(id, secret),
            "[client credentials]",
        ));
        secrets.push((secret.to_string(), "[client secret]"));
    }
    let mut masked = text.to_string();
    for (secret, label) in secrets.iter().filter(|(s, _)| !s.is_empty()) {
        let encoded = crate::urls::encode_component(secret);
        masked = masked
            .replace(secret.as_str(), label)
            .replace(&encoded, label);
    }
    masked
}

/// `json` with `mask` applied to every string in it.
fn mask_json_strings(json: serde_json::Value, mask: &dyn Fn(&str) -> String) -> serde_json::Value {
    use serde_json::Value;
    match json {
        Value::String(text) => Value::String(mask(&text)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| mask_json_strings(item, mask))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key, mask_json_strings(value, mask)))
                .collect(),
        ),
        other => other,
    }
}

/// A server's text on one short line, for messages.
fn one_line(text: Option<&str>) -> String {
    let text = text
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_a_token_request_sent_are_masked_raw_and_form_encoded() {
        let form = [("grant_type", "refresh_token"), ("refresh_token", "r/1+x")];
        let echo = "got refresh_token=r%2F1%2Bx (r/1+x) with Basic aWQ6cyE= and s!";
        assert_eq!(
            mask_sent_secrets(echo, &form, Some(("id", "s!"))),
            "got refresh_token=[refresh token] ([refresh token]) with Basic [client credentials] and [client secret]"
        );
    }
}
