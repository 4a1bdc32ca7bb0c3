//! What `agentgw doctor` checks for Pi beyond what every agent gets: a key stored in `auth.json`
//! for the default provider (Pi uses it instead of the key command), a project's
//! `.pi/settings.json` choosing another default in this folder, and a Pi too old to ask for a
//! fresh token on every request under a short-lived sign-in.

use super::providers::PROVIDERS;
use super::{Defaults, KEY_COMMAND_PER_REQUEST_SINCE, Pi, agent_dir, stored_key};
use crate::agents::{Agent, DoctorContext, find_installed};
use crate::check::{Check, Status};
use crate::paths;

const ID: &str = "pi";

/// With OAuth, a Pi that runs the key command once per process keeps a token that expires under
/// it.
pub fn short_lived_token(cx: &DoctorContext) -> Option<Check> {
    let version = find_installed(&Pi)?.version?;
    (version < KEY_COMMAND_PER_REQUEST_SINCE).then(|| {
        Check::new(
            ID,
            "short-lived-token",
            Status::Fail,
            format!(
                "Pi {version} runs `agentgw token` once, when it starts (from \
                 {KEY_COMMAND_PER_REQUEST_SINCE} for every request), and {}: sessions longer \
                 than that fail with 401",
                cx.short_lived_sign_in()
            ),
            format!("npm install -g {}@latest", Pi.info().npm_package),
        )
    })
}

/// The checks Pi's own files call for in the current folder.
pub fn checks() -> Vec<Check> {
    let mut checks = Vec::new();
    let Ok(Some(defaults)) = Defaults::read() else {
        return checks;
    };
    let ours = PROVIDERS.iter().any(|p| p.id == defaults.provider);
    if ours && stored_key(&defaults.provider).unwrap_or(false) {
        let auth = agent_dir().map(|d| paths::display(&d.join("auth.json")));
        let auth = auth.unwrap_or_else(|_| "auth.json".to_string());
        checks.push(Check::new(
            ID,
            "stored-key",
            Status::Fail,
            format!(
                "{auth} holds a credential for provider {}, which Pi uses instead of the \
                 gateway's key helper",
                defaults.provider
            ),
            format!(
                "remove the \"{0}\" entry from {auth} (in Pi: /logout {0})",
                defaults.provider
            ),
        ));
    }
    if let Ok(Some(project)) = Defaults::project_override()
        && !PROVIDERS
            .iter()
            .any(|p| p.id == project.provider || project.provider.is_empty())
    {
        checks.push(Check::new(
            ID,
            "project-settings",
            Status::Warn,
            format!(
                "{} makes Pi use {} in this folder, not the gateway",
                paths::display(&project.from),
                project.described()
            ),
            "remove defaultProvider and defaultModel from that file, or start Pi here with `agentgw exec pi`",
        ));
    }
    checks
}
