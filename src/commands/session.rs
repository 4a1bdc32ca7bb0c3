//! What the agent commands share: the logged-in profile and its token, and an agent's context.

use crate::agents::{self, Context, SetupOptions};
use crate::credential::TokenSource;
use crate::errors::{Classified, Kind};
use crate::profile::{self, Config, Profile};
use crate::{credential, paths};
use anyhow::{Context as _, Result};
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
        let stored = credential::read(&config_dir, Some(&profile))
            .map_err(|e| Classified::explained(Kind::Credential, format!("{e:#}")))?;
        let Some((token, _)) = stored else {
            return Err(Classified::run(
                Kind::NotLoggedIn,
                format!("not logged in (profile '{name}')"),
                login,
            )
            .into());
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

/// Text fit for the terminal, for diffs of config files: the token replaced, and any line that
/// looks like it carries a credential (a key or value mentioning a token, secret, password, API
/// key, Authorization or Bearer) shown with its value hidden.
pub fn mask_secrets(text: &str, token: Option<&str>) -> String {
    let text = match token.filter(|t| !t.is_empty()) {
        Some(token) => text.replace(token, "[token]"),
        None => text.to_string(),
    };
    text.split_inclusive('\n').map(mask_line).collect()
}

/// Keys whose values name commands or variables, not secrets (agentgw's own helper settings).
const NOT_SECRET_KEYS: [&str; 5] = [
    "apiKeyHelper",
    "otelHeadersHelper",
    "env_key",
    "command",
    "args",
];
const SECRET_HINTS: [&str; 8] = [
    "token",
    "secret",
    "password",
    "api_key",
    "apikey",
    "api-key",
    "authorization",
    "bearer",
];

fn mask_line(line: &str) -> String {
    // `KEY=value`, `KEY = "value"` (TOML) and `"KEY": "value"` (JSON).
    let Some(sep) = line.find(['=', ':']) else {
        return line.to_string();
    };
    let key = line[..sep].trim_end_matches([' ', '"']);
    let key = key
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .next()
        .unwrap_or(key);
    let value = line[sep + 1..].trim();
    let lower = line.to_ascii_lowercase();
    let looks_secret = SECRET_HINTS.iter().any(|hint| lower.contains(hint));
    let structural = value.is_empty() || value == "{" || value == "[";
    if !looks_secret || structural || (NOT_SECRET_KEYS.contains(&key) && !lower.contains("bearer"))
    {
        return line.to_string();
    }
    let newline = if line.ends_with('\n') { "\n" } else { "" };
    format!("{}{} [hidden]{newline}", &line[..sep], &line[sep..=sep])
}

#[cfg(test)]
mod tests {
    use super::mask_secrets;

    #[test]
    fn credentials_in_diff_lines_are_hidden() {
        let diff = "\
+GEMINI_API_KEY=AIzaSyMINE
-    \"ANTHROPIC_CUSTOM_HEADERS\": \"Authorization: Bearer sk-ant-1\",
 openrouter = { name = \"x\", experimental_bearer_token = \"sk-or-2\" }
+    \"headers\": {\"x-api-key\": \"k3\"},
+  \"apiKeyHelper\": \"/usr/bin/agentgw token --profile default\",
+args = [\"token\", \"--profile\", \"default\"]
+    \"ANTHROPIC_BASE_URL\": \"https://ws/ai-gateway/anthropic\",
+  \"env\": {
+x dapi-agentgw-token
";
        let masked = mask_secrets(diff, Some("dapi-agentgw-token"));
        for secret in [
            "AIzaSyMINE",
            "sk-ant-1",
            "sk-or-2",
            "k3",
            "dapi-agentgw-token",
        ] {
            assert!(!masked.contains(secret), "{secret} shown:\n{masked}");
        }
        for kept in [
            "/usr/bin/agentgw token --profile default",
            "\"--profile\", \"default\"",
            "https://ws/ai-gateway/anthropic",
            "+  \"env\": {",
        ] {
            assert!(masked.contains(kept), "{kept} hidden:\n{masked}");
        }
    }
}
