//! OAuth access tokens that are still good when the agent uses them. `agentgw token` is run by
//! Claude, Codex and the telemetry exporter, often all at once, so: a cached token with enough
//! time left is returned without any network call; otherwise ONE process refreshes under a
//! per-profile lock while the others wait and then read what it stored.

use super::{OAuthTokens, Secret, TokenSource, read_stored, rewrite_stored};
use crate::errors::{Classified, Kind};
use crate::oauth::{self, TokenError, now};
use crate::profile::{Auth, Profile};
use crate::{edit, gateway, paths, ui};
use anyhow::{Context, Result, anyhow};
use std::path::Path;

/// Longest safety margin: a token handed out lives at least this long (or half its lifetime when
/// that is shorter, so tokens that live seconds, as in tests, are still reused).
const MAX_MARGIN_SECS: u64 = 300;

/// How much longer a token must stay valid for it to be handed out.
pub fn margin(lifetime: u64) -> u64 {
    MAX_MARGIN_SECS.min(lifetime / 2)
}

/// How often an agent that caches the helper's output (Claude's apiKeyHelper TTL, Codex's
/// `auth.refresh_interval_ms`) should ask again: within the margin, so a cached token never
/// outlives itself. 4 minutes for Databricks' one-hour tokens.
pub fn helper_refresh_interval(lifetime: u64) -> std::time::Duration {
    std::time::Duration::from_millis((margin(lifetime) * 800).max(1000))
}

/// Where a cached access token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Valid for longer than the margin: handed out as it is.
    Fresh {
        seconds_left: u64,
    },
    /// Still valid, but within the margin: the next `agentgw token` refreshes it.
    Expiring {
        seconds_left: u64,
    },
    Expired,
}

pub fn expiry_of(tokens: &OAuthTokens) -> Freshness {
    let now = now();
    if tokens.expires_at <= now {
        return Freshness::Expired;
    }
    let seconds_left = tokens.expires_at - now;
    if seconds_left > margin(tokens.lifetime) {
        Freshness::Fresh { seconds_left }
    } else {
        Freshness::Expiring { seconds_left }
    }
}

/// The access token of an OAuth profile, refreshed first when it is within its margin.
/// `Ok(None)`: not logged in.
pub fn bearer(config_dir: &Path, profile: &Profile) -> Result<Option<(String, TokenSource)>> {
    let Some((secret, source)) = read_stored(config_dir, profile)? else {
        return Ok(None);
    };
    let tokens = oauth_tokens(secret, profile)?;
    if matches!(expiry_of(&tokens), Freshness::Fresh { .. }) {
        return Ok(Some((tokens.access_token, source)));
    }
    let _lock = lock_refresh(config_dir, &profile.name)?;
    // Another `agentgw token` may have refreshed while this one waited for the lock.
    let Some((secret, source)) = read_stored(config_dir, profile)? else {
        return Ok(None);
    };
    let tokens = oauth_tokens(secret, profile)?;
    if matches!(expiry_of(&tokens), Freshness::Fresh { .. }) {
        return Ok(Some((tokens.access_token, source)));
    }
    match renew(config_dir, profile, &tokens) {
        Ok(renewed) => Ok(Some((renewed.access_token, source))),
        // A logout or a new login while the refresh was under way: what is stored now counts
        // (a new login's token is fresh, whatever its kind).
        Err(Renewal::Superseded) => {
            let now = crate::profile::Config::load(config_dir)?.profile(&profile.name)?;
            match now {
                Some(now) => Ok(read_stored(config_dir, &now)?
                    .map(|(secret, source)| (secret.bearer().to_string(), source))),
                None => Ok(None),
            }
        }
        // The token endpoint is unreachable for now, but the token still works for a while:
        // better a token that lives a few more minutes than none.
        Err(e)
            if !e.needs_sign_in() && matches!(expiry_of(&tokens), Freshness::Expiring { .. }) =>
        {
            ui::warn(&format!(
                "could not refresh the token of profile '{}' ({}); using the current one, valid {} more s",
                profile.name,
                e.kind(),
                tokens.expires_at.saturating_sub(now())
            ));
            Ok(Some((tokens.access_token, source)))
        }
        Err(e) => Err(refresh_failed(profile, &e)),
    }
}

/// Refreshes now, whatever the cached token's time left: `doctor` proves a refresh works.
pub fn refresh_now(config_dir: &Path, profile: &Profile) -> Result<OAuthTokens> {
    let _lock = lock_refresh(config_dir, &profile.name)?;
    let (secret, _) = read_stored(config_dir, profile)?.ok_or_else(|| not_logged_in(profile))?;
    let tokens = oauth_tokens(secret, profile)?;
    renew(config_dir, profile, &tokens).map_err(|e| refresh_failed(profile, &e))
}

