//! The profile, its token and whether the workspace accepts it.

use super::{Check, Status};
use crate::profile::{self, Config, Profile, TokenStorage};
use crate::{credential, gateway, paths};
use anyhow::Result;

const AREA: &str = "profile";

/// What every group needs: the profile and its token, read once.
pub struct Base {
    pub name: String,
    pub profile: Option<Profile>,
    /// `Err` holds why the token could not be read (say, a locked keyring).
    pub token: Result<Option<(String, credential::TokenSource)>, String>,
    pub config_dir: std::path::PathBuf,
}

impl Base {
    pub fn load(profile_flag: Option<&str>) -> Result<Base> {
        let name = profile::selected_name(profile_flag)?;
        let config_dir = paths::config_dir()?;
        let profile = Config::load(&config_dir)?.profile(&name)?;
        let token = credential::read(&config_dir, profile.as_ref())
            .map_err(|e| first_line(&format!("{e:#}")));
        Ok(Base {
            name,
            profile,
            token,
            config_dir,
        })
    }

    pub fn token(&self) -> Option<&str> {
        self.token
            .as_ref()
            .ok()
            .and_then(|t| t.as_ref())
            .map(|(t, _)| t.as_str())
    }

    pub fn login_fix(&self) -> String {
        format!("agentgw login --profile {}", self.name)
    }
}

pub fn run(base: &Base) -> Vec<Check> {
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
        let verdict = gateway::Http::new(profile.ca_file.as_deref())
            .map_err(|e| format!("{e:#}"))
            .and_then(|http| {
                http.scim_me(&host, token)
                    .map_err(|e| e.explain(&base.name))
            });
        checks.push(match verdict {
            Ok(me) => Check::ok(
                AREA,
                "token-valid",
                format!("the workspace accepts the token ({})", me.user_name),
            ),
            Err(explained) => {
                let (message, fix) = explained.split_once('\n').unwrap_or((&explained, ""));
                Check::new(AREA, "token-valid", Status::Fail, message, fix)
            }
        });
    }
    checks
}

/// Every file that holds the token must be readable by its owner alone.
pub fn secret_files(base: &Base, agent_files: &[std::path::PathBuf]) -> Vec<Check> {
    let Some(token) = base.token() else {
        return Vec::new();
    };
    let mut files = vec![credential::file_store_path(&base.config_dir)];
    files.extend(agent_files.iter().cloned());
    files
        .iter()
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|text| text.contains(token)))
        .filter_map(|f| {
            let mode = mode(f)?;
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

#[cfg(unix)]
fn mode(path: &std::path::Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode(_path: &std::path::Path) -> Option<u32> {
    None
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}
