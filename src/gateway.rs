//! HTTP to the workspace and the AI Gateway: bounded in time, no redirects followed (a bearer token
//! must never be replayed to another host), and every failure classified with the fix to try.

use crate::urls::redact_userinfo;
use anyhow::{Context, Result};
use std::path::Path;
use std::time::Duration;
use ureq::config::ConfigBuilder;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::typestate::AgentScope;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(15);
const TIMEOUT_ENV: &str = "AGENTGW_HTTP_TIMEOUT";
/// Answers we read are small JSON documents; anything bigger is cut off, not buffered.
const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
    total_timeout: Duration,
    /// When set, no request of this handle runs past it (see [`Http::until`]).
    deadline: Option<std::time::Instant>,
}

/// The request shapes of the agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// Claude Code: Anthropic Messages.
    Anthropic,
    /// Codex CLI: OpenAI Responses.
    OpenAiResponses,
    /// Gemini CLI: Gemini generateContent.
    Gemini,
    /// Cursor: OpenAI Chat Completions.
    OpenAiChat,
}

pub struct ProbeReply {
    pub latency: Duration,
    /// The model's answer, trimmed (may be empty).
    pub text: String,
}

/// What the SCIM `Me` endpoint says about the token's owner.
#[derive(Debug)]
pub struct Me {
    pub user_name: String,
    pub workspace_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Dns,
    Connect,
    Tls,
    Timeout,
    /// 401, or 400 saying the token is invalid.
    InvalidToken,
    /// 403: the token is fine but may not do this.
    Forbidden,
    NotFound,
    RateLimited {
        retry_after: Option<String>,
    },
    Server {
        request_id: Option<String>,
    },
    /// A 3xx: usually a wrong host, or an SSO/proxy login page in the way.
    Redirect {
        location: Option<String>,
    },
    UnexpectedStatus,
    BadResponse,
    /// The agent's config names a URL that is not the profile's gateway: the token is not sent.
    /// (Boxed: errors stay small.)
    ForeignUrl(Box<Foreign>),
    Other,
}

/// A URL off the profile's gateway (`Failure::ForeignUrl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    gateway: String,
    agent: &'static str,
    /// The fix when the URL is set where setup cannot change it (a Claude settings layer that
    /// outranks the file setup writes, or the environment).
    fix: Option<String>,
}

#[derive(Debug)]
pub struct RequestError {
    pub failure: Failure,
    pub status: Option<u16>,
    /// The URL asked for, without userinfo.
    pub url: String,
    /// What the server or the network stack said, with the token masked.
    pub detail: String,
    pub timeout: Duration,
}

/// What every agentgw HTTP client shares, whatever its timeouts: the TLS trust (the platform's
/// verifier, so corporate CAs and `SSL_CERT_FILE` work, or the PEM `ca_file`), proxies from
/// `HTTPS_PROXY`/`NO_PROXY` (ureq's default), the connect timeout, no redirect followed (a bearer
/// token must not be replayed to another host), and error statuses handed back as answers.
pub fn client_config(ca_file: Option<&Path>) -> Result<ConfigBuilder<AgentScope>> {
    let roots = match ca_file {
        None => RootCerts::PlatformVerifier,
        Some(path) => RootCerts::new_with_certs(&read_ca_file(path)?),
    };
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .user_agent(concat!("agentgw/", env!("CARGO_PKG_VERSION")))
        .tls_config(TlsConfig::builder().root_certs(roots).build()))
}

impl Http {
    pub fn new(ca_file: Option<&Path>) -> Result<Http> {
        let total_timeout = total_timeout()?;
        let config = client_config(ca_file)?
            .timeout_global(Some(total_timeout))
            .build();
        Ok(Http {
            agent: config.new_agent(),
            total_timeout,
            deadline: None,
        })
    }

    /// The same client, whose requests also end at `deadline` (a request starting later gets a
    /// moment, not the whole timeout): for work bounded as a whole, like a SQL statement's wait.
    pub fn until(&self, deadline: std::time::Instant) -> Http {
        Http {
            deadline: Some(deadline),
            ..self.clone()
        }
    }

