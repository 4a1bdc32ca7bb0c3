//! The stand-in workspace's OAuth server, shaped like Databricks' (`<host>/oidc/...`): discovery,
//! authorize with PKCE S256 and auto-consent (U2M), and a token endpoint for authorization codes,
//! rotating refresh tokens and client credentials (M2M). The access tokens it issues are accepted
//! by every workspace and gateway route until they expire (see `routes::check_token`).
//!
//! Tests switch it into the failures agentgw must explain (consent denied, endpoint down, refresh
//! tokens revoked, PATs refused) through [`OAuthOptions`] and [`OAuthHandle`].

use super::encoding::{
    base64_standard, base64url, build_query, decode_base64_standard, field, form_decode, parse_form,
};
use super::routes::Answer;
use super::{Recorded, USER_NAME};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The Databricks CLI's public client: what agentgw signs in as unless told `--client-id`.
pub const CLI_CLIENT_ID: &str = "databricks-cli";
/// A workspace's own app connection (a second public client).
pub const CUSTOM_CLIENT_ID: &str = "agentgw-test-app";
/// A service principal's application id (M2M).
pub const SP_CLIENT_ID: &str = "3f2a7c1e-sp-agentgw-ci";
/// The service principal's OAuth secret (Databricks OAuth secrets start "dose").
pub const SP_CLIENT_SECRET: &str = "dose0123456789abcdef0123456789ab";
/// What a workspace with personal access tokens disabled answers a PAT (403 PERMISSION_DENIED).
/// The real wording is not known; agentgw classifies on this text.
pub const PATS_DISABLED_MESSAGE: &str = "Personal access tokens are disabled for this workspace.";
/// What a live access token whose time is up gets (401 UNAUTHENTICATED).
pub const EXPIRED_MESSAGE: &str = "Token is expired.";
/// The scopes the Databricks CLI asks for at sign-in.
pub const U2M_SCOPES: &str = "all-apis offline_access";
/// The only scope a service principal may ask for.
pub const M2M_SCOPE: &str = "all-apis";
/// What the refresh grant answers for a refresh token that was rotated away or revoked.
pub const INVALID_REFRESH_MESSAGE: &str = "Refresh token is invalid";

/// Scopes the authorize endpoint accepts (anything else: `invalid_scope`).
const KNOWN_SCOPES: &[&str] = &[
    "all-apis",
    "offline_access",
    "openid",
    "email",
    "profile",
    "sql",
];

/// How the stand-in's OAuth server behaves from the start.
#[derive(Clone, Debug)]
pub struct OAuthOptions {
    /// How long an access token lives (`expires_in`); Databricks: one hour.
    pub token_lifetime: Duration,
    /// Answer GOOD_TOKEN, STAGING_TOKEN and FORBIDDEN_TOKEN with 403 [`PATS_DISABLED_MESSAGE`].
    pub refuse_pats: bool,
    /// The user says no on the consent page: authorize redirects with `error=access_denied`.
    pub deny_consent: bool,
    /// How long the token endpoint waits before answering (the grant is decided at once): lets
    /// concurrent refreshes overlap.
    pub token_delay: Duration,
}

impl Default for OAuthOptions {
    fn default() -> OAuthOptions {
        OAuthOptions {
            token_lifetime: Duration::from_secs(3600),
            refuse_pats: false,
            deny_consent: false,
            token_delay: Duration::ZERO,
        }
    }
}

/// Who a token speaks for, and with what scope.
#[derive(Clone, Debug)]
struct Grant {
    client_id: String,
    scope: String,
    subject: String,
}

/// An authorization code waiting to be exchanged.
#[derive(Clone, Debug)]
struct PendingCode {
    grant: Grant,
    redirect_uri: String,
    challenge: String,
}

