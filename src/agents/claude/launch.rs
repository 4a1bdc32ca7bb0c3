//! `agentgw exec claude`: Claude Code started with `--settings FILE` holding the gateway
//! settings. Why this shape (each point seen with 2.0.30 and 2.1.332 against a stand-in):
//!
//! - Variables in Claude's environment lose to every settings file's `env` block, so an
//!   environment-only launcher let `~/.claude/settings.json` or a project's `.claude/settings*.json`
//!   send the token to their base URL. `--settings` outranks the user, project and local files.
//! - `env` blocks merge key by key: the JSON sets `""` for `ANTHROPIC_AUTH_TOKEN` and
//!   `ANTHROPIC_API_KEY` (a lower layer's token went out instead of ours otherwise) and for every
//!   provider switch (`CLAUDE_CODE_USE_BEDROCK` in the user file sent the helper's token to its
//!   Bedrock URL).
//! - The token comes from `apiKeyHelper` = `<absolute agentgw> token --profile P`, which wins
//!   over the other layers' helpers: it is never on a command line nor in Claude's environment.
//! - Managed settings outrank `--settings`: when they send Claude elsewhere or bring a token or
//!   helper of their own, exec refuses and names the file and key.
//! - Claude reads one `--settings`: 2.1.332 the last one, 2.0.30 the first. A `--settings` of the
//!   user's is therefore merged under the gateway's keys, and one `--settings` is passed: the
//!   path of a private file holding the JSON (see `agents::exec_file`).

use super::layers::{Gateway, Layers, PROVIDER_SWITCHES, Scope, TOKEN_VARIABLES};
use crate::agents::template::{self, Vars};
use crate::agents::{Context, Launch};
use crate::edit::{Change, Format};
use anyhow::{Context as _, Result, bail};
use serde_json::{Map, Value};
use std::path::Path;

/// The command line for `claude`: one `--settings` with the gateway's keys, then the user's
/// arguments (less any `--settings` of theirs, merged in).
pub fn launch(cx: &Context, user_args: &[String]) -> Result<Launch> {
    refuse_managed_redirects(cx)?;
    let (theirs, rest) = take_settings_flag(user_args)?;
    let mut settings = theirs.unwrap_or_default();
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let layers = Layers::read(&super::settings_path()?, &cwd);
    // The user's own headers (from their --settings, else the settings files, else the shell)
    // still go out, with the gateway's header added.
    let headers = settings
        .get("env")
        .and_then(|e| e.get("ANTHROPIC_CUSTOM_HEADERS"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| layers.env("ANTHROPIC_CUSTOM_HEADERS").map(|s| s.value));
    for change in gateway_changes(cx, headers.as_deref())? {
        if let Change::Set { key, value } = change {
            set(&mut settings, &key, value);
        }
    }
    if !telemetry_stays_with_the_profile(cx, &settings, &layers) {
        settings.insert("otelHeadersHelper".into(), Value::String(String::new()));
    }
    for name in TOKEN_VARIABLES.iter().chain(&PROVIDER_SWITCHES) {
        set(
            &mut settings,
            &["env".to_string(), name.to_string()],
            Value::String(String::new()),
        );
    }
    let file = crate::agents::exec_file("claude-settings", &Value::Object(settings).to_string())?;
    let mut args = vec![
        "--settings".to_string(),
        file.to_string_lossy().into_owned(),
    ];
    args.extend(rest);
    Ok(Launch {
        args,
        env: Vec::new(),
        // Cancelled in --settings as well; gone from the environment, nothing of them is left
        // for the tools Claude runs.
        env_remove: TOKEN_VARIABLES.iter().map(|v| v.to_string()).collect(),
        relay: None,
    })
}

/// Claude sends what `otelHeadersHelper` prints with every telemetry export, and agentgw's
/// helper (`agentgw otel-headers`) prints the profile's token: false when that helper would
/// send it to an endpoint off the profile's workspace (a collector of the user's, or OTLP's
/// default, localhost:4318). Exec then gives the helper "" for the run: the exports carry no
/// token (seen with 2.1.332: none are sent at all).
fn telemetry_stays_with_the_profile(cx: &Context, flag: &Settings, layers: &Layers) -> bool {
    let value = |name: &str| {
        flag.get("env")
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| layers.env(name).map(|s| s.value))
            .filter(|v| !v.is_empty())
    };
    let helper = flag
        .get("otelHeadersHelper")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| layers.top("otelHeadersHelper").map(|s| s.value));
    if !helper.is_some_and(|h| super::is_agentgw_otel_helper(&h)) {
        return true;
    }
    let generic = value("OTEL_EXPORTER_OTLP_ENDPOINT");
    ["METRICS", "LOGS"].iter().all(|signal| {
        value(&format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"))
            .or_else(|| generic.clone())
            .is_some_and(|url| crate::gateway::is_ours(&url, &cx.gateway, &cx.host))
    })
}

