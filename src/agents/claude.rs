//! Claude Code: `$CLAUDE_CONFIG_DIR/settings.json` (default `~/.claude/settings.json`).
//! The token comes from `apiKeyHelper` (agentgw token), so the file holds no secret. What Claude
//! really uses is read through all its settings layers (`layers`); `agentgw exec claude` makes
//! the gateway's settings win for one run (`launch`).

mod doctor;
mod launch;
pub mod layers;
mod telemetry_in_force;

use super::RouteSpec;
use super::template::{self, Vars};
use super::{
    Agent, AgentInfo, Configured, Context, DoctorContext, FileSpec, Launch, Setup, Version,
    gateway_base, shell_command,
};
use crate::check::Check;
use crate::edit::{Change, Format};
use crate::gateway::Wire;
use crate::otel::Signal;
use anyhow::{Result, bail};
use layers::{Layers, Scope, Source, TOKEN_VARIABLES};
use serde_json::Value;
pub use telemetry_in_force::{TelemetryDrift, drift as telemetry_drift};

const SETTINGS: &str = include_str!("../../templates/claude/settings.json");
const OTEL: &str = include_str!("../../templates/claude/otel.json");
pub const CODING_AGENT_HEADER: &str = "x-databricks-use-coding-agent-mode: true";
const ID: &str = "claude";

pub struct Claude;

