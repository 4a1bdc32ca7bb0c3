//! The config layers OpenCode merges, lowest first (read from the 1.18.33 binary's config loader
//! and seen with a project file and OPENCODE_CONFIG_CONTENT): the global files
//! `$XDG_CONFIG_HOME/opencode/{config.json, opencode.json, opencode.jsonc}` (later wins), the file
//! `$OPENCODE_CONFIG`, the project's `opencode.json(c)` from the git root down to the working
//! folder, the `opencode.json(c)` of each `.opencode` folder (the project's, then `~/.opencode`)
//! and of `$OPENCODE_CONFIG_DIR`, the JSON in `$OPENCODE_CONFIG_CONTENT`, and last the managed
//! files (`/etc/opencode` on Linux, `/Library/Application Support/opencode` on macOS,
//! `%ProgramData%\opencode` on Windows). Objects merge key by key; `OPENCODE_DISABLE_PROJECT_CONFIG`
//! drops the project's layers.
//!
//! Setup writes the global file; what a higher layer sets for the same keys wins over it, which
//! `configured`, setup's warnings and doctor report.

use anyhow::Result;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The variable whose JSON outranks every file but the managed ones (exec uses it).
pub const CONTENT_VAR: &str = "OPENCODE_CONFIG_CONTENT";
/// The variable naming one more config file, above the global ones.
pub const FILE_VAR: &str = "OPENCODE_CONFIG";
/// The variable naming one more config folder, above the project's.
pub const DIR_VAR: &str = "OPENCODE_CONFIG_DIR";
/// Set, OpenCode loads no plugin but its own (`--pure`): agentgw's plugin supplies the token.
pub const PURE_VAR: &str = "OPENCODE_PURE";
const NO_PROJECT_VAR: &str = "OPENCODE_DISABLE_PROJECT_CONFIG";
/// The global file names in the order OpenCode loads them (the last one wins).
const GLOBAL_NAMES: [&str; 3] = ["config.json", "opencode.json", "opencode.jsonc"];

/// OpenCode's global config folder: `$XDG_CONFIG_HOME/opencode`, else `~/.config/opencode`, on
/// every platform (OpenCode follows XDG on macOS and Windows too).
pub fn config_folder() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir).join("opencode"));
    }
    let home = dirs::home_dir()
        .ok_or_else(|| anyhow::anyhow!("cannot find your home directory (HOME)"))?;
    Ok(home.join(".config").join("opencode"))
}

/// The global file setup edits: the one OpenCode itself edits — the first of `opencode.jsonc`,
/// `opencode.json` and `config.json` that exists (1.18.33 creates `opencode.jsonc` when none
/// does) — else a new `opencode.json`.
pub fn global_file() -> Result<PathBuf> {
    let folder = config_folder()?;
    Ok(GLOBAL_NAMES
        .iter()
        .rev()
        .map(|name| folder.join(name))
        .find(|path| path.exists())
        .unwrap_or_else(|| folder.join("opencode.json")))
}

/// One config layer: a file, or the JSON of OPENCODE_CONFIG_CONTENT.
pub struct Layer {
    /// How the layer is named in messages: a path, or the variable.
    pub shown: String,
    pub kind: LayerKind,
    /// The parsed document; `None` when it does not parse (OpenCode stops with an error then).
    pub doc: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    Global,
    /// `$OPENCODE_CONFIG`, `~/.opencode`, `$OPENCODE_CONFIG_DIR`: the user's own, above the global file.
    UserExtra,
    Project,
    Environment,
    Managed,
}

impl Layer {
    /// The value at `key` in this layer.
    pub fn get(&self, key: &[&str]) -> Option<&Value> {
        key.iter()
            .try_fold(self.doc.as_ref()?, |value, part| value.get(part))
    }
}

