//! OAuth sign-in: in the browser (U2M: authorization code + PKCE, answered on a loopback
//! listener) or as a service principal (M2M: client credentials). Either way the result is
//! tokens to store; nothing is stored when any step fails.

use super::Sourced;
use crate::cli::LoginArgs;
use crate::credential::{OAuthTokens, Secret};
use crate::errors::{Classified, Kind};
use crate::gateway::Http;
use crate::oauth::{self, Grant, browser, pkce, redirect};
use crate::profile::{Auth, Profile};
use crate::{databrickscfg, ui};
use anyhow::Result;
use std::time::{Duration, Instant};

/// How long the browser sign-in waits unless `--timeout` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// An OAuth sign-in's outcome: the secret to store and the profile fields that go with it.
pub struct SignedIn {
    pub secret: Secret,
    pub client_id: String,
    pub token_endpoint: String,
    /// Said to the user: how the sign-in happened.
    pub how: String,
}

/// The browser sign-in. `existing`: the profile as it was, whose app connection is kept when it
/// signs in to the same workspace again.
pub fn browser_sign_in(
    http: &Http,
    host: &str,
    name: &str,
    args: &LoginArgs,
    existing: Option<&Profile>,
) -> Result<SignedIn> {
    let login = format!("agentgw login --profile {name} --auth oauth");
    let endpoints = oauth::discover(http, host).map_err(|e| {
        Classified::explained(
            Kind::Request(e.kind()),
            format!("{}\nNothing was stored.", e.explain(name)),
        )
    })?;
    let client_id = args
        .client_id
        .clone()
        .or_else(|| {
            existing
                .filter(|p| p.auth == Auth::OAuth && p.host.as_deref() == Some(host))
                .and_then(|p| p.client_id.clone())
        })
        .unwrap_or_else(|| oauth::DATABRICKS_CLI_CLIENT_ID.to_string());
    let port = args.redirect_port.unwrap_or(oauth::DEFAULT_REDIRECT_PORT);
    let listener = redirect::Listener::bind(port).map_err(|e| port_unavailable(port, &e))?;
    let redirect_uri = listener.redirect_uri();
    let verifier = pkce::verifier();
    let state = pkce::random_text(16);
    let url = authorize_url(
        &endpoints.authorization,
        &[
            ("response_type", "code"),
            ("client_id", &client_id),
            ("redirect_uri", &redirect_uri),
            ("scope", oauth::U2M_SCOPES),
            ("state", &state),
            ("code_challenge", &pkce::challenge(&verifier)),
            ("code_challenge_method", "S256"),
        ],
    );
    let timeout = args.timeout.unwrap_or(DEFAULT_TIMEOUT);
    ui::note(&format!("Sign in to {host} in your browser:\n  {url}"));
    if !args.no_browser
        && let Err(why) = browser::open(&url)
    {
        ui::warn(&format!(
            "could not start a browser ({why}): open the URL above yourself"
        ));
    }
    ui::note(&format!(
        "Waiting up to {} for the browser to come back to {redirect_uri} (Ctrl-C to stop)...",
        describe(timeout)
    ));
    let code = listener
        .wait_for_code(&state, Instant::now() + timeout)
        .map_err(|e| redirect_failed(e, timeout, &login))?;
    let grant = oauth::exchange_code(
        http,
        &endpoints.token,
        &client_id,
        &code,
        &verifier,
        &redirect_uri,
    )
    .map_err(|e| token_refused(&e, name, &login))?;
    if grant.refresh_token.is_none() {
        ui::warn(&format!(
            "the workspace gave no refresh token (client {client_id}): you will have to sign in again in {}",
            describe(Duration::from_secs(grant.expires_in))
        ));
    }
    Ok(SignedIn {
        secret: stored(&grant, None),
        how: format!("in the browser (OAuth client {client_id})"),
        client_id,
        token_endpoint: endpoints.token,
    })
}

/// The service principal sign-in: client id and secret from the flags, `~/.databrickscfg` or
/// the environment, exchanged for an access token right away (which proves them). `existing`:
/// the profile as it was, whose service principal signs in again (with a new secret) when no
/// other client id is given.
pub fn service_principal(
    http: &Http,
    host: &str,
    name: &str,
    args: &LoginArgs,
    databrickscfg: Option<&(databrickscfg::Section, String)>,
    existing: Option<&Profile>,
) -> Result<SignedIn> {
    let login = format!("agentgw login --profile {name} --auth m2m");
    let section = databrickscfg.map(|(s, origin)| (s, origin.as_str()));
    let client_id = first_of([
        args.client_id.clone().map(|v| sourced(v, "--client-id")),
        section.and_then(|(s, o)| s.client_id.clone().map(|v| sourced(v, o))),
        env("DATABRICKS_CLIENT_ID"),
        existing
            .filter(|p| p.auth == Auth::M2m && p.host.as_deref() == Some(host))
            .and_then(|p| p.client_id.clone())
            .map(|v| sourced(v, "the existing profile")),
    ])
    .ok_or_else(|| {
        missing(
            "client id",
            "client_id",
            "--client-id ID",
            "DATABRICKS_CLIENT_ID",
            section,
        )
    })?;
    let secret = match args.client_secret_stdin {
        true => Some(read_secret_from_stdin()?),
        false => first_of([
            section.and_then(|(s, o)| s.client_secret.clone().map(|v| sourced(v, o))),
            env("DATABRICKS_CLIENT_SECRET"),
        ]),
    }
    .ok_or_else(|| {
        missing(
            "client secret",
            "client_secret",
            "--client-secret-stdin",
            "DATABRICKS_CLIENT_SECRET",
            section,
        )
    })?;
    let endpoints = oauth::discover(http, host).map_err(|e| {
        Classified::explained(
            Kind::Request(e.kind()),
            format!("{}\nNothing was stored.", e.explain(name)),
        )
    })?;
    let grant = oauth::client_credentials(http, &endpoints.token, &client_id.value, &secret.value)
        .map_err(|e| token_refused(&e, name, &login))?;
    Ok(SignedIn {
        secret: stored(&grant, Some(secret.value)),
        how: format!(
            "as service principal {} (id from {}, secret from {})",
            client_id.value, client_id.source, secret.source
        ),
        client_id: client_id.value,
        token_endpoint: endpoints.token,
    })
}

