//! One agent: installed and supported, its config as agentgw left it, its token helper, the
//! gateway answering its request, and the agent-specific traps (Claude's managed settings and
//! comment-refusing parser, Codex's legacy profile selector, Gemini's folder trust and `.env`
//! shadowing).

use super::profile_checks::Base;
use super::{Check, Status};
use crate::agents::{self, Agent, Configured};
use crate::edit::{self, Format, StateDir};
use crate::{gateway, paths};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HELPER_TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(agent: &dyn Agent, base: &Base, explicit: bool) -> Vec<Check> {
    let area = agent.id();
    let name = agent.name();
    let configured = match agent.configured() {
        Ok(c) => c,
        Err(e) => {
            let text = format!("{e:#}");
            let (message, fix) = text.split_once('\n').unwrap_or((&text, ""));
            return vec![Check::new(area, "config", Status::Fail, message, fix)];
        }
    };
    let Some(configured) = configured else {
        let status = if explicit { Status::Fail } else { Status::Ok };
        let fix = if explicit {
            format!("agentgw setup {area}")
        } else {
            String::new()
        };
        return vec![Check::new(
            area,
            "config",
            status,
            format!("{name} is not set up for the gateway"),
            fix,
        )];
    };
    let mut checks = vec![installed(agent)];
    checks.push(config(agent, base, &configured));
    checks.extend(helper(agent));
    checks.extend(specific(agent, &configured));
    checks.push(gateway_answers(agent, base, &configured));
    checks
}

fn installed(agent: &dyn Agent) -> Check {
    let (area, info) = (agent.id(), agent.info());
    let (oldest, newest) = info.supported;
    let upgrade = format!("npm install -g {}@latest", info.npm_package);
    match agents::find_installed(agent) {
        None => Check::new(
            area,
            "installed",
            Status::Warn,
            format!(
                "{} is set up but `{}` is not on PATH",
                info.name, info.program
            ),
            format!("npm install -g {}", info.npm_package),
        ),
        Some(i) => match i.version {
            None => Check::new(
                area,
                "installed",
                Status::Warn,
                format!("{} gives no version", i.path.display()),
                upgrade,
            ),
            Some(v) if v < oldest => Check::new(
                area,
                "installed",
                Status::Fail,
                format!(
                    "{} {v} is older than the oldest release agentgw supports ({oldest})",
                    info.name
                ),
                upgrade,
            ),
            Some(v) if v > newest => Check::new(
                area,
                "installed",
                Status::Warn,
                format!(
                    "{} {v} is newer than the newest release tested with agentgw ({newest})",
                    info.name
                ),
                format!(
                    "if it misbehaves, `agentgw test {area}` shows how; {}@{newest} is known to work",
                    info.npm_package
                ),
            ),
            Some(v) => Check::ok(
                area,
                "installed",
                format!("{} {v} (supported: {oldest} to {newest})", info.name),
            ),
        },
    }
}

/// The gateway URL it points at, and agentgw's keys the user has changed since.
fn config(agent: &dyn Agent, base: &Base, configured: &Configured) -> Check {
    let area = agent.id();
    let file = paths::display(&configured.file);
    if let Some(profile) = &base.profile
        && let Some(gateway) = profile.gateway()
    {
        let expected = agents::gateway_base(agent, &gateway, profile);
        if configured.base_url != expected {
            return Check::new(
                area,
                "config",
                Status::Warn,
                format!(
                    "{file} points at {}, not the profile's gateway {expected}",
                    configured.base_url
                ),
                format!("agentgw setup {area}"),
            );
        }
    }
    let changed: Vec<String> = crate::paths::state_dir()
        .ok()
        .and_then(|dir| edit::plan_undo(&StateDir::new(dir), area).ok())
        .into_iter()
        .flatten()
        .flat_map(|u| {
            u.kept_user_values
                .into_iter()
                .map(|k| edit::display_key(&k))
        })
        .collect();
    if changed.is_empty() {
        Check::ok(
            area,
            "config",
            format!("{file}: {} via {}", configured.model, configured.base_url),
        )
    } else {
        Check::new(
            area,
            "config",
            Status::Warn,
            format!("{file}: changed since setup: {}", changed.join(", ")),
            format!("keep your values, or put agentgw's back with: agentgw setup {area} --yes"),
        )
    }
}