impl Agent for Claude {
    fn info(&self) -> &'static AgentInfo {
        &AgentInfo {
            id: ID,
            name: "Claude Code",
            program: "claude",
            default_model: "databricks-claude-opus-4-6",
            route: Some(RouteSpec {
                agent: "claude",
                default: "/anthropic",
                candidates: &["/anthropic"],
                listing: "/v1/models",
            }),
            wire: Wire::Anthropic,
            supported: (Version(2, 0, 30), Version(2, 1, 332)),
            npm_package: "@anthropic-ai/claude-code",
        }
    }

    /// The base URL and model Claude Code uses in this folder, through every settings layer.
    fn configured(&self) -> Result<Option<Configured>> {
        let user = settings_path()?;
        let layers = read_layers(&user)?;
        if let Some((layer, why)) = layers.skipped().find(|(l, _)| l.scope == Scope::User) {
            let file = crate::paths::display(&layer.path);
            let fix = if has_comments_or_trailing_commas(&layer.path) {
                strict_json_fix(&file)
            } else {
                format!("make {file} valid JSON again (Claude Code reads none of it until then)")
            };
            bail!(
                "{file}: {why}, so Claude Code ignores the whole file, agentgw's settings included\n{fix}"
            );
        }
        let (Some(base_url), Some(model)) = (layers.base_url(), layers.model()) else {
            return Ok(None);
        };
        Ok(Some(Configured {
            file: user,
            // A user:password in the URL must never reach a message.
            base_url: crate::urls::redact_userinfo(&base_url.value),
            model: model.value,
            base_url_from: base_url.source.shown(),
            model_from: model.source.shown(),
        }))
    }

    fn token_helper(&self) -> Result<Option<Vec<String>>> {
        // Only the user file's helper, the one setup writes: doctor runs it, and a project's
        // helper is not agentgw's to run (Claude itself asks before trusting one).
        let helper =
            super::read_strings(&settings_path()?, Format::Json, &[&["apiKeyHelper"]])?.remove(0);
        // Claude Code runs the helper through the shell.
        Ok(helper.map(|h| vec!["sh".to_string(), "-c".to_string(), h]))
    }

    fn token_supply(&self) -> Result<String> {
        let user = settings_path()?;
        let layers = read_layers(&user)?;
        // A token variable outranks any helper; a settings file's value outranks the shell's,
        // and its "" cancels it.
        let token = TOKEN_VARIABLES
            .iter()
            .find_map(|var| layers.env(var).filter(|s| !s.value.is_empty()));
        Ok(match (token, layers.top("apiKeyHelper")) {
            (Some(token), _) if token.source == Source::Environment => format!(
                "environment ({}, which outranks the settings file)",
                token.key
            ),
            (Some(token), _) if token.source.scope() == Some(Scope::User) => {
                format!("inline in {}", token.source.shown())
            }
            (Some(token), _) => format!("inline in {} ({})", token.source.shown(), token.key),
            (None, Some(helper)) if helper.source.scope() == Some(Scope::User) => {
                super::describe_helper(&helper.value)
            }
            (None, Some(helper)) => format!(
                "{} (from {})",
                super::describe_helper(&helper.value),
                helper.source.shown()
            ),
            (None, None) => "none (start it with `agentgw exec claude`)".to_string(),
        })
    }

    fn setup(&self, cx: &Context) -> Result<Setup> {
        let path = settings_path()?;
        let existing_headers = current_custom_headers(&path);
        let agentgw = cx.agentgw.to_string_lossy();
        let mut vars = Vars::default();
        vars.set("gateway_base", gateway_base(self, &cx.gateway, cx.profile))
            .set("model", cx.model.as_str())
            .set("opus_model", cx.aliases.opus.as_str())
            .set("sonnet_model", cx.aliases.sonnet.as_str())
            .set("haiku_model", cx.aliases.haiku.as_str())
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
            .set("host", cx.host.as_str())
            .set("helper_ttl_ms", helper_ttl_ms(cx));
        let mut changes = template::changes(Format::Json, SETTINGS, &vars)?;
        let mut notes = Vec::new();
        let warnings = Vec::new();
        let mut problems = Vec::new();
        if has_comments_or_trailing_commas(&path) {
            let file = crate::paths::display(&path);
            problems.push(format!(
                "{file} has comments or trailing commas: Claude Code (2.1.332 seen) rejects such a file as \
                 malformed and ignores ALL of it, agentgw's settings included\n{}",
                strict_json_fix(&file)
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
            if let Some(refused) = inline_token_refusal(cx.profile) {
                bail!("{refused}");
            }
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
            let attributes = &cx.options.otel_resource_attributes;
            if !attributes.is_empty() {
                let pairs: Vec<String> =
                    attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
                changes.push(set(&["env", "OTEL_RESOURCE_ATTRIBUTES"], &pairs.join(",")));
            }
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
            problems,
        })
    }

    fn launch(&self, cx: &Context, args: &[String]) -> Result<Launch> {
        launch::launch(cx, args)
    }

    fn overriding_variables(&self) -> &'static [(&'static str, &'static str)] {
        doctor::OVERRIDING_VARIABLES
    }

    fn inline_token_key(&self) -> Option<(Format, &'static [&'static str])> {
        Some((Format::Json, doctor::INLINE_TOKEN_KEY))
    }

    fn short_lived_token_check(
        &self,
        cx: &DoctorContext,
        configured: &Configured,
    ) -> Option<Check> {
        doctor::short_lived_token(cx, configured)
    }

    fn doctor_checks(&self, cx: &DoctorContext, configured: &Configured) -> Vec<Check> {
        doctor::settings_layers(cx, &configured.file)
    }

    fn remote_checks(&self, cx: &DoctorContext, configured: &Configured) -> Vec<Check> {
        doctor::telemetry(cx, &configured.file)
    }

    fn other_models(&self, configured: &Configured) -> Vec<(String, String)> {
        doctor::alias_models(&configured.file)
    }
}

/// How long Claude Code may reuse what its key helper printed, in ms (a string: Claude's `env`
/// values must be strings). A personal access token lives until revoked: an hour saves helper
/// runs. A short-lived OAuth token: inside the helper's safety margin, so Claude asks again
/// before the token it holds expires (it also asks again after a 401).
fn helper_ttl_ms(cx: &Context) -> String {
    const PAT_HELPER_TTL_MS: u128 = 3_600_000;
    cx.helper_refresh
        .map_or(PAT_HELPER_TTL_MS, |interval| interval.as_millis())
        .to_string()
}