/// Gets the next access token from the token endpoint and stores it (with the rotated refresh
/// token) before anyone can use it: a rotated refresh token that was not stored would be lost.
fn renew(config_dir: &Path, profile: &Profile, old: &OAuthTokens) -> Result<OAuthTokens, Renewal> {
    let http = gateway::Http::new(profile.ca_file.as_deref()).map_err(Renewal::Local)?;
    let endpoint = match &profile.token_endpoint {
        Some(endpoint) => endpoint.clone(),
        None => {
            let host = profile.host.as_deref().ok_or_else(|| {
                Renewal::Local(anyhow!("profile '{}' has no workspace host", profile.name))
            })?;
            oauth::discover(&http, host)
                .map_err(|e| Renewal::Local(anyhow!(e.explain(&profile.name))))?
                .token
        }
    };
    let client_id = profile
        .client_id
        .as_deref()
        .unwrap_or(oauth::DATABRICKS_CLI_CLIENT_ID);
    let grant = match (profile.auth, &old.refresh_token, &old.client_secret) {
        (Auth::M2m, _, Some(secret)) => oauth::client_credentials(&http, &endpoint, client_id, secret),
        (_, Some(refresh_token), _) => oauth::refresh(&http, &endpoint, client_id, refresh_token),
        _ => {
            return Err(Renewal::Local(anyhow!(
                "the stored sign-in of profile '{}' cannot be refreshed (it holds no refresh token or client secret)",
                profile.name
            )));
        }
    }
    .map_err(Renewal::Token)?;
    let renewed = OAuthTokens {
        access_token: grant.access_token.clone(),
        expires_at: grant.expires_at(),
        lifetime: grant.expires_in,
        // Servers that do not rotate answer without one: keep the old.
        refresh_token: grant.refresh_token.or_else(|| old.refresh_token.clone()),
        client_secret: old.client_secret.clone(),
    };
    let stored = rewrite_stored(
        config_dir,
        profile,
        &Secret::OAuth(old.clone()),
        &Secret::OAuth(renewed.clone()),
    )
    .map_err(Renewal::Local)?;
    match stored {
        true => Ok(renewed),
        false => Err(Renewal::Superseded),
    }
}

enum Renewal {
    Token(TokenError),
    /// Not the token endpoint's answer: no host, discovery, the store.
    Local(anyhow::Error),
    /// The sign-in was changed (logged out, signed in again) while the refresh was under way: the
    /// refreshed tokens were dropped, not stored.
    Superseded,
}

impl Renewal {
    fn needs_sign_in(&self) -> bool {
        matches!(self, Renewal::Token(e) if e.needs_sign_in())
    }

    fn kind(&self) -> &'static str {
        match self {
            Renewal::Token(e) => e.kind(),
            Renewal::Local(_) | Renewal::Superseded => "other",
        }
    }
}

fn refresh_failed(profile: &Profile, e: &Renewal) -> anyhow::Error {
    let login = login_command(profile);
    match e {
        Renewal::Token(e) => {
            let kind = if e.needs_sign_in() {
                Kind::SignIn(e.kind())
            } else {
                Kind::Request(e.kind())
            };
            Classified::explained(kind, e.explain(&profile.name, &login)).into()
        }
        Renewal::Local(e) => anyhow!("{e:#}").context(format!(
            "cannot refresh the token of profile '{}'",
            profile.name
        )),
        Renewal::Superseded => Classified::run(
            Kind::NotLoggedIn,
            format!(
                "the sign-in of profile '{}' changed (a logout or a new login) while its token was being refreshed",
                profile.name
            ),
            format!("agentgw status --profile {}", profile.name),
        )
        .into(),
    }
}

/// The command that signs this profile in again, as it was signed in.
pub fn login_command(profile: &Profile) -> String {
    match profile.auth {
        Auth::Pat => format!("agentgw login --profile {}", profile.name),
        auth => format!(
            "agentgw login --profile {} --auth {}",
            profile.name,
            auth.as_str()
        ),
    }
}

fn oauth_tokens(secret: Secret, profile: &Profile) -> Result<OAuthTokens> {
    match secret {
        Secret::OAuth(tokens) => Ok(tokens),
        Secret::Pat(_) => Err(Classified::run(
            Kind::Credential,
            format!(
                "profile '{}' is set to sign in with {}, but a personal access token is stored",
                profile.name,
                profile.auth.describe()
            ),
            login_command(profile),
        )
        .into()),
    }
}

fn not_logged_in(profile: &Profile) -> anyhow::Error {
    Classified::run(
        Kind::NotLoggedIn,
        format!("not logged in (profile '{}')", profile.name),
        login_command(profile),
    )
    .into()
}

/// One refresh at a time per profile, across processes. The lock is a file of its own: the
/// stores it guards are replaced by atomic renames.
fn lock_refresh(config_dir: &Path, profile: &str) -> Result<std::fs::File> {
    paths::ensure_private_dir(config_dir)?;
    let path = config_dir.join(format!(".refresh-{profile}.lock"));
    edit::write::exclusive_lock(&path).with_context(|| format!("cannot lock {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expiring_in(secs: u64, lifetime: u64) -> OAuthTokens {
        OAuthTokens {
            access_token: "a".into(),
            expires_at: now() + secs,
            lifetime,
            refresh_token: None,
            client_secret: None,
        }
    }

    #[test]
    fn the_margin_is_five_minutes_or_half_a_short_lifetime() {
        assert_eq!(margin(3600), 300);
        assert_eq!(margin(10), 5);
        assert!(matches!(
            expiry_of(&expiring_in(301 + 1, 3600)),
            Freshness::Fresh { .. }
        ));
        assert!(matches!(
            expiry_of(&expiring_in(200, 3600)),
            Freshness::Expiring { .. }
        ));
        assert!(matches!(
            expiry_of(&expiring_in(7, 10)),
            Freshness::Fresh { .. }
        ));
        assert!(matches!(
            expiry_of(&expiring_in(4, 10)),
            Freshness::Expiring { .. }
        ));
        assert_eq!(expiry_of(&expiring_in(0, 10)), Freshness::Expired);
    }

    #[test]
    fn agents_ask_again_before_a_handed_out_token_can_expire() {
        assert_eq!(helper_refresh_interval(3600).as_secs(), 240);
        assert_eq!(helper_refresh_interval(10).as_millis(), 4000);
        assert_eq!(helper_refresh_interval(1).as_millis(), 1000);
    }
}
