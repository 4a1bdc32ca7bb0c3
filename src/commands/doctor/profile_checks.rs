//! The profile, its token and whether the workspace accepts it.

use super::{Check, Status};
use crate::commands::session::ProfileState;
use crate::profile::{Profile, TokenStorage};
use crate::{credential, gateway, paths};

const AREA: &str = "profile";

pub fn run(base: &ProfileState) -> Vec<Check> {
    let mut checks = Vec::new();
    let Some(profile) = &base.profile else {
        checks.push(Check::new(
            AREA,
            "profile",
            Status::Fail,
            format!("no profile '{}'", base.name),
            base.login_fix(),
        ));
        return checks;
    };
    let host = profile.host.clone().unwrap_or_default();
    checks.push(Check::ok(
        AREA,
        "profile",
        format!(
            "profile '{}': {host}, gateway {}",
            base.name,
            profile.gateway().unwrap_or_default()
        ),
    ));
    match (&base.token, profile.token_storage) {
        (Err(why), _) => checks.push(Check::new(
            AREA,
            "token",
            Status::Fail,
            format!("the token cannot be read: {why}"),
            base.login_fix(),
        )),
        (Ok(None), _) => checks.push(Check::new(
            AREA,
            "token",
            Status::Fail,
            "not logged in",
            base.login_fix(),
        )),
        (Ok(Some((_, credential::TokenSource::Env))), _) => checks.push(Check::ok(
            AREA,
            "token",
            "token from AGENTGW_TOKEN (environment)",
        )),
        (Ok(Some(_)), Some(TokenStorage::File)) => checks.push(Check::new(
            AREA,
            "token",
            Status::Warn,
            format!(
                "the token is stored in plaintext in {}",
                paths::display(&credential::file_store_path(&base.config_dir))
            ),
            format!(
                "get an OS keyring working, then: AGENTGW_AUTH_STORAGE=keyring {}",
                base.login_fix()
            ),
        )),
        (Ok(Some(_)), _) => checks.push(Check::ok(AREA, "token", "token in the OS keyring")),
    }
    if let Some(token) = base.token() {
        // Both asked at once, so a slow workspace costs one round trip, not two.
        let (verdict, enabled) = std::thread::scope(|scope| {
            let enabled = scope.spawn(|| gateway_enabled(base, profile, &host, token));
            let verdict = gateway::Http::new(profile.ca_file.as_deref())
                .map_err(|e| format!("{e:#}"))
                .and_then(|http| {
                    http.scim_me(&host, token)
                        .map_err(|e| crate::commands::test::explain_for(&e, profile))
                });
            (verdict, enabled.join().expect("the gateway check panicked"))
        });
        let accepted = verdict.is_ok();
        checks.push(match verdict {
            Ok(me) => Check::ok(
                AREA,
                "token-valid",
                format!("the workspace accepts the token ({})", me.user_name),
            ),
            Err(explained) => Check::failed(AREA, "token-valid", &explained),
        });
        // Shown only for a workspace that accepts the token: otherwise it says nothing new.
        if accepted {
            checks.push(enabled);
        }
    }
    checks
}

/// "AI Gateway enabled": the workspace's model services and gateway endpoints answer.
fn gateway_enabled(base: &ProfileState, profile: &Profile, host: &str, token: &str) -> Check {
    use crate::discovery::{self, Enabled};
    const ID: &str = "gateway-enabled";
    let enabled = match gateway::Http::new(profile.ca_file.as_deref()) {
        Ok(http) => discovery::gateway_enabled(&http, host, token),
        Err(e) => Enabled::Unknown(format!("{e:#}")),
    };
    let login = credential::login_command(profile);
    match enabled.explain(host, &base.name, &login) {
        None => Check::ok(AREA, ID, format!("the AI Gateway is enabled on {host}")),
        Some(explained) if matches!(enabled, Enabled::Unknown(_)) => {
            let (message, fix) = crate::ui::message_and_fix(&explained);
            Check::new(AREA, ID, Status::Warn, message, fix)
        }
        Some(explained) => Check::failed(AREA, ID, &explained),
    }
}

/// OAuth: one real refresh proves the stored sign-in still gets tokens (a revoked refresh token
/// or a service principal's rotated secret fails here, not an hour later in the agents). Bounded
/// by the HTTP timeout, on a thread of its own beside the workspace check; the token it gets is
/// stored, as `agentgw token` would.
pub fn sign_in(base: &ProfileState) -> Option<Check> {
    let profile = base.profile.as_ref()?;
    if !profile.auth.is_short_lived() || profile.token_storage.is_none() {
        return None;
    }
    Some(match credential::refresh_now(&base.config_dir, profile) {
        Ok(tokens) => Check::ok(
            AREA,
            "sign-in",
            format!(
                "OAuth sign-in works: the access token was refreshed (valid {} min)",
                tokens.lifetime / 60
            ),
        ),
        Err(e) => {
            let (message, fix) = crate::errors::message_and_fix(&e);
            Check::new(
                AREA,
                "sign-in",
                Status::Fail,
                message,
                fix.unwrap_or_else(|| credential::login_command(profile)),
            )
        }
    })
}

/// Every file that holds the token must be readable by its owner alone.
pub fn secret_files(base: &ProfileState, agent_files: &[std::path::PathBuf]) -> Vec<Check> {
    let Some(token) = base.token() else {
        return Vec::new();
    };
    let mut files = vec![credential::file_store_path(&base.config_dir)];
    files.extend(agent_files.iter().cloned());
    files
        .iter()
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|text| text.contains(token)))
        .filter_map(|f| {
            let mode = crate::edit::write::file_mode(f)?;
            let shown = paths::display(f);
            Some(if mode & 0o077 == 0 {
                Check::ok(
                    "files",
                    "secret-mode",
                    format!("{shown} holds the token and is private ({mode:o})"),
                )
            } else {
                Check::new(
                    "files",
                    "secret-mode",
                    Status::Fail,
                    format!("{shown} holds the token and others can read it (mode {mode:o})"),
                    format!("chmod 600 {}", f.display()),
                )
            })
        })
        .collect()
}
