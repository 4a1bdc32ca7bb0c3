//! Claude Code: `$CLAUDE_CONFIG_DIR/settings.json` (default `~/.claude/settings.json`).
//! The token comes from `apiKeyHelper` (agentgw token), so the file holds no secret.

use super::template::{self, Vars};
use super::{
    Agent, AgentInfo, Configured, Context, FileSpec, Setup, Version, gateway_base, shell_command,
};
use crate::edit::{Change, Format};
use crate::gateway::Wire;
use crate::otel::Signal;
use anyhow::Result;
use serde_json::Value;

const SETTINGS: &str = include_str!("../../templates/claude/settings.json");
const OTEL: &str = include_str!("../../templates/claude/otel.json");
pub const CODING_AGENT_HEADER: &str = "x-databricks-use-coding-agent-mode: true";

pub struct Claude;

impl Agent for Claude {
    fn info(&self) -> &'static AgentInfo {
        &AgentInfo {
            id: "claude",
            name: "Claude Code",
            program: "claude",
            default_model: "databricks-claude-opus-4-6",
            default_base_path: "/anthropic",
            wire: Wire::Anthropic,
            supported: (Version(2, 0, 30), Version(2, 1, 332)),
            npm_package: "@anthropic-ai/claude-code",
        }
    }

    fn configured(&self) -> Result<Option<Configured>> {
        let env = |k| ["env", k];
        Configured::read(
            settings_path()?,
            Format::Json,
            &env("ANTHROPIC_BASE_URL"),
            &env("ANTHROPIC_MODEL"),
        )
    }

    fn token_helper(&self) -> Result<Option<Vec<String>>> {
        let helper =
            super::read_strings(&settings_path()?, Format::Json, &[&["apiKeyHelper"]])?.remove(0);
        // Claude Code runs the helper through the shell.
        Ok(helper.map(|h| vec!["sh".to_string(), "-c".to_string(), h]))
    }

    fn token_supply(&self) -> Result<String> {
        let path = settings_path()?;
        let values = super::read_strings(
            &path,
            Format::Json,
            &[&["apiKeyHelper"], &["env", "ANTHROPIC_AUTH_TOKEN"]],
        )?;
        // The shell's variables outrank both settings (docs), so they come first.
        Ok(
            match (
                super::env_var_set(&["ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"]),
                &values[0],
                &values[1],
            ) {
                (Some(var), _, _) => {
                    format!("environment ({var}, which outranks the settings file)")
                }
                (None, _, Some(_)) => format!("inline in {}", crate::paths::display(&path)),
                (None, Some(helper), None) => super::describe_helper(helper),
                (None, None, None) => "none (start it with `agentgw exec claude`)".to_string(),
            },
        )
    }

    fn setup(&self, cx: &Context) -> Result<Setup> {
        let path = settings_path()?;
        let existing_headers = current_custom_headers(&path);
        let agentgw = cx.agentgw.to_string_lossy();
        let mut vars = Vars::default();
        vars.set("gateway_base", gateway_base(self, &cx.gateway, cx.profile))
            .set("model", cx.model.as_str())
            .set(
                "custom_headers",
                with_coding_agent_header(existing_headers.as_deref()),
            )
            .set(
                "token_command",
                shell_command(&[&agentgw, "token", "--profile", &cx.profile.name]),
            )
            .set(
                "otel_headers_command",
                shell_command(&[&agentgw, "otel-headers", "--profile", &cx.profile.name]),
            )
            .set("host", cx.host.as_str());
        let mut changes = template::changes(Format::Json, SETTINGS, &vars)?;
        let mut notes = Vec::new();
        let mut warnings = Vec::new();
        if has_comments_or_trailing_commas(&path) {
            warnings.push(format!(
                "{} has comments or trailing commas: Claude Code (2.1.332 seen) rejects such a file as \
                 malformed and ignores ALL of it, agentgw's settings included. Remove them (agentgw keeps them as they are).",
                crate::paths::display(&path)
            ));
        }
        // Each choice also undoes the other one, so switching between runs leaves one mode only.
        if cx.options.keep_experimental_betas {
            let betas = ["env", "CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS"];
            changes.retain(|c| !is_key(c, &betas));
            changes.push(Change::Remove { key: key(&betas) });
        }
        // A token in settings.json outranks apiKeyHelper: drop any (an old vendor recipe wrote one),
        // unless the user asked for exactly that.
        if cx.options.inline_token {
            changes.retain(|c| !is_key(c, &["apiKeyHelper"]));
            changes.push(Change::Remove {
                key: key(&["apiKeyHelper"]),
            });
            changes.push(set(&["env", "ANTHROPIC_AUTH_TOKEN"], cx.token));
            notes.push(format!(
                "{} holds the token in plaintext (--inline-token); it is readable by you alone (0600).",
                crate::paths::display(&path)
            ));
        } else {
            changes.push(Change::Remove {
                key: key(&["env", "ANTHROPIC_AUTH_TOKEN"]),
            });
        }
        if let Some(tables) = &cx.options.otel_tables {
            vars.set("otel_metrics_table", tables.table(Signal::Metrics))
                .set("otel_logs_table", tables.table(Signal::Logs));
            changes.extend(template::changes(Format::Json, OTEL, &vars)?);
        }
        let token_key = cx
            .options
            .inline_token
            .then(|| key(&["env", "ANTHROPIC_AUTH_TOKEN"]));
        Ok(Setup {
            files: vec![FileSpec {
                path,
                format: Format::Json,
                changes,
                token_key,
            }],
            notes,
            warnings,
        })
    }

    fn exec_env(&self, cx: &Context) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "ANTHROPIC_BASE_URL".to_string(),
                gateway_base(self, &cx.gateway, cx.profile),
            ),
            ("ANTHROPIC_MODEL".to_string(), cx.model.clone()),
            ("ANTHROPIC_AUTH_TOKEN".to_string(), cx.token.to_string()),
            (
                "ANTHROPIC_CUSTOM_HEADERS".to_string(),
                with_coding_agent_header(std::env::var("ANTHROPIC_CUSTOM_HEADERS").ok().as_deref()),
            ),
        ];
        if !cx.options.keep_experimental_betas {
            env.push((
                "CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS".to_string(),
                "1".to_string(),
            ));
        }
        env
    }
}

