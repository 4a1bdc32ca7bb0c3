//! What `agentgw doctor` checks for Codex CLI beyond what every agent gets: a token Codex reads
//! once under a short-lived sign-in, and the legacy `profile` selector newer releases refuse.

use super::{AUTH_COMMAND_SINCE, Codex, ID, PROVIDER};
use crate::agents::{Agent, Configured, DoctorContext, Version, find_installed, read_string};
use crate::check::{Check, Status};
use crate::edit::Format;
use crate::paths;
use std::path::Path;

pub const OVERRIDING_VARIABLES: &[(&str, &str)] = &[
    (
        "OPENAI_BASE_URL",
        "points Codex's built-in OpenAI provider elsewhere",
    ),
    (
        "OPENAI_API_KEY",
        "is used by Codex's built-in OpenAI provider, not the gateway",
    ),
];

/// The first Codex release that refuses a `profile = "..."` selector in config.toml.
const REFUSES_PROFILE_SELECTOR: Version = Version(0, 134, 0);

/// A provider that takes its token from a variable or the file reads it once, when Codex starts:
/// with OAuth it expires within the hour, mid-session. (Setup writes the `auth` command, which
/// Codex runs again; older releases cannot run it.)
pub fn short_lived_token(cx: &DoctorContext, configured: &Configured) -> Option<Check> {
    let read = |field| {
        read_string(
            &configured.file,
            Format::Toml,
            &["model_providers", PROVIDER, field],
        )
        .filter(|v| !v.is_empty())
    };
    let source = [
        ("env_key", "the environment variable in env_key"),
        ("experimental_bearer_token", "experimental_bearer_token"),
    ]
    .into_iter()
    .find(|(field, _)| read(field).is_some())?
    .1;
    let old = find_installed(&Codex)
        .and_then(|i| i.version)
        .is_some_and(|v| v < AUTH_COMMAND_SINCE);
    let fix = format!("agentgw setup {ID}");
    Some(Check::new(
        ID,
        "short-lived-token",
        Status::Fail,
        format!(
            "{}: Codex takes the token from {source}, once, when it starts; {}, so longer sessions fail with 401",
            paths::display(&configured.file),
            cx.short_lived_sign_in()
        ),
        match old {
            true => format!(
                "npm install -g {}@latest, then {fix}",
                Codex.info().npm_package
            ),
            false => fix,
        },
    ))
}

/// The `profile = "..."` selector an old Databricks recipe wrote: Codex 0.134.0 and newer refuse
/// to start with it.
pub fn legacy_profile(config: &Path) -> Vec<Check> {
    let read = |key: &[&str]| read_string(config, Format::Toml, key);
    let Some(name) = read(&["profile"]) else {
        return Vec::new();
    };
    let version = find_installed(&Codex).and_then(|i| i.version);
    let status = match version {
        Some(v) if v < REFUSES_PROFILE_SELECTOR => return Vec::new(),
        Some(_) => Status::Fail,
        None => Status::Warn,
    };
    let ours = read(&["profiles", &name, "model_provider"]).is_some_and(|p| p == PROVIDER);
    let fix = if ours {
        "agentgw setup codex --yes (it removes the old Databricks recipe's selector)".to_string()
    } else {
        format!(
            "move [profiles.{name}] to {name}.config.toml, delete the `profile` line, and start Codex with `codex --profile {name}`"
        )
    };
    vec![Check::new(
        ID,
        "legacy-profile",
        status,
        format!(
            "{} selects `profile = \"{name}\"`: Codex {REFUSES_PROFILE_SELECTOR} and newer refuse to start",
            paths::display(config)
        ),
        fix,
    )]
}
