//! The last resort: asking the agent `--version`, in a sandbox so it cannot write into the user's
//! agent folders. Seen with the real agents: `gemini --version` (0.61.0) leaves two
//! `projects.json.*.tmp` files in `~/.gemini`; `codex --version` (0.118.0, 0.171.0) creates
//! `~/.codex/tmp/arg0*/`; Claude Code 2.0.30 (the JavaScript release) writes `~/.claude.json`,
//! `~/.claude/debug/` and `~/.claude/statsig/`. With HOME, the XDG folders and each agent's own
//! folder variable pointed at an empty temporary folder (removed afterwards), all of that lands
//! there, and each still prints its version.

use super::super::Version;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A Node-based agent takes seconds to start: `gemini --version` took 3–5 s alone and 7 s (0.19.1)
/// beside two other agents on a busy 2-core machine, where 10 s was seen to run out. Never wait
/// longer than this; a run that does gets no version and is not cached.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The version `command --version` prints, run in a throw-away HOME; `None` when it fails, prints
/// no version or takes too long.
pub fn ask(command: &Path) -> Option<Version> {
    let sandbox = tempfile::Builder::new()
        .prefix("agentgw-version-")
        .tempdir()
        .ok()?;
    let mut cmd = Command::new(command);
    cmd.arg("--version").current_dir(sandbox.path());
    for (var, value) in sandbox_env(sandbox.path()) {
        cmd.env(var, value);
    }
    let said = crate::bounded::output_within(&mut cmd, TIMEOUT).ok();
    // Dropping the sandbox removes it, and whatever the agent wrote there.
    drop(sandbox);
    Version::find_in(&said?)
}

/// The environment of the sandboxed run: everything that tells an agent (or Node, or npm) where
/// the user's files are points into `sandbox`, except the version managers' own folders, which
/// the command on PATH may need to find the agent (they default to places under HOME).
fn sandbox_env(sandbox: &Path) -> Vec<(&'static str, OsString)> {
    let mut env = version_manager_dirs();
    let home = sandbox.to_path_buf();
    let codex_home = sandbox.join(".codex");
    // Codex refuses a CODEX_HOME that does not exist.
    let _ = std::fs::create_dir(&codex_home);
    let inside = |rel: &str| sandbox.join(rel).into_os_string();
    env.extend([
        ("HOME", home.clone().into_os_string()),
        ("USERPROFILE", home.into_os_string()),
        ("XDG_CONFIG_HOME", inside(".config")),
        ("XDG_DATA_HOME", inside(".local/share")),
        ("XDG_STATE_HOME", inside(".local/state")),
        ("XDG_CACHE_HOME", inside(".cache")),
        ("APPDATA", inside("AppData/Roaming")),
        ("LOCALAPPDATA", inside("AppData/Local")),
        ("CLAUDE_CONFIG_DIR", inside(".claude")),
        ("CODEX_HOME", codex_home.into_os_string()),
        ("GEMINI_CLI_HOME", sandbox.as_os_str().to_os_string()),
        // Pi's `--version` creates `auth.json` in its agent folder (seen with 0.63.0 and 1.6.0).
        ("PI_CODING_AGENT_DIR", inside(".pi/agent")),
        // Copilot CLI unpacks itself (235 MB) into its cache on every start in a fresh one, and
        // runs the newest release it finds there unless auto-update is off: the started binary's
        // own version is the one asked for.
        ("COPILOT_HOME", inside(".copilot")),
        ("COPILOT_CACHE_HOME", inside(".cache/copilot")),
        ("COPILOT_AUTO_UPDATE", "false".into()),
        // OpenCode 1.1.53's `--version` fetches its model catalog from models.dev unless told not to.
        ("OPENCODE_DISABLE_MODELS_FETCH", "1".into()),
        ("OPENCODE_DISABLE_AUTOUPDATE", "1".into()),
    ]);
    env
}

/// asdf, mise, Volta and nvm keep their installs and settings under the real HOME unless told
/// otherwise; their shims must still find them from the sandbox.
fn version_manager_dirs() -> Vec<(&'static str, OsString)> {
    let Some(home) = dirs::home_dir() else {
        return Vec::new();
    };
    let xdg = |var: &str, default: &str| -> PathBuf {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(default))
    };
    let data = xdg("XDG_DATA_HOME", ".local/share");
    let config = xdg("XDG_CONFIG_HOME", ".config");
    [
        ("ASDF_DATA_DIR", home.join(".asdf")),
        ("ASDF_CONFIG_FILE", home.join(".asdfrc")),
        ("MISE_DATA_DIR", data.join("mise")),
        ("MISE_CONFIG_DIR", config.join("mise")),
        ("VOLTA_HOME", home.join(".volta")),
        ("NVM_DIR", home.join(".nvm")),
    ]
    .into_iter()
    .filter(|(var, dir)| std::env::var_os(var).is_none() && dir.exists())
    .map(|(var, dir)| (var, dir.into_os_string()))
    .collect()
}