/// Why `--inline-token` cannot be used with this profile's sign-in, if it cannot.
pub fn inline_token_refusal(profile: &crate::profile::Profile) -> Option<String> {
    let auth = profile.auth;
    auth.is_short_lived().then(|| {
        format!(
            "--inline-token cannot be used with profile '{}': it signs in with {}, whose access tokens \
             expire within the hour, so a token written into settings.json would stop working. \
             Leave out --inline-token: Claude Code's apiKeyHelper runs `agentgw token`, which hands it a fresh one.",
            profile.name,
            auth.describe()
        )
    })
}

fn read_layers(user: &std::path::Path) -> Result<Layers> {
    let cwd = std::env::current_dir()
        .map_err(|e| anyhow::anyhow!("cannot read the current folder: {e}"))?;
    Ok(Layers::read(user, &cwd))
}

fn strict_json_fix(file: &str) -> String {
    format!(
        "remove the comments and trailing commas from {file} (agentgw never strips them itself), then run `agentgw doctor`"
    )
}

/// Whether a Claude `apiKeyHelper` command is `agentgw token` for `profile` (any agentgw path).
pub fn is_agentgw_token_helper(command: &str, profile: &str) -> bool {
    super::agentgw_helper(command).is_some_and(|h| h.command == "token" && h.profile == profile)
}

/// Whether a Claude `otelHeadersHelper` command is `agentgw otel-headers` (any agentgw path, any
/// profile): it prints a profile's token.
fn is_agentgw_otel_helper(command: &str) -> bool {
    super::agentgw_helper(command).is_some_and(|h| h.command == "otel-headers")
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
struct TelemetryTarget {
    pub signal: Signal,
    pub endpoint: String,
    pub table: String,
}

/// The telemetry targets set in `settings` (none when telemetry is not set up there).
fn telemetry_targets(settings: &std::path::Path) -> Vec<TelemetryTarget> {
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
    std::fs::read_to_string(path).is_ok_and(|text| has_comments_or_trailing_commas_in(&text))
}

/// `text` parses only as JSON-with-comments. An empty (or blank) file is not such a file: it
/// holds no settings at all.
fn has_comments_or_trailing_commas_in(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    !text.trim().is_empty()
        && serde_json::from_str::<Value>(text).is_err()
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

    #[test]
    fn blank_files_have_no_comments_but_comment_only_files_do() {
        for blank in ["", "  \n\t\n", "\u{feff}"] {
            assert!(!has_comments_or_trailing_commas_in(blank), "{blank:?}");
        }
        assert!(has_comments_or_trailing_commas_in("// nothing yet\n"));
        assert!(has_comments_or_trailing_commas_in("{\"a\": 1,}"));
        assert!(!has_comments_or_trailing_commas_in("{\"a\": 1}"));
        assert!(!has_comments_or_trailing_commas_in("{\"a\": "));
    }

    #[test]
    fn agentgws_own_helper_is_told_from_others() {
        let ours = "/opt/bin/agentgw token --profile staging";
        assert!(is_agentgw_token_helper(ours, "staging"));
        assert!(!is_agentgw_token_helper(ours, "default"));
        let spaced = shell_command(&["/My Apps/agentgw", "token", "--profile", "it's"]);
        assert!(is_agentgw_token_helper(&spaced, "it's"), "{spaced}");
        assert!(is_agentgw_token_helper("agentgw token", "default"));
        assert!(!is_agentgw_token_helper(
            "agentgw otel-headers --profile default",
            "default"
        ));
        assert!(!is_agentgw_token_helper(
            "/bin/echo agentgw token",
            "default"
        ));
        let otel = shell_command(&["/My Apps/agentgw", "otel-headers", "--profile", "x"]);
        assert!(is_agentgw_otel_helper(&otel), "{otel}");
        assert!(!is_agentgw_otel_helper(ours));
        assert!(!is_agentgw_otel_helper("/bin/echo agentgw otel-headers"));
    }
}