struct State {
    /// The workspace URL (`http://127.0.0.1:<port>`); the issuer is `<url>/oidc`.
    url: String,
    options: OAuthOptions,
    endpoint_down: bool,
    codes: HashMap<String, PendingCode>,
    /// Currently valid refresh tokens, oldest first.
    refresh_tokens: Vec<(String, Grant)>,
    /// Every refresh token ever issued (rotated and revoked ones too): secrets for the scans.
    refresh_tokens_ever: Vec<String>,
    /// Every access token issued, in order, with the instant it stops working.
    access_tokens: Vec<(String, Instant)>,
    grants: HashMap<String, usize>,
    last_authorize_query: Option<Vec<(String, String)>>,
}

/// Every refresh and access token any stand-in in this test process issued: the secret scans of
/// tests/integration/common.rs look for all of them without each test registering its stand-in.
static ISSUED_REFRESH_TOKENS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static ISSUED_ACCESS_TOKENS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// What must never be printed, nor stored anywhere but agentgw's token store: the service
/// principal's secret and every refresh token issued in this process so far.
pub fn strict_secrets_issued_so_far() -> Vec<String> {
    let mut secrets = vec![SP_CLIENT_SECRET.to_string()];
    secrets.extend(
        ISSUED_REFRESH_TOKENS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned(),
    );
    secrets
}

