//! Where agentgw keeps its own files.
//!
//! | what                     | Linux                              | macOS                                   | Windows              |
//! |--------------------------|------------------------------------|-----------------------------------------|----------------------|
//! | config (profiles, file-stored tokens) | `$XDG_CONFIG_HOME/agentgw` or `~/.config/agentgw` | `~/Library/Application Support/agentgw` | `%APPDATA%\agentgw` |
//! | state (backups, managed-keys record)  | `$XDG_STATE_HOME/agentgw` or `~/.local/state/agentgw` | `~/Library/Application Support/agentgw/state` | `%LOCALAPPDATA%\agentgw` |
//!
//! `AGENTGW_CONFIG_DIR` and `AGENTGW_STATE_DIR` override them.

use anyhow::{Context, Result, anyhow};
use std::path::{Path, PathBuf};

pub fn config_dir() -> Result<PathBuf> {
    if let Some(dir) = env_path("AGENTGW_CONFIG_DIR") {
        return Ok(dir);
    }
    // dirs' macOS answer for config_dir is ~/Library/Application Support, the platform convention.
    dirs::config_dir()
        .map(|d| d.join("agentgw"))
        .ok_or_else(|| anyhow!("cannot find your home directory; set AGENTGW_CONFIG_DIR"))
}

pub fn state_dir() -> Result<PathBuf> {
    if let Some(dir) = env_path("AGENTGW_STATE_DIR") {
        return Ok(dir);
    }
    if let Some(dir) = dirs::state_dir() {
        return Ok(dir.join("agentgw"));
    }
    // No XDG state dir outside Linux: keep state beside the config on macOS, in LOCALAPPDATA on Windows.
    let base = if cfg!(target_os = "macos") {
        dirs::config_dir()
    } else {
        dirs::data_local_dir()
    };
    base.map(|d| {
        if cfg!(target_os = "macos") {
            d.join("agentgw").join("state")
        } else {
            d.join("agentgw")
        }
    })
    .ok_or_else(|| anyhow!("cannot find your home directory; set AGENTGW_STATE_DIR"))
}

pub fn config_file(config_dir: &Path) -> PathBuf {
    config_dir.join("config.toml")
}

/// Creates agentgw's own folder (config or state) readable by the user alone.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    crate::edit::write::create_own_private_dir(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `~/…` for display, so messages stay short and do not reveal the user's home in screenshots.
pub fn display(path: &Path) -> String {
    if let Some(home) = dirs::home_dir()
        && let Ok(rest) = path.strip_prefix(&home)
    {
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}