    /// How long the next request may take.
    fn request_timeout(&self) -> Duration {
        let left = self.deadline.map_or(self.total_timeout, |d| {
            d.saturating_duration_since(std::time::Instant::now())
        });
        left.min(self.total_timeout).max(Duration::from_millis(100))
    }

    /// `request`, bounded by this handle's request timeout (and its deadline, see [`Http::until`]).
    fn bounded<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        request
            .config()
            .timeout_global(Some(self.request_timeout()))
            .build()
    }

    /// How long one request may take in total.
    pub fn timeout(&self) -> Duration {
        self.total_timeout
    }

    /// `GET <host>/api/2.0/preview/scim/v2/Me`: proves the token works and names its owner.
    pub fn scim_me(&self, host: &str, token: &str) -> Result<Me, RequestError> {
        let url = format!("{host}/api/2.0/preview/scim/v2/Me");
        let result = self
            .agent
            .get(&url)
            .header("Authorization", format!("Bearer {token}"))
            .call();
        let (status, headers, body) = self.read(&url, token, result)?;
        let json: serde_json::Value = serde_json::from_str(&body).map_err(|_| RequestError {
            failure: Failure::BadResponse,
            status: Some(status),
            url: redact_userinfo(&url),
            detail: "the answer is not JSON (is this the workspace URL, not another web page?)"
                .into(),
            timeout: self.total_timeout,
        })?;
        let user_name = json["userName"]
            .as_str()
            .or(json["displayName"].as_str())
            .unwrap_or("unknown user");
        Ok(Me {
            user_name: user_name.to_string(),
            workspace_id: header(&headers, "x-databricks-org-id"),
        })
    }

    /// `GET <host>/api/2.0/serving-endpoints`: the names of the workspace's model endpoints.
    pub fn serving_endpoints(&self, host: &str, token: &str) -> Result<Vec<String>, RequestError> {
        self.endpoints_where(host, token, |_| true)
    }

    /// The workspace's chat model endpoints (task `llm/v1/chat`): the ones a chat client such as
    /// Cursor can use, without the embedding and custom-model endpoints.
    pub fn chat_endpoints(&self, host: &str, token: &str) -> Result<Vec<String>, RequestError> {
        self.endpoints_where(host, token, |e| e["task"] == "llm/v1/chat")
    }

    fn endpoints_where(
        &self,
        host: &str,
        token: &str,
        keep: impl Fn(&serde_json::Value) -> bool,
    ) -> Result<Vec<String>, RequestError> {
        let url = format!("{host}/api/2.0/serving-endpoints");
        let result = self
            .agent
            .get(&url)
            .header("Authorization", format!("Bearer {token}"))
            .call();
        let json = self.json_response(&url, token, result)?;
        let endpoints = json["endpoints"].as_array().into_iter().flatten();
        Ok(endpoints
            .filter(|e| keep(e))
            .filter_map(|e| e["name"].as_str().map(str::to_string))
            .collect())
    }

    /// `GET url` with the token: a 2xx JSON answer, or the classified failure.
    pub fn get_json(&self, url: &str, token: &str) -> Result<serde_json::Value, RequestError> {
        let result = self
            .bounded(self.agent.get(url))
            .header("Authorization", format!("Bearer {token}"))
            .call();
        self.json_response(url, token, result)
    }

    /// `GET url` with the token, every HTTP answer handed back as (status, body) — the caller
    /// reads the error codes itself (route discovery); only transport failures are errors. The
    /// body is cut at the size limit, and the token is masked in it.
    pub fn get_answer(&self, url: &str, token: &str) -> Result<(u16, String), RequestError> {
        let result = self
            .bounded(self.agent.get(url))
            .header("Authorization", format!("Bearer {token}"))
            .call();
        self.any_answer(url, token, result)
            .map(|(status, body)| (status, mask(&body, token)))
    }

    /// `POST url` with a JSON body and the token: a 2xx JSON answer, or the classified failure.
    pub fn post_json(
        &self,
        url: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, RequestError> {
        let result = self
            .bounded(self.agent.post(url))
            .header("Authorization", format!("Bearer {token}"))
            .send_json(body);
        self.json_response(url, token, result)
    }

    /// `PATCH url` with a JSON body and the token: a 2xx JSON answer, or the classified failure.
    pub fn patch_json(
        &self,
        url: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, RequestError> {
        let result = self
            .bounded(self.agent.patch(url))
            .header("Authorization", format!("Bearer {token}"))
            .send_json(body);
        self.json_response(url, token, result)
    }

    /// `GET url` without a token (a team's policy file): every HTTP answer as (status, body), cut
    /// at the size limit; only transport failures are errors.
    pub fn get_public_answer(&self, url: &str) -> Result<(u16, String), RequestError> {
        let result = self.bounded(self.agent.get(url)).call();
        self.any_answer(url, "", result)
    }

    /// `GET url` without a token (public documents such as OAuth discovery): a 2xx JSON answer,
    /// or the classified failure.
    pub fn get_public_json(&self, url: &str) -> Result<serde_json::Value, RequestError> {
        let result = self.agent.get(url).call();
        self.json_response(url, "", result)
    }

    /// `POST url` with a form body, and HTTP Basic `client` credentials when given: an OAuth token
    /// endpoint. Every answer the server gives comes back as (status, body), since OAuth errors
    /// are JSON in 4xx answers; only transport failures are errors. A 2xx body holds tokens:
    /// never show it.
    pub fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        client: Option<(&str, &str)>,
    ) -> Result<(u16, String), RequestError> {
        let mut request = self.agent.post(url).header("Accept", "application/json");
        if let Some((id, secret)) = client {
            request = request.header(
                "Authorization",
                format!("Basic {}", basic_credentials(id, secret)),
            );
        }
        self.any_answer(url, "", request.send_form(form.iter().copied()))
    }

    /// Status and (size-bounded) body of whatever the server answered; only transport failures
    /// are errors (`token` is masked in their text).
    fn any_answer(
        &self,
        url: &str,
        token: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, String), RequestError> {
        let fail = |e: &ureq::Error| {
            let (failure, detail) = classify_transport(e);
            RequestError {
                failure,
                status: None,
                url: redact_userinfo(url),
                detail: mask(&detail, token),
                timeout: self.total_timeout,
            }
        };
        let mut response = result.map_err(|e| fail(&e))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_string()
            .map_err(|e| fail(&e))?;
        Ok((status, body))
    }

    /// One OTLP `http/protobuf` export to the Unity Catalog `table`, as Claude Code's exporter sends
    /// it. Ok when the ingest endpoint accepts it.
    pub fn post_otlp(
        &self,
        url: &str,
        token: &str,
        table: &str,
        body: &[u8],
    ) -> Result<(), RequestError> {
        let result = self
            .agent
            .post(url)
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/x-protobuf")
            .header("X-Databricks-UC-Table-Name", table)
            .send(body);
        self.read(url, token, result).map(|_| ())
    }

    /// One tiny real request in an agent's wire format through the gateway, as the agent would
    /// send it: proves the URL, token, model and headers work together.
    pub fn probe(
        &self,
        wire: Wire,
        base: &str,
        model: &str,
        token: &str,
    ) -> Result<ProbeReply, RequestError> {
        const PROMPT: &str = "Reply with the single word: pong";
        let bearer = format!("Bearer {token}");
        let started = std::time::Instant::now();
        let (url, result) = match wire {
            Wire::Anthropic => {
                let url = format!("{base}/v1/messages");
                let body = serde_json::json!({
                    "model": model, "max_tokens": 16, "messages": [{"role": "user", "content": PROMPT}],
                });
                let request = self
                    .agent
                    .post(&url)
                    .header("Authorization", &bearer)
                    .header("anthropic-version", "2023-06-01")
                    .header("x-databricks-use-coding-agent-mode", "true");
                (url, request.send_json(body))
            }
            Wire::OpenAiResponses => {
                let url = format!("{base}/responses");
                let body =
                    serde_json::json!({"model": model, "input": PROMPT, "max_output_tokens": 16});
                let request = self
                    .agent
                    .post(&url)
                    .header("Authorization", &bearer)
                    .header("x-databricks-use-coding-agent-mode", "true");
                (url, request.send_json(body))
            }
            Wire::Gemini => {
                let url = format!(
                    "{base}/v1beta/models/{}:generateContent",
                    crate::urls::encode_component(model)
                );
                let body = serde_json::json!({
                    "contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
                    "generationConfig": {"maxOutputTokens": 16},
                });
                let request = self
                    .agent
                    .post(&url)
                    .header("Authorization", &bearer)
                    .header("x-goog-api-key", token);
                (url, request.send_json(body))
            }
            Wire::OpenAiChat => {
                let url = format!("{base}/chat/completions");
                let body = serde_json::json!({
                    "model": model, "max_tokens": 16, "messages": [{"role": "user", "content": PROMPT}],
                });
                let request = self.agent.post(&url).header("Authorization", &bearer);
                (url, request.send_json(body))
            }
        };
        let json = self.json_response(&url, token, result)?;
        let text = match wire {
            Wire::OpenAiChat => json["choices"][0]["message"]["content"].as_str(),
            Wire::Anthropic => json["content"][0]["text"].as_str(),
            Wire::OpenAiResponses => json["output"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|item| item["content"].as_array().into_iter().flatten())
                .find_map(|part| part["text"].as_str()),
            Wire::Gemini => json["candidates"][0]["content"]["parts"][0]["text"].as_str(),
        };
        Ok(ProbeReply {
            latency: started.elapsed(),
            text: text.unwrap_or_default().trim().to_string(),
        })
    }

    /// A 2xx JSON answer, or the classified failure.
    fn json_response(
        &self,
        url: &str,
        token: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<serde_json::Value, RequestError> {
        let (status, _, body) = self.read(url, token, result)?;
        serde_json::from_str(&body).map_err(|_| RequestError {
            failure: Failure::BadResponse,
            status: Some(status),
            url: redact_userinfo(url),
            detail: "the answer is not JSON".into(),
            timeout: self.total_timeout,
        })
    }

    /// Status, headers and (size-bounded) body of a 2xx response, or the classified failure: of
    /// the transport, or of the status the server answered with.
    fn read(
        &self,
        url: &str,
        token: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, ureq::http::HeaderMap, String), RequestError> {
        let fail = |failure: Failure, detail: String| RequestError {
            failure,
            status: None,
            url: redact_userinfo(url),
            detail: mask(&detail, token),
            timeout: self.total_timeout,
        };
        let mut response = result.map_err(|e| {
            let (failure, detail) = classify_transport(&e);
            fail(failure, detail)
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(|e| {
                let (failure, detail) = classify_transport(&e);
                fail(failure, detail)
            })?;
        // OTLP endpoints answer errors as a protobuf google.rpc.Status: keep only its message.
        let protobuf = header(&headers, "content-type").is_some_and(|t| t.contains("protobuf"));
        let body = match crate::otel::otlp::rpc_status_message(&bytes).filter(|_| protobuf) {
            Some(message) => message,
            None => String::from_utf8_lossy(&bytes).into_owned(),
        };
        let body = mask(&body, token);
        if !(200..300).contains(&status) {
            return Err(self.classify_status(url, status, &headers, &body));
        }
        Ok((status, headers, body))
    }

    fn classify_status(
        &self,
        url: &str,
        status: u16,
        headers: &ureq::http::HeaderMap,
        body: &str,
    ) -> RequestError {
        let message = server_message(body);
        let failure = match status {
            401 => Failure::InvalidToken,
            400 if message.to_ascii_lowercase().contains("token") => Failure::InvalidToken,
            403 => Failure::Forbidden,
            404 => Failure::NotFound,
            429 => Failure::RateLimited {
                retry_after: header(headers, "retry-after"),
            },
            300..=399 => Failure::Redirect {
                location: header(headers, "location").map(|l| redact_userinfo(&l)),
            },
            500..=599 => Failure::Server {
                request_id: header(headers, "x-request-id")
                    .or_else(|| header(headers, "x-databricks-request-id")),
            },
            _ => Failure::UnexpectedStatus,
        };
        RequestError {
            failure,
            status: Some(status),
            url: redact_userinfo(url),
            detail: message,
            timeout: self.total_timeout,
        }
    }
}

impl Failure {
    /// A stable name for `--json` output.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Dns => "dns",
            Failure::Connect => "connect",
            Failure::Tls => "tls",
            Failure::Timeout => "timeout",
            Failure::InvalidToken => "invalid_token",
            Failure::Forbidden => "forbidden",
            Failure::NotFound => "not_found",
            Failure::RateLimited { .. } => "rate_limited",
            Failure::Server { .. } => "server_error",
            Failure::Redirect { .. } => "redirect",
            Failure::UnexpectedStatus => "unexpected_status",
            Failure::BadResponse => "bad_response",
            Failure::ForeignUrl(_) => "foreign_url",
            Failure::Other => "other",
        }
    }
}

impl RequestError {
    /// The refusal to send the token to `url`, which is not on `gateway` (nor the workspace).
    /// `fix`: what to do when setup cannot point the agent back (see `Failure::ForeignUrl`).
    pub fn foreign(
        url: &str,
        gateway: &str,
        agent: &'static str,
        fix: Option<String>,
    ) -> RequestError {
        RequestError {
            failure: Failure::ForeignUrl(Box::new(Foreign {
                gateway: gateway.to_string(),
                agent,
                fix,
            })),
            status: None,
            url: redact_userinfo(url),
            detail: String::new(),
            timeout: Duration::ZERO,
        }
    }

    /// What the answer said, for messages: (`HTTP 404` or empty, `: <detail>` or empty).
    pub fn said(&self) -> (String, String) {
        let status = self.status.map(|s| format!("HTTP {s}")).unwrap_or_default();
        let detail = if self.detail.is_empty() {
            String::new()
        } else {
            format!(": {}", self.detail)
        };
        (status, detail)
    }

    /// One paragraph: what happened, then what to do. `profile` goes into the commands we suggest.
    pub fn explain(&self, profile: &str) -> String {
        let host = host_of(&self.url);
        let (status, detail) = self.said();
        match &self.failure {
            Failure::Dns => format!(
                "cannot resolve {host}{detail}\nCheck the workspace URL (`agentgw profiles`), your VPN and DNS; behind a proxy, set HTTPS_PROXY."
            ),
            Failure::Connect => format!(
                "cannot connect to {host}{detail}\nCheck the URL, your VPN and firewall. If your network needs a proxy, set HTTPS_PROXY (and NO_PROXY for hosts reached directly)."
            ),
            Failure::Tls => format!(
                "the TLS connection to {host} failed{detail}\nIf your company inspects TLS traffic, point SSL_CERT_FILE at its CA bundle or pass `--ca-file PATH` to `agentgw login`. Also check that the URL is https:// and the port is right."
            ),
            Failure::Timeout => format!(
                "{host} did not answer within {} s{detail}\nCheck your network or proxy (HTTPS_PROXY); to wait longer set AGENTGW_HTTP_TIMEOUT=60.",
                self.timeout.as_secs()
            ),
            Failure::InvalidToken => format!(
                "the workspace rejected the token ({status}{detail})\nThe token is wrong, expired or revoked. Create a new one in the workspace (Settings > Developer > Access tokens) and run: agentgw login --profile {profile}"
            ),
            Failure::Forbidden => format!(
                "the token is valid but lacks permission for {} ({status}{detail})\nAsk a workspace admin for access, or log in with a token that has it: agentgw login --profile {profile}",
                self.url
            ),
            Failure::NotFound => format!(
                "{} was not found ({status}{detail})\nCheck the workspace URL: agentgw profiles",
                self.url
            ),
            Failure::RateLimited { retry_after } => format!(
                "rate limited by {host} ({status}{detail}){}\nWait and try again.",
                retry_after
                    .as_ref()
                    .map(|r| format!("; retry after {r} s"))
                    .unwrap_or_default()
            ),
            Failure::Server { request_id } => format!(
                "{host} had an internal error ({status}{detail}){}\nTry again in a minute; if it persists, give the request id to your workspace admin.",
                request_id
                    .as_ref()
                    .map(|r| format!("; request id {r}"))
                    .unwrap_or_default()
            ),
            Failure::Redirect { location } => format!(
                "{} answered with a redirect ({status}) to {}\nagentgw does not follow redirects with your token. Check the URL: it should be the workspace itself, e.g. https://my-workspace.cloud.databricks.com",
                self.url,
                location.as_deref().unwrap_or("an unnamed location")
            ),
            Failure::UnexpectedStatus | Failure::BadResponse => format!(
                "unexpected answer from {} ({status}{detail})\nCheck that the URL is your Databricks workspace: agentgw profiles",
                self.url
            ),
            Failure::ForeignUrl(foreign) => format!(
                "{} is not on the gateway of profile '{profile}' ({}), so agentgw did not send your token there\n{}",
                self.url,
                foreign.gateway,
                foreign.fix.clone().unwrap_or_else(|| format!(
                    "Point the agent at this profile's gateway: agentgw setup {} --profile {profile} (or name the profile it uses with --profile)",
                    foreign.agent
                ))
            ),
            Failure::Other => format!("request to {} failed{detail}", self.url),
        }
    }
}

pub(crate) fn classify_transport(e: &ureq::Error) -> (Failure, String) {
    use std::io::ErrorKind;
    match e {
        ureq::Error::HostNotFound => (Failure::Dns, "host not found".into()),
        ureq::Error::Timeout(_) => (Failure::Timeout, String::new()),
        ureq::Error::ConnectionFailed => (Failure::Connect, "connection failed".into()),
        ureq::Error::Io(io) if io.kind() == ErrorKind::TimedOut => {
            (Failure::Timeout, String::new())
        }
        // rustls reports handshake and certificate failures through the stream as InvalidData.
        ureq::Error::Io(io) if io.kind() == ErrorKind::InvalidData => {
            (Failure::Tls, io.to_string())
        }
        ureq::Error::Io(io) => (Failure::Connect, io.to_string()),
        ureq::Error::ConnectProxyFailed(why) => (
            Failure::Connect,
            format!("the proxy refused the connection: {why}"),
        ),
        ureq::Error::InvalidProxyUrl => (
            Failure::Connect,
            "HTTPS_PROXY / ALL_PROXY is not a valid URL".into(),
        ),
        ureq::Error::Tls(why) => (Failure::Tls, why.to_string()),
        ureq::Error::Rustls(why) => (Failure::Tls, why.to_string()),
        ureq::Error::Pem(why) => (Failure::Tls, why.to_string()),
        ureq::Error::BodyExceedsLimit(_) => (
            Failure::BadResponse,
            "the answer is unreasonably large".into(),
        ),
        ureq::Error::Protocol(why) => (Failure::BadResponse, format!("not an HTTP answer ({why})")),
        other => (Failure::Other, other.to_string()),
    }
}

/// Databricks errors look like {"error_code": "...", "message": "..."}; others put the text elsewhere.
/// An HTML page (a proxy's sign-in page, a web server that is not the workspace) is named by its
/// title: its markup says nothing to the user.
pub(crate) fn server_message(body: &str) -> String {
    if let Some(page) = html_page(body) {
        return page;
    }
    let from_json = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|json| {
            [
                &json["message"],
                &json["error"]["message"],
                &json["detail"],
                &json["error"],
            ]
            .into_iter()
            .find_map(|v| v.as_str().map(str::to_string))
        });
    let text = from_json.unwrap_or_else(|| body.trim().to_string());
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

/// `an HTML page (Title)` when `body` is an HTML document, else `None`.
fn html_page(body: &str) -> Option<String> {
    let start = body.trim_start().get(..64).unwrap_or(body.trim_start());
    let lower = start.to_ascii_lowercase();
    if !(lower.starts_with("<!doctype html") || lower.starts_with("<html")) {
        return None;
    }
    let lower_body = body.to_ascii_lowercase();
    let title = lower_body
        .find("<title")
        .and_then(|at| Some(at + lower_body[at..].find('>')? + 1))
        .and_then(|from| Some((from, from + lower_body[from..].find("</title")?)))
        .map(|(from, to)| {
            body[from..to]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|t| !t.is_empty());
    Some(match title {
        Some(title) => format!(
            "an HTML page ({})",
            title.chars().take(80).collect::<String>()
        ),
        None => "an HTML page".to_string(),
    })
}

/// Whether a 403 says the workspace turned personal access tokens off (its admins allow only
/// OAuth): the fix is a different sign-in, not a permission.
pub fn refuses_pats(e: &RequestError) -> bool {
    let detail = e.detail.to_ascii_lowercase();
    e.failure == Failure::Forbidden
        && detail.contains("token")
        && ["disabled", "not enabled", "not allowed", "not permitted"]
            .iter()
            .any(|word| detail.contains(word))
}

/// True when `url` lies on the gateway or the workspace: the only places the token may go.
pub fn is_ours(url: &str, gateway: &str, host: &str) -> bool {
    let under = |base: &str| {
        url == base
            || url
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    under(gateway.trim_end_matches('/')) || under(host.trim_end_matches('/'))
}

fn header(headers: &ureq::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// HTTP Basic's `base64(id:secret)`: as good as the secret itself wherever it is shown.
pub fn basic_credentials(id: &str, secret: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}

/// Servers sometimes echo what they were sent; the token must not reach the terminal that way.
fn mask(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_string()
    } else {
        text.replace(token, "[token]")
    }
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

fn total_timeout() -> Result<Duration> {
    match std::env::var(TIMEOUT_ENV) {
        Err(_) => Ok(DEFAULT_TOTAL_TIMEOUT),
        Ok(v) => {
            let secs: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| *s > 0.0 && s.is_finite())
                .with_context(|| {
                    format!("{TIMEOUT_ENV}={v:?} is not a number of seconds greater than 0")
                })?;
            Ok(Duration::from_secs_f64(secs))
        }
    }
}

fn read_ca_file(path: &Path) -> Result<Vec<Certificate<'static>>> {
    let pem = std::fs::read(path)
        .with_context(|| format!("cannot read the CA file {} (--ca-file)", path.display()))?;
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        anyhow::bail!(
            "{} (--ca-file) holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        );
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_are_extracted_and_cut() {
        assert_eq!(
            server_message(r#"{"error_code":"X","message":"Invalid access token."}"#),
            "Invalid access token."
        );
        assert_eq!(server_message("Bad\n  gateway\n"), "Bad gateway");
        assert_eq!(server_message("<html>\n  oops\n</html>"), "an HTML page");
        assert_eq!(
            server_message("<!DOCTYPE html><html><head><TITLE>\n Sign in </TITLE>"),
            "an HTML page (Sign in)"
        );
        assert_eq!(server_message(&"a".repeat(300)).chars().count(), 201);
    }

    #[test]
    fn tokens_are_masked() {
        assert_eq!(mask("bad token dapi123", "dapi123"), "bad token [token]");
    }

    #[test]
    fn host_not_found_is_a_dns_failure() {
        assert_eq!(
            classify_transport(&ureq::Error::HostNotFound).0,
            Failure::Dns
        );
    }
}