/// Every access token issued in this process so far: secrets like a PAT (`agentgw token` may
/// print them).
pub fn access_tokens_issued_so_far() -> Vec<String> {
    ISSUED_ACCESS_TOKENS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

/// Whether a bearer token is one of the access tokens this server issued.
pub enum AccessToken {
    Live,
    Expired,
    Unknown,
}

/// The shared state of one stand-in's OAuth server: cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct OAuthHandle(Arc<Mutex<State>>);

impl OAuthHandle {
    pub(super) fn new(url: &str, options: OAuthOptions) -> OAuthHandle {
        OAuthHandle(Arc::new(Mutex::new(State {
            url: url.to_string(),
            options,
            endpoint_down: false,
            codes: HashMap::new(),
            refresh_tokens: Vec::new(),
            refresh_tokens_ever: Vec::new(),
            access_tokens: Vec::new(),
            grants: HashMap::new(),
            last_authorize_query: None,
        })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not turn every later request into a
        // second panic on another thread.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Token-endpoint calls with that `grant_type` (every outcome, the endpoint being down too).
    pub fn grants(&self, grant_type: &str) -> usize {
        self.state().grants.get(grant_type).copied().unwrap_or(0)
    }

    /// Every access token issued, in order (expired ones too).
    pub fn issued_access_tokens(&self) -> Vec<String> {
        self.state()
            .access_tokens
            .iter()
            .map(|(token, _)| token.clone())
            .collect()
    }

    /// The refresh tokens that would be accepted now, oldest first.
    pub fn refresh_tokens(&self) -> Vec<String> {
        self.state()
            .refresh_tokens
            .iter()
            .map(|(token, _)| token.clone())
            .collect()
    }

    /// Makes every refresh token issued so far invalid (an admin revoked the sessions, or they
    /// expired): the next refresh gets 400 invalid_grant.
    pub fn revoke_refresh_tokens(&self) {
        self.state().refresh_tokens.clear();
    }

    /// While down, the token endpoint answers 503 with a JSON error body.
    pub fn set_token_endpoint_down(&self, down: bool) {
        self.state().endpoint_down = down;
    }

    /// Switches PAT refusal on or off while the stand-in runs.
    pub fn set_refuse_pats(&self, refuse: bool) {
        self.state().options.refuse_pats = refuse;
    }

    /// Switches consent denial on or off while the stand-in runs.
    pub fn set_deny_consent(&self, deny: bool) {
        self.state().options.deny_consent = deny;
    }

    /// Ends the life of every access token issued so far (as if their hour were up), so a test
    /// need not sleep to see agentgw handle an expired token. Tokens issued later live normally.
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for (_, expires) in &mut self.state().access_tokens {
            *expires = (*expires).min(now);
        }
    }

    /// The query of the last authorize request, decoded, in the order sent.
    pub fn last_authorize_query(&self) -> Option<Vec<(String, String)>> {
        self.state().last_authorize_query.clone()
    }

    pub fn is_live_access_token(&self, token: &str) -> bool {
        matches!(self.access_token(token), AccessToken::Live)
    }

    /// What must never be printed or land in a file other than agentgw's token store: the
    /// service principal's secret and every refresh token this server issued.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![SP_CLIENT_SECRET.to_string()];
        secrets.extend(self.state().refresh_tokens_ever.iter().cloned());
        secrets
    }

    pub(super) fn refuses_pats(&self) -> bool {
        self.state().options.refuse_pats
    }

    pub(super) fn access_token(&self, token: &str) -> AccessToken {
        let state = self.state();
        match state.access_tokens.iter().find(|(t, _)| t == token) {
            Some((_, expires)) if Instant::now() < *expires => AccessToken::Live,
            Some(_) => AccessToken::Expired,
            None => AccessToken::Unknown,
        }
    }

    /// The answer for a request under `/oidc/`, or `None` for any other path.
    pub(super) fn answer(&self, request: &Recorded) -> Option<Answer> {
        let path = request.route();
        let method = request.method.as_str();
        let answer = match path {
            "/oidc/.well-known/oauth-authorization-server" => match method {
                "GET" => self.discovery(),
                _ => method_not_allowed("GET"),
            },
            "/oidc/v1/authorize" => match method {
                "GET" => self.authorize(request),
                _ => method_not_allowed("GET"),
            },
            "/oidc/v1/token" => match method {
                "POST" => self.token(request),
                _ => method_not_allowed("POST"),
            },
            _ if path.starts_with("/oidc/") => Answer::json(
                404,
                serde_json::json!({"error_code": "ENDPOINT_NOT_FOUND", "message": format!("No API found for '{path}'")}),
            ),
            _ => return None,
        };
        Some(answer)
    }

    fn discovery(&self) -> Answer {
        let url = self.state().url.clone();
        Answer::json(
            200,
            serde_json::json!({
                "issuer": format!("{url}/oidc"),
                "authorization_endpoint": format!("{url}/oidc/v1/authorize"),
                "token_endpoint": format!("{url}/oidc/v1/token"),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
                "scopes_supported": KNOWN_SCOPES,
            }),
        )
    }

    /// Auto-consent sign-in: redirects back to the client at once, with a new code or an error.
    fn authorize(&self, request: &Recorded) -> Answer {
        let query = super::encoding::query_pairs(&request.path);
        let mut state = self.state();
        state.last_authorize_query = Some(query.clone());
        let get = |name: &str| field(&query, name);
        // Errors about the client or its redirect URI are shown to the user, never redirected:
        // the redirect URI cannot be trusted yet (RFC 6749 4.1.2.1).
        let client_id = get("client_id").unwrap_or_default();
        if !is_public_client(client_id) {
            return error_page(&format!(
                "Invalid client: '{client_id}' is not an OAuth application registered in this workspace."
            ));
        }
        let Some(redirect_uri) = get("redirect_uri").filter(|uri| is_loopback_redirect(uri)) else {
            return error_page(&format!(
                "Invalid redirect_uri '{}': expected http://localhost:<port> or http://127.0.0.1:<port>.",
                get("redirect_uri").unwrap_or_default()
            ));
        };
        let redirect = |pairs: &[(&str, &str)]| {
            let mut pairs = pairs.to_vec();
            if let Some(client_state) = get("state") {
                pairs.push(("state", client_state));
            }
            let separator = if redirect_uri.contains('?') { '&' } else { '?' };
            redirect_to(&format!("{redirect_uri}{separator}{}", build_query(&pairs)))
        };
        let refuse = |error: &str, description: &str| {
            redirect(&[("error", error), ("error_description", description)])
        };
        if get("response_type") != Some("code") {
            return refuse("unsupported_response_type", "response_type must be 'code'.");
        }
        let challenge = get("code_challenge").unwrap_or_default();
        if challenge.is_empty() {
            return refuse("invalid_request", "code_challenge is required (PKCE).");
        }
        if get("code_challenge_method") != Some("S256") {
            return refuse("invalid_request", "code_challenge_method must be S256.");
        }
        let scope = get("scope").unwrap_or_default();
        if scope.is_empty() {
            return refuse("invalid_scope", "scope is required.");
        }
        if scope.split(' ').any(|s| !KNOWN_SCOPES.contains(&s)) {
            return refuse("invalid_scope", &format!("Unsupported scope '{scope}'."));
        }
        if state.options.deny_consent {
            return refuse(
                "access_denied",
                "The user denied the authorization request.",
            );
        }
        let code = unguessable_text("code");
        state.codes.insert(
            code.clone(),
            PendingCode {
                grant: Grant {
                    client_id: client_id.to_string(),
                    scope: scope.to_string(),
                    subject: USER_NAME.to_string(),
                },
                redirect_uri: redirect_uri.to_string(),
                challenge: challenge.to_string(),
            },
        );
        redirect(&[("code", &code)])
    }

    fn token(&self, request: &Recorded) -> Answer {
        let form = parse_form(&request.body);
        let grant_type = field(&form, "grant_type").unwrap_or_default().to_string();
        let mut state = self.state();
        *state.grants.entry(grant_type.clone()).or_default() += 1;
        let delay = state.options.token_delay;
        let answer = if state.endpoint_down {
            Answer::json(
                503,
                serde_json::json!({"error": "temporarily_unavailable",
                                   "error_description": "The token service is unavailable; try again later."}),
            )
        } else if !request
            .header("Content-Type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
        {
            oauth_error(
                400,
                "invalid_request",
                "The body must be application/x-www-form-urlencoded.",
            )
        } else {
            match client_of(request, &form) {
                Err(refused) => refused,
                Ok(client) => match grant_type.as_str() {
                    "authorization_code" => state.redeem_code(&client, &form),
                    "refresh_token" => state.refresh(&client, &form),
                    "client_credentials" => state.client_credentials(&client, &form),
                    "" => oauth_error(400, "invalid_request", "grant_type is required."),
                    other => oauth_error(
                        400,
                        "unsupported_grant_type",
                        &format!("Unsupported grant_type '{other}'."),
                    ),
                },
            }
        };
        let mut answer = Answer { delay, ..answer };
        answer
            .headers
            .push(("Cache-Control", "no-store".to_string()));
        answer
    }
}

/// The client a token request comes from: HTTP Basic auth, or `client_id`/`client_secret` form
/// fields (both are accepted, like real servers; sending both with different ids is an error).
struct Client {
    id: String,
    secret: Option<String>,
    by_basic_auth: bool,
}

fn client_of(request: &Recorded, form: &[(String, String)]) -> Result<Client, Answer> {
    let basic = request
        .header("Authorization")
        .and_then(|value| value.strip_prefix("Basic "))
        .map(|encoded| {
            let decoded = decode_base64_standard(encoded.trim())
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default();
            let (id, secret) = decoded.split_once(':').unwrap_or((&decoded, ""));
            // RFC 6749 2.3.1: both parts are form-encoded before base64.
            (form_decode(id), form_decode(secret))
        });
    let form_id = field(form, "client_id");
    match basic {
        Some((id, _)) if form_id.is_some_and(|f| f != id) => Err(oauth_error(
            400,
            "invalid_request",
            "client_id in the form differs from the one in the Authorization header.",
        )),
        Some((id, secret)) => Ok(Client {
            id,
            secret: Some(secret),
            by_basic_auth: true,
        }),
        None => Ok(Client {
            id: form_id.unwrap_or_default().to_string(),
            secret: field(form, "client_secret").map(str::to_string),
            by_basic_auth: false,
        }),
    }
}

impl State {
    fn redeem_code(&mut self, client: &Client, form: &[(String, String)]) -> Answer {
        if !is_public_client(&client.id) {
            return invalid_client(client);
        }
        let code = field(form, "code").unwrap_or_default();
        let Some(pending) = self.codes.get(code).cloned() else {
            return oauth_error(
                400,
                "invalid_grant",
                "Authorization code is invalid, expired or was already used.",
            );
        };
        if pending.grant.client_id != client.id {
            return oauth_error(
                400,
                "invalid_grant",
                "Authorization code was issued to another client.",
            );
        }
        if field(form, "redirect_uri") != Some(pending.redirect_uri.as_str()) {
            return oauth_error(
                400,
                "invalid_grant",
                "redirect_uri does not match the one of the authorization request.",
            );
        }
        let Some(verifier) = field(form, "code_verifier").filter(|v| !v.is_empty()) else {
            return oauth_error(400, "invalid_request", "code_verifier is required (PKCE).");
        };
        if base64url(&Sha256::digest(verifier.as_bytes())) != pending.challenge {
            return oauth_error(
                400,
                "invalid_grant",
                "PKCE verification failed: code_verifier does not match code_challenge.",
            );
        }
        // Single use: the code is gone once it bought tokens.
        self.codes.remove(code);
        self.issue(&pending.grant)
    }

    fn refresh(&mut self, client: &Client, form: &[(String, String)]) -> Answer {
        if !is_public_client(&client.id) {
            return invalid_client(client);
        }
        let presented = field(form, "refresh_token").unwrap_or_default();
        let Some(at) = self
            .refresh_tokens
            .iter()
            .position(|(token, grant)| token == presented && grant.client_id == client.id)
        else {
            return oauth_error(400, "invalid_grant", INVALID_REFRESH_MESSAGE);
        };
        // Rotation: the presented token dies now; the answer carries its successor.
        let (_, grant) = self.refresh_tokens.remove(at);
        self.issue(&grant)
    }

    fn client_credentials(&mut self, client: &Client, form: &[(String, String)]) -> Answer {
        if client.id != SP_CLIENT_ID || client.secret.as_deref() != Some(SP_CLIENT_SECRET) {
            return invalid_client(client);
        }
        let scope = field(form, "scope").unwrap_or_default();
        if scope != M2M_SCOPE {
            return oauth_error(
                400,
                "invalid_scope",
                &format!(
                    "Unsupported scope '{scope}': a service principal asks for '{M2M_SCOPE}'."
                ),
            );
        }
        self.issue(&Grant {
            client_id: client.id.clone(),
            scope: scope.to_string(),
            subject: SP_CLIENT_ID.to_string(),
        })
    }

    /// A token answer: a new access token, a refresh token when `offline_access` was granted,
    /// an ID token when `openid` was.
    fn issue(&mut self, grant: &Grant) -> Answer {
        let lifetime = self.options.token_lifetime;
        let issuer = format!("{}/oidc", self.url);
        let access_token = jwt(&issuer, grant, lifetime, "at+jwt");
        self.access_tokens
            .push((access_token.clone(), Instant::now() + lifetime));
        ISSUED_ACCESS_TOKENS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(access_token.clone());
        let mut body = serde_json::json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
            "scope": grant.scope,
        });
        let scopes: Vec<&str> = grant.scope.split(' ').collect();
        if scopes.contains(&"offline_access") {
            let refresh_token = unguessable_text("refresh");
            self.refresh_tokens
                .push((refresh_token.clone(), grant.clone()));
            self.refresh_tokens_ever.push(refresh_token.clone());
            ISSUED_REFRESH_TOKENS
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(refresh_token.clone());
            body["refresh_token"] = refresh_token.into();
        }
        if scopes.contains(&"openid") {
            body["id_token"] = jwt(&issuer, grant, lifetime, "JWT").into();
        }
        Answer::json(200, body)
    }
}

fn is_public_client(client_id: &str) -> bool {
    matches!(client_id, CLI_CLIENT_ID | CUSTOM_CLIENT_ID)
}

/// `http://localhost:<port>` or `http://127.0.0.1:<port>`, any port, with or without a path (the
/// loopback redirect of native apps, RFC 8252 7.3).
fn is_loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let Some((host, port)) = authority.split_once(':') else {
        return false;
    };
    matches!(host, "localhost" | "127.0.0.1") && port.parse::<u16>().is_ok_and(|p| p > 0)
}