/// The helper command in the config exists, runs, and prints a token (which is never shown).
fn helper(agent: &dyn Agent) -> Option<Check> {
    let area = agent.id();
    let command = match agent.token_helper() {
        Ok(Some(command)) => command,
        Ok(None) => return None,
        Err(e) => {
            return Some(Check::new(
                area,
                "helper",
                Status::Fail,
                format!("{e:#}"),
                "",
            ));
        }
    };
    let shown = match command.as_slice() {
        [sh, dash_c, script] if sh == "sh" && dash_c == "-c" => script.clone(),
        words => words.join(" "),
    };
    let fix = format!("agentgw setup {area} --yes");
    Some(match run_bounded(&command) {
        Ok(out) if out.trim().is_empty() || out.trim().contains(char::is_whitespace) => Check::new(
            area,
            "helper",
            Status::Fail,
            format!("the token helper `{shown}` printed no token"),
            "agentgw login, then agentgw setup again".to_string(),
        ),
        Ok(_) => Check::ok(area, "helper", "the token helper prints a token"),
        Err(why) => Check::new(
            area,
            "helper",
            Status::Fail,
            format!("the token helper `{shown}` {why}"),
            fix,
        ),
    })
}

/// Runs the helper with a deadline and returns its standard output.
fn run_bounded(command: &[String]) -> Result<String, String> {
    let (program, args) = command.split_first().ok_or("is empty")?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot be started: {e}"))?;
    let deadline = Instant::now() + HELPER_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(status)) => return Err(format!("failed ({status})")),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "did not finish within {} s",
                    HELPER_TIMEOUT.as_secs()
                ));
            }
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().ok_or("has no output")?, &mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn gateway_answers(agent: &dyn Agent, base: &Base, configured: &Configured) -> Check {
    let area = agent.id();
    let Some(token) = base.token() else {
        return Check::new(
            area,
            "gateway",
            Status::Fail,
            "no token to test the gateway with",
            base.login_fix(),
        );
    };
    let ca_file = base.profile.as_ref().and_then(|p| p.ca_file.as_deref());
    let result = gateway::Http::new(ca_file)
        .map_err(|e| format!("{e:#}"))
        .and_then(|http| {
            http.probe(
                agent.info().wire,
                &configured.base_url,
                &configured.model,
                token,
            )
            .map_err(|e| e.explain(&base.name))
        });
    match result {
        Ok(reply) => Check::ok(
            area,
            "gateway",
            format!(
                "the gateway answers {} in {} ms",
                configured.model,
                reply.latency.as_millis()
            ),
        ),
        Err(explained) => {
            let (message, fix) = explained.split_once('\n').unwrap_or((&explained, ""));
            Check::new(area, "gateway", Status::Fail, message, fix)
        }
    }
}

fn specific(agent: &dyn Agent, configured: &Configured) -> Vec<Check> {
    match agent.id() {
        "claude" => claude(&configured.file),
        "codex" => codex(&configured.file),
        "gemini" => gemini(&configured.file),
        _ => Vec::new(),
    }
}

fn claude(settings: &Path) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Ok(text) = std::fs::read_to_string(settings)
        && serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}')).is_err()
    {
        checks.push(Check::new(
            "claude",
            "strict-json",
            Status::Fail,
            format!(
                "{} has comments or trailing commas: Claude Code ignores the whole file",
                paths::display(settings)
            ),
            "remove the comments and trailing commas (agentgw never strips them itself)",
        ));
    }
    // Managed settings outrank the user's own: an admin's base URL or key wins over agentgw's.
    let managed = [
        PathBuf::from("/etc/claude-code/managed-settings.json"),
        PathBuf::from("/Library/Application Support/ClaudeCode/managed-settings.json"),
    ];
    let keys: [&[&str]; 4] = [
        &["env", "ANTHROPIC_BASE_URL"],
        &["env", "ANTHROPIC_AUTH_TOKEN"],
        &["env", "ANTHROPIC_MODEL"],
        &["apiKeyHelper"],
    ];
    for path in managed.iter().filter(|p| p.exists()) {
        let key_paths: Vec<Vec<String>> = keys
            .iter()
            .map(|k| k.iter().map(|s| s.to_string()).collect())
            .collect();
        let set: Vec<String> = edit::read_values(path, Format::Json, &key_paths)
            .map(|values| {
                values
                    .iter()
                    .zip(&key_paths)
                    .filter(|(v, _)| v.is_some())
                    .map(|(_, k)| edit::display_key(k))
                    .collect()
            })
            .unwrap_or_default();
        if !set.is_empty() {
            checks.push(Check::new(
                "claude",
                "managed-settings",
                Status::Warn,
                format!(
                    "{} (managed by your admin) sets {}, which outrank your settings",
                    path.display(),
                    set.join(", ")
                ),
                "ask the admin who manages this machine; agentgw cannot change managed settings",
            ));
        }
    }
    checks
}