/// The layers that exist for the current folder, lowest first.
pub fn read() -> Result<Vec<Layer>> {
    let cwd = std::env::current_dir()
        .map_err(|e| anyhow::anyhow!("cannot read the current folder: {e}"))?;
    let home = dirs::home_dir();
    let mut layers = Vec::new();
    let folder = config_folder()?;
    for name in GLOBAL_NAMES {
        push_file(&mut layers, &folder.join(name), LayerKind::Global);
    }
    if let Some(file) = env_value(FILE_VAR) {
        push_file(&mut layers, Path::new(&file), LayerKind::UserExtra);
    }
    let project = !env_is_true(NO_PROJECT_VAR);
    let upward = folders_up_to_the_worktree(&cwd);
    if project {
        // From the top down, so the nearest file comes last and wins.
        for dir in upward.iter().rev() {
            for name in ["opencode.json", "opencode.jsonc"] {
                push_file(&mut layers, &dir.join(name), LayerKind::Project);
            }
        }
    }
    let mut dot_folders: Vec<(PathBuf, LayerKind)> = Vec::new();
    if project {
        dot_folders.extend(
            upward
                .iter()
                .map(|d| (d.join(".opencode"), LayerKind::Project)),
        );
    }
    if let Some(home) = &home {
        dot_folders.push((home.join(".opencode"), LayerKind::UserExtra));
    }
    if let Some(dir) = env_value(DIR_VAR) {
        dot_folders.push((PathBuf::from(dir), LayerKind::UserExtra));
    }
    let mut seen = Vec::new();
    for (dir, kind) in dot_folders {
        if seen.contains(&dir) {
            continue;
        }
        for name in ["opencode.json", "opencode.jsonc"] {
            push_file(&mut layers, &dir.join(name), kind);
        }
        seen.push(dir);
    }
    if let Some(content) = env_value(CONTENT_VAR) {
        layers.push(Layer {
            shown: CONTENT_VAR.to_string(),
            kind: LayerKind::Environment,
            doc: parse(&content),
        });
    }
    for name in ["opencode.json", "opencode.jsonc"] {
        push_file(
            &mut layers,
            &managed_folder().join(name),
            LayerKind::Managed,
        );
    }
    Ok(layers)
}

/// The managed config folder of this platform: its files outrank everything.
pub fn managed_folder() -> PathBuf {
    if let Some(dir) = env_value("OPENCODE_TEST_MANAGED_CONFIG_DIR") {
        return PathBuf::from(dir);
    }
    if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/opencode")
    } else if cfg!(windows) {
        let data = env_value("ProgramData").unwrap_or_else(|| r"C:\ProgramData".into());
        PathBuf::from(data).join("opencode")
    } else {
        PathBuf::from("/etc/opencode")
    }
}

/// The highest layer that sets `key`, with its value.
pub fn top<'l>(layers: &'l [Layer], key: &[&str]) -> Option<(&'l Layer, &'l Value)> {
    layers
        .iter()
        .rev()
        .find_map(|layer| layer.get(key).map(|v| (layer, v)))
}

fn push_file(layers: &mut Vec<Layer>, path: &Path, kind: LayerKind) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    layers.push(Layer {
        shown: crate::paths::display(path),
        kind,
        doc: parse(&text),
    });
}

/// A JSON-with-comments document, as OpenCode reads its config.
pub fn parse(text: &str) -> Option<Value> {
    let options = jsonc_parser::ParseOptions::default();
    jsonc_parser::parse_to_serde_value(text.trim_start_matches('\u{feff}'), &options)
        .ok()
        .flatten()
}

/// The working folder and each folder above it up to the git worktree's root (the folder
/// holding `.git`), nearest first; without one, up to the filesystem's root, as OpenCode walks.
fn folders_up_to_the_worktree(cwd: &Path) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    for dir in cwd.ancestors() {
        folders.push(dir.to_path_buf());
        if dir.join(".git").exists() {
            return folders;
        }
    }
    folders
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_is_true(name: &str) -> bool {
    env_value(name).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Whether OPENCODE_PURE is set the way OpenCode reads it.
pub fn pure() -> bool {
    env_is_true(PURE_VAR)
}