/// The keys `agentgw setup claude` writes (the same template), for this run.
fn gateway_changes(cx: &Context, headers: Option<&str>) -> Result<Vec<Change>> {
    let agentgw = cx.agentgw.to_string_lossy();
    let mut vars = Vars::default();
    vars.set(
        "gateway_base",
        crate::agents::gateway_base(&super::Claude, &cx.gateway, cx.profile),
    )
    .set("model", cx.model.as_str())
    .set("opus_model", cx.aliases.opus.as_str())
    .set("sonnet_model", cx.aliases.sonnet.as_str())
    .set("haiku_model", cx.aliases.haiku.as_str())
    .set("custom_headers", super::with_coding_agent_header(headers))
    .set(
        "token_command",
        crate::agents::shell_command(&[&agentgw, "token", "--profile", &cx.profile.name]),
    )
    .set("helper_ttl_ms", super::helper_ttl_ms(cx));
    template::changes(Format::Json, super::SETTINGS, &vars)
}

fn set(settings: &mut Map<String, Value>, key: &[String], value: Value) {
    let Some((last, parents)) = key.split_last() else {
        return;
    };
    let mut here = settings;
    for part in parents {
        let entry = here
            .entry(part.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        here = entry.as_object_mut().expect("made an object above");
    }
    here.insert(last.clone(), value);
}

/// Managed settings outrank `--settings`: exec cannot make the gateway win over them.
fn refuse_managed_redirects(cx: &Context) -> Result<()> {
    let gateway = Gateway {
        gateway: &cx.gateway,
        host: &cx.host,
        profile: &cx.profile.name,
    };
    let found = Layers::managed().findings(&gateway, &[Scope::Managed]);
    if found.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = found
        .iter()
        .map(|f| format!("  {}: {} {}", f.at.source.shown(), f.at.key, f.what))
        .collect();
    bail!(
        "not starting Claude Code: managed settings outrank the gateway settings `agentgw exec` gives it, and\n{}\n\
         Ask the admin who manages this machine to remove {} (agentgw cannot change managed settings).",
        lines.join("\n"),
        if found.len() == 1 { "it" } else { "them" }
    )
}

/// A Claude Code settings object.
type Settings = Map<String, Value>;

/// Splits a `--settings FILE-OR-JSON` (or `--settings=...`) off the user's arguments and reads
/// it; arguments after `--` are left alone.
fn take_settings_flag(args: &[String]) -> Result<(Option<Settings>, Vec<String>)> {
    let mut settings = None;
    let mut rest = Vec::with_capacity(args.len());
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            rest.push(word.clone());
            rest.extend(words.by_ref().cloned());
            break;
        }
        let value = match word.strip_prefix("--settings") {
            Some("") => Some(
                words
                    .next()
                    .context("--settings needs a value: a JSON object or a file holding one")?
                    .clone(),
            ),
            Some(v) if v.starts_with('=') => Some(v[1..].to_string()),
            _ => None,
        };
        match value {
            Some(v) => settings = Some(read_settings(&v)?),
            None => rest.push(word.clone()),
        }
    }
    Ok((settings, rest))
}

/// A `--settings` value as Claude reads it: a JSON object, or the path of a file holding one.
fn read_settings(value: &str) -> Result<Map<String, Value>> {
    let (text, what) = if value.trim_start().starts_with('{') {
        (value.to_string(), "--settings".to_string())
    } else {
        let text = std::fs::read_to_string(Path::new(value))
            .with_context(|| format!("--settings {value}: cannot read the file"))?;
        (text, format!("--settings {value}"))
    };
    match serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => bail!("{what}: not a JSON object"),
        Err(e) => bail!("{what}: not valid JSON ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_settings_flag_of_the_users_is_taken_out_and_read() {
        let (found, rest) = take_settings_flag(&strings(&[
            "-p",
            "hi",
            "--settings",
            r#"{"model": "x"}"#,
            "--verbose",
        ]))
        .unwrap();
        assert_eq!(found.unwrap()["model"], "x");
        assert_eq!(rest, strings(&["-p", "hi", "--verbose"]));
        let (found, rest) =
            take_settings_flag(&strings(&["--settings={}", "--", "--settings", "x"])).unwrap();
        assert!(found.unwrap().is_empty());
        assert_eq!(rest, strings(&["--", "--settings", "x"]));
        let err = take_settings_flag(&strings(&["--settings", "[1]"])).unwrap_err();
        assert!(format!("{err:#}").contains("--settings [1]: cannot read the file"));
        let err = take_settings_flag(&strings(&["--settings", "{nope"])).unwrap_err();
        assert!(format!("{err:#}").starts_with("--settings: not valid JSON"));
    }

    #[test]
    fn nested_keys_are_set_through_non_objects() {
        let mut map = Map::new();
        map.insert("env".into(), Value::String("odd".into()));
        set(&mut map, &strings(&["env", "A"]), Value::String("1".into()));
        assert_eq!(Value::Object(map), serde_json::json!({"env": {"A": "1"}}));
    }
}