/// RFC 6749's JSON error answer.
fn oauth_error(status: u16, error: &str, description: &str) -> Answer {
    Answer::json(
        status,
        serde_json::json!({"error": error, "error_description": description}),
    )
}

fn invalid_client(client: &Client) -> Answer {
    let mut answer = oauth_error(401, "invalid_client", "Client authentication failed.");
    if client.by_basic_auth {
        answer
            .headers
            .push(("WWW-Authenticate", "Basic realm=\"oidc\"".to_string()));
    }
    answer
}

fn redirect_to(location: &str) -> Answer {
    Answer {
        status: 302,
        content_type: "text/html; charset=utf-8",
        body: b"<html><body>Redirecting...</body></html>".to_vec(),
        delay: Duration::ZERO,
        headers: vec![("Location", location.to_string())],
    }
}

fn error_page(message: &str) -> Answer {
    Answer {
        status: 400,
        content_type: "text/html; charset=utf-8",
        body: format!("<html><body><h1>Sign-in error</h1><p>{message}</p></body></html>")
            .into_bytes(),
        delay: Duration::ZERO,
        headers: Vec::new(),
    }
}

fn method_not_allowed(allowed: &str) -> Answer {
    Answer {
        headers: vec![("Allow", allowed.to_string())],
        ..Answer::json(
            405,
            serde_json::json!({"error_code": "BAD_REQUEST", "message": format!("Use {allowed}.")}),
        )
    }
}