fn codex(config: &Path) -> Vec<Check> {
    let selector = edit::read_values(config, Format::Toml, &[vec!["profile".to_string()]])
        .ok()
        .and_then(|mut v| v.remove(0))
        .and_then(|v| v.as_str().map(str::to_string));
    match selector {
        Some(name) => vec![Check::new(
            "codex",
            "legacy-profile",
            Status::Fail,
            format!(
                "{} selects `profile = \"{name}\"`: Codex 0.134 and newer refuse to start",
                paths::display(config)
            ),
            format!(
                "agentgw setup codex --yes (removes the old Databricks selector), or move that profile to {name}.config.toml"
            ),
        )],
        None => Vec::new(),
    }
}

fn gemini(dotenv: &Path) -> Vec<Check> {
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let mut checks = Vec::new();
    let gemini_dir = dotenv.parent().unwrap_or(Path::new("."));
    if !trusted(&cwd, &gemini_dir.join("trustedFolders.json")) {
        checks.push(Check::new(
            "gemini",
            "folder-trust",
            Status::Warn,
            format!(
                "Gemini does not trust {}: it will not read {} here",
                cwd.display(),
                paths::display(dotenv)
            ),
            "start it with `agentgw exec gemini` here, or trust this folder when Gemini asks",
        ));
    }
    if let Some(shadow) = shadowing_dotenv(&cwd, dotenv) {
        checks.push(Check::new(
            "gemini",
            "dotenv-shadow",
            Status::Warn,
            format!(
                "{} is the first .env Gemini finds from here, so it reads that instead of {}",
                shadow.display(),
                paths::display(dotenv)
            ),
            "start it with `agentgw exec gemini` (the environment wins over any .env)",
        ));
    }
    checks
}

/// Gemini's trust rules: GEMINI_CLI_TRUST_WORKSPACE=true, a TRUST_FOLDER entry for this folder
/// or one above it, or a TRUST_PARENT entry for a folder whose parent is this one or above it.
fn trusted(cwd: &Path, trusted_folders: &Path) -> bool {
    if std::env::var("GEMINI_CLI_TRUST_WORKSPACE").is_ok_and(|v| v == "true") {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(trusted_folders) else {
        return false;
    };
    let Ok(serde_json::Value::Object(rules)) = serde_json::from_str(&text) else {
        return false;
    };
    rules.iter().any(|(folder, rule)| {
        let folder = Path::new(folder);
        match rule.as_str() {
            Some("TRUST_FOLDER") => cwd.starts_with(folder),
            Some("TRUST_PARENT") => folder
                .parent()
                .is_some_and(|parent| cwd.starts_with(parent)),
            _ => false,
        }
    })
}

/// The `.gemini/.env` or `.env` Gemini would load before `dotenv`, walking up from `cwd`.
fn shadowing_dotenv(cwd: &Path, dotenv: &Path) -> Option<PathBuf> {
    let home = dirs::home_dir();
    for dir in cwd.ancestors() {
        if home.as_deref() == Some(dir) {
            return None;
        }
        for candidate in [dir.join(".gemini/.env"), dir.join(".env")] {
            if candidate.is_file() && candidate != dotenv {
                return Some(candidate);
            }
        }
    }
    None
}
