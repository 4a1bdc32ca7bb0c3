//! What the agent commands share: the logged-in profile and its token, and an agent's context.

use crate::agents::{self, Context, SetupOptions};
use crate::credential::TokenSource;
use crate::errors::{Classified, Kind};
use crate::profile::{self, Config, Profile};
use crate::{credential, paths};
use anyhow::{Context as _, Result};
use std::path::PathBuf;

// Diffs of config files are printed with secrets masked; the commands that print them take it
// from here, beside the session whose token it masks.
pub use super::mask::mask_secrets;

pub struct Session {
    pub profile: Profile,
    pub host: String,
    pub gateway: String,
    pub token: String,
    pub agentgw: PathBuf,
    /// OAuth: how long the stored access token was issued for, in seconds.
    pub token_lifetime: Option<u64>,
}

impl Session {
    /// The selected profile with a readable token, or an error naming `agentgw login`.
    pub fn load(profile_flag: Option<&str>) -> Result<Session> {
        let name = profile::selected_name(profile_flag)?;
        let config_dir = paths::config_dir()?;
        let login = format!("agentgw login --profile {name}");
        let profile = Config::load(&config_dir)?.profile(&name)?.ok_or_else(|| {
            Classified::run(Kind::NoProfile, format!("no profile '{name}' yet"), &login)
        })?;
        let host = profile.host.clone().ok_or_else(|| {
            Classified::run(
                Kind::NoProfile,
                format!("profile '{name}' has no workspace host"),
                &login,
            )
        })?;
        let gateway = profile
            .gateway()
            .unwrap_or_else(|| profile::default_gateway(&host));
        // A failure that already says what kind it is (the token endpoint refusing a refresh:
        // sign in again) keeps its kind for --json; anything else is the store's.
        let stored =
            credential::read(&config_dir, Some(&profile)).map_err(|e| match Kind::of(&e) {
                Kind::Other => Classified::explained(Kind::Credential, format!("{e:#}")).into(),
                _ => e,
            })?;
        let Some((token, _)) = stored else {
            return Err(Classified::run(
                Kind::NotLoggedIn,
                format!("not logged in (profile '{name}')"),
                login,
            )
            .into());
        };
        let agentgw = agentgw_path().context("cannot find the path of the agentgw binary")?;
        // Read after `read`, which may just have refreshed it.
        let token_lifetime = match profile.auth.is_short_lived() {
            true => credential::read_stored(&config_dir, &profile)
                .ok()
                .flatten()
                .and_then(|(secret, _)| secret.oauth().map(|t| t.lifetime)),
            false => None,
        };
        Ok(Session {
            profile,
            host,
            gateway,
            token,
            agentgw,
            token_lifetime,
        })
    }

    pub fn context<'a>(
        &'a self,
        model: String,
        options: &'a SetupOptions,
        version: Option<agents::Version>,
    ) -> Context<'a> {
        Context {
            profile: &self.profile,
            host: self.host.clone(),
            gateway: self.gateway.clone(),
            aliases: crate::models::Aliases::remembered(&self.profile.models, &model),
            model,
            agentgw: self.agentgw.clone(),
            token: &self.token,
            options,
            version,
            helper_refresh: self.helper_refresh(),
            served: None,
        }
    }

    /// For a short-lived sign-in, how often agents must ask `agentgw token` again (Databricks'
    /// tokens live an hour when the stored lifetime is unknown).
    pub fn helper_refresh(&self) -> Option<std::time::Duration> {
        const DATABRICKS_TOKEN_LIFETIME: u64 = 3600;
        self.profile.auth.is_short_lived().then(|| {
            credential::helper_refresh_interval(
                self.token_lifetime.unwrap_or(DATABRICKS_TOKEN_LIFETIME),
            )
        })
    }

    /// Login found the workspace's AI Gateway not enabled, or not open to this user: setting
    /// agents up or starting one would only meet 404s and 403s. Same words as login, same fix,
    /// then `not_done` (what agentgw did not do).
    pub fn refuse_unusable_gateway(&self, not_done: &str) -> Result<()> {
        let profile = &self.profile;
        let Some((class, said)) = profile
            .gateway_problem
            .as_deref()
            .map(|p| p.split_once(": ").unwrap_or((p, "found at login")))
        else {
            return Ok(());
        };
        let (enabled, kind) = match class {
            "not_enabled" => (
                crate::discovery::Enabled::NotEnabled(said.to_string()),
                "gateway_not_enabled",
            ),
            "no_permission" => (
                crate::discovery::Enabled::NoPermission(said.to_string()),
                "forbidden",
            ),
            _ => return Ok(()),
        };
        let login = credential::login_command(profile);
        let text = enabled
            .explain(&self.host, &profile.name, &login)
            .unwrap_or_default();
        Err(Classified::explained(Kind::Request(kind), format!("{text}\n{not_done}")).into())
    }

    pub fn http(&self) -> Result<crate::gateway::Http> {
        crate::gateway::Http::new(self.profile.ca_file.as_deref())
    }
}

/// The selected profile and its token as far as they exist: for the commands that report on a
/// setup (status, doctor) or only want the token when there is one (remove).
pub struct ProfileState {
    pub name: String,
    pub profile: Option<Profile>,
    /// `Err` holds why the token could not be read (say, a locked keyring).
    pub token: Result<Option<(String, TokenSource)>, String>,
    pub config_dir: std::path::PathBuf,
}

impl ProfileState {
    pub fn load(profile_flag: Option<&str>) -> Result<ProfileState> {
        let name = profile::selected_name(profile_flag)?;
        let config_dir = paths::config_dir()?;
        let profile = Config::load(&config_dir)?.profile(&name)?;
        let token = credential::read(&config_dir, profile.as_ref()).map_err(|e| {
            format!("{e:#}")
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        });
        Ok(ProfileState {
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

/// Changes agentgw's config file under its lock: read, `change`, write (only if it changed).
pub fn update_config(change: impl FnOnce(&mut Config)) -> Result<()> {
    let config_dir = paths::config_dir()?;
    let _lock = profile::lock_config_dir(&config_dir)?;
    remove_config_temps(&config_dir);
    let mut config = Config::load(&config_dir)?;
    change(&mut config);
    config.save()
}

/// Deletes the temp files a killed earlier write of agentgw's config file left (setup and remove
/// write it: Copilot CLI's model lives there). Call under the config folder's lock.
fn remove_config_temps(config_dir: &std::path::Path) {
    let _ = crate::edit::write::remove_stale_temps(&paths::config_file(config_dir));
}

/// Like `edit::tidy` for agentgw's own config folder: a command that may write the config file
/// starts by clearing what a killed earlier one left. Nothing to do without a config folder.
pub fn tidy_config() -> Result<()> {
    let config_dir = paths::config_dir()?;
    if !config_dir.is_dir() {
        return Ok(());
    }
    let _lock = profile::lock_config_dir(&config_dir)?;
    remove_config_temps(&config_dir);
    Ok(())
}

/// The absolute path agents call back for the token. A PATH entry that is this very binary wins
/// over its resolved location: package managers keep that link stable (Homebrew's bin/, a Nix
/// profile) while the real, versioned path disappears on the next upgrade.
fn agentgw_path() -> std::io::Result<PathBuf> {
    let real = std::fs::canonicalize(std::env::current_exe()?)?;
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("agentgw"))
            .find(|candidate| {
                candidate.is_absolute() && std::fs::canonicalize(candidate).is_ok_and(|c| c == real)
            })
    });
    Ok(on_path.unwrap_or(real))
}
