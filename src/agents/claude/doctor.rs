//! What `agentgw doctor` checks for Claude Code beyond what every agent gets: the settings
//! layers that outrank the user file, a token left in settings.json under a short-lived sign-in,
//! the models behind its aliases, and the telemetry export.

use super::layers::{self, Gateway, Layers, Scope, Source};
use super::{ID, TelemetryTarget, is_agentgw_otel_helper, telemetry_targets};
use crate::agents::{Configured, DoctorContext, read_string};
use crate::check::{Check, Status};
use crate::edit::Format;
use crate::models::Tier;
use crate::{gateway, otel, paths};
use std::path::Path;

pub const OVERRIDING_VARIABLES: &[(&str, &str)] = &[
    ("ANTHROPIC_API_KEY", "outranks Claude Code's apiKeyHelper"),
    (
        "ANTHROPIC_AUTH_TOKEN",
        "outranks Claude Code's apiKeyHelper",
    ),
    (
        "ANTHROPIC_BASE_URL",
        "points Claude Code elsewhere wherever settings.json does not set it",
    ),
];

/// Where `--inline-token` puts the token in settings.json.
pub const INLINE_TOKEN_KEY: &[&str] = &["env", "ANTHROPIC_AUTH_TOKEN"];

/// A token in settings.json outranks the key helper, and with OAuth it expires within the hour.
pub fn short_lived_token(cx: &DoctorContext, configured: &Configured) -> Option<Check> {
    read_string(&configured.file, Format::Json, INLINE_TOKEN_KEY).filter(|v| !v.is_empty())?;
    Some(Check::new(
        ID,
        "short-lived-token",
        Status::Fail,
        format!(
            "{}: env.ANTHROPIC_AUTH_TOKEN holds a token, which Claude Code uses instead of the key helper; \
             {}, so Claude Code gets 401 once it has",
            paths::display(&configured.file),
            cx.short_lived_sign_in()
        ),
        format!("agentgw setup {ID}"),
    ))
}

/// The models `settings` puts behind Claude Code's aliases, with where each is set.
pub fn alias_models(settings: &Path) -> Vec<(String, String)> {
    let keys: Vec<[&str; 2]> = Tier::ALL.iter().map(|t| ["env", t.variable()]).collect();
    let keys: Vec<&[&str]> = keys.iter().map(|k| k.as_slice()).collect();
    let values = crate::agents::read_strings(settings, Format::Json, &keys).unwrap_or_default();
    Tier::ALL
        .iter()
        .zip(values)
        .filter_map(|(tier, value)| {
            let from = format!("{}: env.{}", paths::display(settings), tier.variable());
            value.filter(|v| !v.is_empty()).map(|v| (v, from))
        })
        .collect()
}

/// Every settings layer Claude Code reads besides the user file agentgw manages (managed, this
/// folder's project and local files): each value in them that takes Claude Code off the
/// profile's gateway, or gives it another token, fails with its file and key. (The user file's
/// own base URL, token and helper have their checks in doctor; a settings.json with comments
/// fails before it gets here.)
pub fn settings_layers(cx: &DoctorContext, settings: &Path) -> Vec<Check> {
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let layers = Layers::read(settings, &cwd);
    let gateway = Gateway {
        gateway: &cx.gateway,
        host: &cx.host,
        profile: cx.profile,
    };
    let all = [
        Scope::Managed,
        Scope::RepositoryLocal,
        Scope::Local,
        Scope::Project,
        Scope::User,
    ];
    let user_file = paths::display(settings);
    let mut checks: Vec<Check> = layers
        .findings(&gateway, &all)
        .into_iter()
        .filter(|f| {
            // The user file's base URL, token and helper: the config, inline-token and helper
            // checks; here only what they do not see.
            f.at.source.scope() != Some(Scope::User)
                || !matches!(
                    f.at.key.as_str(),
                    "env.ANTHROPIC_BASE_URL" | "env.ANTHROPIC_AUTH_TOKEN" | "apiKeyHelper"
                )
        })
        .map(|f| {
            let file = f.at.source.shown();
            let key = &f.at.key;
            let (outranks, fix) = match f.at.source.scope() {
                Some(Scope::Managed) => (
                    format!(" (managed settings outrank {user_file} and `agentgw exec claude`)"),
                    format!(
                        "ask the admin who manages this machine to remove {key} from {file}; agentgw cannot change managed settings"
                    ),
                ),
                Some(Scope::User) => (
                    String::new(),
                    format!(
                        "remove {key} from {file} (`agentgw exec claude` overrides it for one run)"
                    ),
                ),
                _ => (
                    format!(" (it outranks {user_file} in this folder)"),
                    format!(
                        "remove {key} from {file}, or start Claude Code here with `agentgw exec claude` (the gateway settings win for that run)"
                    ),
                ),
            };
            Check::new(
                ID,
                "settings-layer",
                Status::Fail,
                format!("{file}: {key} {}{outranks}", f.what),
                fix,
            )
        })
        .collect();
    // Exported in the shell, a provider switch is on unless a settings file turns it off.
    for name in layers::PROVIDER_SWITCHES {
        if let Some(switch) = layers
            .env(name)
            .filter(|s| s.source == Source::Environment && layers::switched_on(&s.value))
        {
            checks.push(Check::new(
                ID,
                "settings-layer",
                Status::Fail,
                format!(
                    "{} is set in this shell: it sends Claude Code to another provider instead of the gateway",
                    switch.key
                ),
                format!(
                    "unset {name} (and remove its export from your shell startup files); `agentgw exec claude` overrides it for one run"
                ),
            ));
        }
    }
    for (layer, why) in layers.skipped().filter(|(l, _)| l.scope != Scope::User) {
        checks.push(Check::new(
            ID,
            "settings-layer",
            Status::Warn,
            format!(
                "Claude Code ignores {} ({}): {why}",
                paths::display(&layer.path),
                layer.scope.word()
            ),
            "make it strict JSON: remove the comments and trailing commas",
        ));
    }
    if checks.is_empty() {
        checks.push(Check::ok(
            ID,
            "settings-layer",
            "no managed, project or local settings here take Claude Code off the gateway or bring their own token",
        ));
    }
    checks
}