fn settings_path() -> Result<std::path::PathBuf> {
    Ok(super::config_dir("CLAUDE_CONFIG_DIR", ".claude")?.join("settings.json"))
}

/// `ANTHROPIC_CUSTOM_HEADERS` is newline-separated `Name: Value` lines: add the gateway's header
/// to the user's own instead of replacing them.
fn with_coding_agent_header(existing: Option<&str>) -> String {
    let existing = existing.unwrap_or("").trim_end_matches('\n');
    let name = CODING_AGENT_HEADER.split(':').next().unwrap_or_default();
    let present = existing.lines().any(|l| {
        l.split(':')
            .next()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
    });
    match (existing.is_empty(), present) {
        (true, _) => CODING_AGENT_HEADER.to_string(),
        (false, true) => existing.to_string(),
        (false, false) => format!("{existing}\n{CODING_AGENT_HEADER}"),
    }
}

/// Where a Claude Code settings file sends one telemetry signal: the OTLP endpoint and the Unity
/// Catalog table named in that signal's `X-Databricks-UC-Table-Name` header.
pub struct TelemetryTarget {
    pub signal: Signal,
    pub endpoint: String,
    pub table: String,
}

/// The telemetry targets set in `settings` (none when telemetry is not set up there).
pub fn telemetry_targets(settings: &std::path::Path) -> Vec<TelemetryTarget> {
    let mut targets = Vec::new();
    for signal in Signal::BOTH {
        let upper = signal.path().to_uppercase();
        let endpoint = format!("OTEL_EXPORTER_OTLP_{upper}_ENDPOINT");
        let headers = format!("OTEL_EXPORTER_OTLP_{upper}_HEADERS");
        let Ok(values) = super::read_strings(
            settings,
            Format::Json,
            &[&["env", &endpoint], &["env", &headers]],
        ) else {
            continue;
        };
        if let [Some(endpoint), Some(headers)] = values.as_slice()
            && let Some(table) = table_header(headers)
        {
            targets.push(TelemetryTarget {
                signal,
                endpoint: endpoint.clone(),
                table,
            });
        }
    }
    targets
}

/// The table of an OTEL `k=v,k=v` header list.
fn table_header(headers: &str) -> Option<String> {
    headers.split(',').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("X-Databricks-UC-Table-Name")
            .then(|| value.trim().to_string())
    })
}

/// True when the file parses only as JSON-with-comments: strict JSON is what Claude Code loads.
pub fn has_comments_or_trailing_commas(path: &std::path::Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let text = text.trim_start_matches('\u{feff}');
    serde_json::from_str::<Value>(text).is_err()
        && jsonc_parser::parse_to_serde_value::<Value>(text, &jsonc_parser::ParseOptions::default())
            .is_ok()
}

/// The user's current `env.ANTHROPIC_CUSTOM_HEADERS`, if the file parses (if it does not, the
/// plan refuses the file with its line and column anyway).
fn current_custom_headers(path: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let options = jsonc_parser::ParseOptions::default();
    let value: Value =
        jsonc_parser::parse_to_serde_value(text.trim_start_matches('\u{feff}'), &options).ok()?;
    value
        .get("env")?
        .get("ANTHROPIC_CUSTOM_HEADERS")?
        .as_str()
        .map(str::to_string)
}

fn key(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

fn set(parts: &[&str], value: &str) -> Change {
    Change::Set {
        key: key(parts),
        value: Value::String(value.to_string()),
    }
}

fn is_key(change: &Change, parts: &[&str]) -> bool {
    match change {
        Change::Set { key: k, .. } | Change::Remove { key: k } => {
            k.iter().map(String::as_str).eq(parts.iter().copied())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coding_agent_header_joins_existing_headers_once() {
        assert_eq!(with_coding_agent_header(None), CODING_AGENT_HEADER);
        assert_eq!(
            with_coding_agent_header(Some("X-Team: a")),
            format!("X-Team: a\n{CODING_AGENT_HEADER}")
        );
        let both = format!("X-Team: a\n{CODING_AGENT_HEADER}");
        assert_eq!(with_coding_agent_header(Some(&both)), both);
    }
}
