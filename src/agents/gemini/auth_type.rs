//! `agentgw exec gemini` checks the auth type Gemini CLI will use before starting it. Gemini
//! sends `GEMINI_API_KEY` only when its settings say `security.auth.selectedType =
//! "gemini-api-key"` (what `agentgw setup gemini` writes), and no environment variable can say so
//! for one run. Seen with 0.61.0: with none set, Gemini takes `GOOGLE_GEMINI_BASE_URL` to mean a
//! "gateway" auth type that its own headless check refuses ("Invalid auth method selected.", exit
//! 41); with a user's own choice (`oauth-personal`, say) the run would go to Google, not to the
//! gateway. (A private copy of the system settings, which outrank the others, is no way out:
//! 0.61.0 skips a system settings file that is not owned by root, in folders only root can write.)
//!
//! Gemini's layers, highest first: system settings, the working folder's `.gemini/settings.json`
//! (not in the home folder; exec trusts the folder), the user's `~/.gemini/settings.json`, system
//! defaults.

use anyhow::{Result, bail};
use serde_json::Value;
use std::path::{Path, PathBuf};

const AUTH_TYPE: &str = "gemini-api-key";

/// Fails, naming the file and key and the fix, when Gemini CLI would not use the gateway's key.
pub fn check(user_settings: &Path) -> Result<()> {
    let (system, defaults) = system_paths();
    let cwd = std::env::current_dir().unwrap_or_default();
    let workspace = (Some(cwd.as_path()) != dirs::home_dir().as_deref())
        .then(|| cwd.join(".gemini/settings.json"));
    let layers: Vec<PathBuf> = [
        Some(system.clone()),
        workspace,
        Some(user_settings.into()),
        Some(defaults),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(enforced) = auth_value(&system, "enforcedType").filter(|t| t != AUTH_TYPE) {
        bail!(
            "not starting Gemini CLI: {}: security.auth.enforcedType is \"{enforced}\", so Gemini may not use \
             the gateway's key.\nAsk the admin who manages this machine (agentgw does not override system settings).",
            system.display()
        );
    }
    let chosen = layers
        .iter()
        .find_map(|file| auth_value(file, "selectedType").map(|t| (file, t)));
    let setup = "agentgw setup gemini --no-token-file";
    match chosen {
        Some((_, kind)) if kind == AUTH_TYPE => Ok(()),
        Some((file, kind)) if file.as_path() == user_settings => bail!(
            "not starting Gemini CLI: {}: security.auth.selectedType is \"{kind}\", so Gemini would not use the \
             gateway's key.\nSwitch it with `{setup}` (it writes \"{AUTH_TYPE}\" there, and no token), then run \
             `agentgw exec gemini` again.",
            crate::paths::display(file)
        ),
        Some((file, kind)) => bail!(
            "not starting Gemini CLI: {}: security.auth.selectedType is \"{kind}\", and it outranks your settings, \
             so Gemini would not use the gateway's key.\nSet it to \"{AUTH_TYPE}\" there (or remove it), then run \
             `agentgw exec gemini` again.",
            crate::paths::display(file)
        ),
        None => bail!(
            "not starting Gemini CLI: no settings file chooses its auth type (security.auth.selectedType), and \
             without \"{AUTH_TYPE}\" Gemini CLI does not send the gateway's key (0.61.0 refuses to run).\n\
             Run once: {setup} (it writes that setting to {} and no token), then `agentgw exec gemini` again.",
            crate::paths::display(user_settings)
        ),
    }
}

/// Gemini CLI's system settings and system defaults files.
fn system_paths() -> (PathBuf, PathBuf) {
    let system = match std::env::var_os("GEMINI_CLI_SYSTEM_SETTINGS_PATH").filter(|p| !p.is_empty())
    {
        Some(path) => PathBuf::from(path),
        None if cfg!(target_os = "macos") => {
            PathBuf::from("/Library/Application Support/GeminiCli/settings.json")
        }
        None if cfg!(windows) => PathBuf::from(r"C:\ProgramData\gemini-cli\settings.json"),
        None => PathBuf::from("/etc/gemini-cli/settings.json"),
    };
    let defaults =
        match std::env::var_os("GEMINI_CLI_SYSTEM_DEFAULTS_PATH").filter(|p| !p.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => system.with_file_name("system-defaults.json"),
        };
    (system, defaults)
}

/// `security.auth.<key>` in the settings file at `path` (JSON with comments, as Gemini reads
/// it), when it is a string; a missing or unreadable file sets nothing.
fn auth_value(path: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let options = jsonc_parser::ParseOptions::default();
    let settings: Value =
        jsonc_parser::parse_to_serde_value(text.trim_start_matches('\u{feff}'), &options).ok()?;
    settings
        .get("security")?
        .get("auth")?
        .get(key)?
        .as_str()
        .map(str::to_string)
}