/// Claude's telemetry: each signal's export, sent empty to the same endpoint and table, must be
/// accepted (the same check as `agentgw otel check`).
pub fn telemetry(cx: &DoctorContext, settings: &Path) -> Vec<Check> {
    let targets = telemetry_targets(settings);
    if targets.is_empty() {
        return Vec::new();
    }
    let Some(token) = cx.token else {
        return Vec::new(); // the gateway check already says how to log in
    };
    let http = match gateway::Http::new(cx.ca_file) {
        Ok(http) => http,
        Err(e) => return vec![Check::failed(ID, "telemetry", &format!("{e:#}"))],
    };
    // agentgw's helper hands Claude the profile's token for every export, wherever it goes.
    let file = paths::display(settings);
    let agentgw_helper = read_string(settings, Format::Json, &["otelHeadersHelper"])
        .is_some_and(|h| is_agentgw_otel_helper(&h))
        .then_some(file.as_str());
    std::thread::scope(|scope| {
        let running: Vec<_> = targets
            .iter()
            .map(|target| scope.spawn(|| ingest_check(target, &http, token, cx, agentgw_helper)))
            .collect();
        running
            .into_iter()
            .map(|t| t.join().expect("a telemetry check panicked"))
            .collect()
    })
}

/// One signal's telemetry export, sent empty to the endpoint and table Claude is set up with.
/// `agentgw_helper`: the settings file, when its otelHeadersHelper is agentgw's.
fn ingest_check(
    target: &TelemetryTarget,
    http: &gateway::Http,
    token: &str,
    cx: &DoctorContext,
    agentgw_helper: Option<&str>,
) -> Check {
    let (host, profile) = (cx.host.as_str(), cx.profile);
    let id = format!("telemetry-{}", target.signal.path());
    // Like the gateway check: the token goes only to this profile's workspace.
    if let Some(file) = agentgw_helper
        && !gateway::is_ours(&target.endpoint, host, host)
    {
        let tables = target
            .table
            .strip_suffix(&format!("_otel_{}", target.signal.path()))
            .filter(|spec| otel::Tables::parse(spec, "the table header").is_ok())
            .unwrap_or("CATALOG.SCHEMA.PREFIX");
        return Check::new(
            ID,
            &id,
            Status::Fail,
            format!(
                "{} telemetry goes to {} with the token of profile '{profile}' (otelHeadersHelper in {file} runs `agentgw otel-headers`)",
                target.signal.path(),
                crate::urls::redact_userinfo(&target.endpoint)
            ),
            format!(
                "agentgw setup claude --otel-tables {tables} (or remove otelHeadersHelper from {file})"
            ),
        );
    }
    if !gateway::is_ours(&target.endpoint, host, host) {
        return Check::new(
            ID,
            &id,
            Status::Warn,
            format!(
                "{} telemetry goes to {}, not this profile's workspace; not checked",
                target.signal.path(),
                target.endpoint
            ),
            "agentgw setup claude --otel-tables CATALOG.SCHEMA.PREFIX",
        );
    }
    match otel::check_ingest(http, &target.endpoint, token, &target.table) {
        Ok(_) => Check::ok(
            ID,
            &id,
            format!(
                "{} telemetry to {} is accepted",
                target.signal.path(),
                target.table
            ),
        ),
        Err(e) => {
            let tables = target
                .table
                .strip_suffix(&format!("_otel_{}", target.signal.path()))
                .and_then(|spec| otel::Tables::parse(spec, "the table header").ok());
            let explained =
                otel::explain_ingest_failure(&e, &target.table, tables.as_ref(), profile);
            Check::failed(
                ID,
                &id,
                &format!("{} telemetry: {explained}", target.signal.path()),
            )
        }
    }
}
