//! What the agent commands share: the logged-in profile and its token, and an agent's context.

use crate::agents::{self, Context, SetupOptions};
use crate::profile::{self, Config, Profile};
use crate::{credential, paths};
use anyhow::{Context as _, Result, anyhow, bail};
use std::path::PathBuf;

pub struct Session {
    pub profile: Profile,
    pub host: String,
    pub gateway: String,
    pub token: String,
    pub agentgw: PathBuf,
}

impl Session {
    /// The selected profile with a readable token, or an error naming `agentgw login`.
    pub fn load(profile_flag: Option<&str>) -> Result<Session> {
        let name = profile::selected_name(profile_flag)?;
        let config_dir = paths::config_dir()?;
        let login = format!("agentgw login --profile {name}");
        let profile = Config::load(&config_dir)?
            .profile(&name)?
            .ok_or_else(|| anyhow!("no profile '{name}' yet; run: {login}"))?;
        let host = profile
            .host
            .clone()
            .ok_or_else(|| anyhow!("profile '{name}' has no workspace host; run: {login}"))?;
        let gateway = profile
            .gateway()
            .unwrap_or_else(|| profile::default_gateway(&host));
        let Some((token, _)) = credential::read(&config_dir, Some(&profile))? else {
            bail!("not logged in (profile '{name}'); run: {login}");
        };
        let agentgw = agentgw_path().context("cannot find the path of the agentgw binary")?;
        Ok(Session {
            profile,
            host,
            gateway,
            token,
            agentgw,
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
            model,
            agentgw: self.agentgw.clone(),
            token: &self.token,
            options,
            version,
        }
    }

    pub fn http(&self) -> Result<crate::gateway::Http> {
        crate::gateway::Http::new(self.profile.ca_file.as_deref())
    }
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

/// Text fit for the terminal: the token and the values of secret-looking keys (`*_TOKEN`,
/// `*_API_KEY`, `*SECRET*`, `*PASSWORD*`) replaced, line by line. For diffs of config files.
pub fn mask_secrets(text: &str, token: Option<&str>) -> String {
    let text = match token.filter(|t| !t.is_empty()) {
        Some(token) => text.replace(token, "[token]"),
        None => text.to_string(),
    };
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        out.push_str(&mask_line(line));
    }
    out
}

fn mask_line(line: &str) -> String {
    // `KEY=value`, `KEY = "value"` (TOML) and `"KEY": "value"` (JSON): the key is the last word
    // before the separator.
    let Some(sep) = line.find(['=', ':']) else {
        return line.to_string();
    };
    let key: String = line[..sep]
        .trim_end_matches([' ', '"'])
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let upper = key.to_ascii_uppercase();
    let secret = upper.contains("TOKEN")
        || upper.contains("SECRET")
        || upper.contains("PASSWORD")
        || upper.ends_with("API_KEY");
    if !secret || line[sep + 1..].trim().is_empty() {
        return line.to_string();
    }
    let newline = if line.ends_with('\n') { "\n" } else { "" };
    format!("{}{} [hidden]{newline}", &line[..sep], &line[sep..=sep])
}