fn stored(grant: &Grant, client_secret: Option<String>) -> Secret {
    Secret::OAuth(OAuthTokens {
        access_token: grant.access_token.clone(),
        expires_at: grant.expires_at(),
        lifetime: grant.expires_in,
        refresh_token: grant.refresh_token.clone(),
        client_secret,
    })
}

/// `endpoint?k=v&...`, each value percent-encoded (an endpoint that already has a query gets
/// `&`).
fn authorize_url(endpoint: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::urls::encode_component(v)))
        .collect();
    let joiner = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{joiner}{}", query.join("&"))
}

fn port_unavailable(port: u16, e: &std::io::Error) -> anyhow::Error {
    Classified::explained(
        Kind::SignIn("redirect_port"),
        format!(
            "cannot listen on localhost:{port} for the browser's answer ({e})\n\
             Close what uses the port (another `agentgw login` or `databricks auth login`?) and try again. \
             With a workspace app connection of your own, pass its --client-id and a --redirect-port registered \
             for it (http://localhost:<port>). Nothing was stored."
        ),
    )
    .into()
}

fn redirect_failed(e: redirect::RedirectError, timeout: Duration, login: &str) -> anyhow::Error {
    use redirect::RedirectError;
    let (kind, text) = match e {
        RedirectError::TimedOut => (
            "redirect_timeout",
            format!(
                "the browser did not come back within {} (was the tab closed?)\n\
                 Run `{login}` again and finish the sign-in in the browser (--timeout waits longer; \
                 --no-browser prints the URL to open anywhere).",
                describe(timeout)
            ),
        ),
        RedirectError::Refused { error, description } => {
            let kind = if error == "access_denied" {
                "access_denied"
            } else {
                "oauth_error"
            };
            let said = if description.is_empty() {
                error
            } else {
                format!("{error}: {description}")
            };
            (
                kind,
                format!(
                    "the workspace did not sign you in ({said})\n\
                     If you declined by mistake, run `{login}` again; if access is refused, ask a workspace admin to let you use it."
                ),
            )
        }
        RedirectError::WrongState => (
            "wrong_state",
            format!(
                "the browser came back with an answer that belongs to another sign-in (an old tab?), so it was not used\n\
                 Close old sign-in tabs and run `{login}` again."
            ),
        ),
        RedirectError::Io(e) => (
            "redirect_port",
            format!("the sign-in listener failed ({e})\nRun `{login}` again."),
        ),
    };
    Classified::explained(Kind::SignIn(kind), format!("{text} Nothing was stored.")).into()
}

fn token_refused(e: &oauth::TokenError, name: &str, login: &str) -> anyhow::Error {
    let kind = if e.needs_sign_in() {
        Kind::SignIn(e.kind())
    } else {
        Kind::Request(e.kind())
    };
    Classified::explained(
        kind,
        format!("{} Nothing was stored.", e.explain(name, login)),
    )
    .into()
}

fn read_secret_from_stdin() -> Result<Sourced> {
    let raw = super::read_stdin_secret(
        "Service principal OAuth secret (input hidden)",
        "the client secret",
    )?;
    let secret = raw.trim();
    if secret.is_empty() || secret.contains(char::is_whitespace) {
        anyhow::bail!(
            "--client-secret-stdin: standard input must hold the OAuth secret, one word (it is empty or has spaces)"
        );
    }
    Ok(sourced(secret.to_string(), "standard input"))
}

fn sourced(value: String, source: &str) -> Sourced {
    Sourced {
        value: value.trim().to_string(),
        source: source.to_string(),
    }
}

fn env(name: &str) -> Option<Sourced> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| sourced(v, name))
}

fn first_of<const N: usize>(candidates: [Option<Sourced>; N]) -> Option<Sourced> {
    candidates.into_iter().flatten().next()
}

/// No client id or secret: named in the `~/.databrickscfg` section the user pointed at (by its
/// key there), else as the flag, variable or section that would give it.
fn missing(
    what: &str,
    key: &str,
    flag: &str,
    variable: &str,
    section: Option<(&databrickscfg::Section, &str)>,
) -> anyhow::Error {
    let text = match section {
        Some((_, origin)) => format!(
            "{origin} has no {key}, needed to sign in as a service principal (auth_type = oauth-m2m)\n\
             Add `{key} = ...` there, or pass {flag} or set {variable}."
        ),
        None => format!(
            "no service principal {what} for --auth m2m\nPass {flag}, set {variable}, or use --from-databrickscfg NAME with an auth_type = oauth-m2m profile."
        ),
    };
    Classified::explained(Kind::MissingInput, text).into()
}

/// `5 min`, `90 s`.
fn describe(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_encodes_every_value() {
        assert_eq!(
            authorize_url(
                "https://h/oidc/v1/authorize",
                &[
                    ("scope", "all-apis offline_access"),
                    ("redirect_uri", "http://localhost:8020")
                ]
            ),
            "https://h/oidc/v1/authorize?scope=all-apis%20offline_access&redirect_uri=http%3A%2F%2Flocalhost%3A8020"
        );
    }
}