/// A JWT-shaped token (three base64url parts): a header, the claims a Databricks token carries,
/// and 32 unguessable bytes where the signature goes. Unique per call.
fn jwt(issuer: &str, grant: &Grant, lifetime: Duration, typ: &str) -> String {
    let issued_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let header = serde_json::json!({"alg": "RS256", "typ": typ, "kid": "stand-in"});
    let claims = serde_json::json!({
        "iss": issuer,
        "aud": grant.client_id,
        "sub": grant.subject,
        "client_id": grant.client_id,
        "scope": grant.scope,
        "iat": issued_at,
        "exp": issued_at + lifetime.as_secs(),
        "jti": base64url(&unguessable("jti")[..12]),
    });
    format!(
        "{}.{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes()),
        base64url(&unguessable("signature"))
    )
}

/// 32 bytes no test can predict or see twice: a hash over a process-wide counter, the time and
/// the process id (the stand-in needs uniqueness and opacity, not cryptographic strength).
fn unguessable(label: &str) -> [u8; 32] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hash = Sha256::new();
    hash.update(label.as_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    hash.update(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            .to_le_bytes(),
    );
    hash.update(std::process::id().to_le_bytes());
    hash.finalize().into()
}

/// [`unguessable`] as URL- and form-safe text.
fn unguessable_text(label: &str) -> String {
    base64url(&unguessable(label))
}

/// `Authorization: Basic ...` for a client id and secret (form-encoded first, as RFC 6749 asks).
pub fn basic_auth(client_id: &str, secret: &str) -> String {
    use super::encoding::percent_encode;
    let pair = format!("{}:{}", percent_encode(client_id), percent_encode(secret));
    format!("Basic {}", base64_standard(pair.as_bytes()))
}

/// The PKCE S256 challenge of `verifier`: base64url-no-pad(sha256(verifier)).
pub fn pkce_challenge(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}
