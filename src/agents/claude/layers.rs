//! Claude Code's settings layers, read the way Claude Code reads them (seen with 2.0.30 and
//! 2.1.332, headless):
//!
//! 1. managed settings: `/etc/claude-code/managed-settings.json` and, from 2.1, the
//!    `managed-settings.d/*.json` beside it (a later name outranks an earlier one and the main
//!    file) — these outrank even `claude --settings`;
//! 2. `claude --settings` (only `agentgw exec` passes one; not read here);
//! 3. in a git repository, `.claude/settings.local.json` at the root of the repository (of the
//!    main worktree, for a linked one), from any folder in it (2.1.332; 2.0.30 does not read it);
//! 4. the working folder's `.claude/settings.local.json`;
//! 5. the working folder's `.claude/settings.json`;
//! 6. the user's `$CLAUDE_CONFIG_DIR/settings.json` (default `~/.claude/settings.json`);
//! 7. the process environment, which every settings file's `env` block outranks.
//!
//! Parents of the working folder count for nothing else: a `.claude/settings.json` at the git
//! root, or any `.claude` between it and the working folder, is not read. The
//! `settings.local.json` beside the user's settings is read only as the local file of a session
//! started in the home folder. `env` blocks merge key by key (a higher layer's `""` cancels a
//! lower layer's value); a top-level key such as `apiKeyHelper` or `model` comes from the highest
//! layer that sets it. A file that is not strict JSON is skipped whole, as Claude Code does.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Managed,
    /// `.claude/settings.local.json` at the root of the git repository.
    RepositoryLocal,
    Local,
    Project,
    User,
}

impl Scope {
    pub fn word(self) -> &'static str {
        match self {
            Scope::Managed => "managed settings",
            Scope::RepositoryLocal => "this repository's local settings",
            Scope::Local => "this folder's local settings",
            Scope::Project => "this folder's project settings",
            Scope::User => "your user settings",
        }
    }
}

/// One settings file and what Claude Code takes from it.
pub struct Layer {
    pub scope: Scope,
    pub path: PathBuf,
    /// Its top-level keys; empty when the file is missing or skipped.
    settings: Map<String, Value>,
    /// Why Claude Code skips the file, when it exists but is not a strict JSON object.
    pub skipped: Option<String>,
}

impl Layer {
    fn read(scope: Scope, path: PathBuf) -> Layer {
        let (settings, skipped) = match std::fs::read_to_string(&path) {
            Err(_) => (Map::new(), None),
            Ok(text) => parse(&text),
        };
        Layer {
            scope,
            path,
            settings,
            skipped,
        }
    }

    fn env(&self, key: &str) -> Option<&str> {
        self.settings.get("env")?.get(key)?.as_str()
    }
}

/// Strict JSON, as Claude Code parses it (a leading byte-order mark aside); an empty file holds
/// no settings.
fn parse(text: &str) -> (Map<String, Value>, Option<String>) {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return (Map::new(), None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => (map, None),
        Ok(_) => (Map::new(), Some("it is not a JSON object".into())),
        Err(_) if super::has_comments_or_trailing_commas_in(text) => (
            Map::new(),
            Some("it has comments or trailing commas".into()),
        ),
        Err(e) => (Map::new(), Some(format!("it is not valid JSON ({e})"))),
    }
}

/// Where an effective value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File { scope: Scope, path: PathBuf },
    Environment,
}

impl Source {
    /// For messages: the file (`~/...` when under HOME), or `environment`.
    pub fn shown(&self) -> String {
        match self {
            Source::File { path, .. } => crate::paths::display(path),
            Source::Environment => "environment".to_string(),
        }
    }

    pub fn scope(&self) -> Option<Scope> {
        match self {
            Source::File { scope, .. } => Some(*scope),
            Source::Environment => None,
        }
    }
}

/// A value and the layer it comes from.
#[derive(Clone, Debug)]
pub struct Sourced {
    pub value: String,
    pub source: Source,
    /// The key as it is spelled in the file: `env.ANTHROPIC_BASE_URL`, `apiKeyHelper`.
    pub key: String,
}

/// Every layer Claude Code reads, highest first (the command line aside).
pub struct Layers {
    pub layers: Vec<Layer>,
}

impl Layers {
    /// All file layers for a session started in `cwd`, with `user_file` as the user settings.
    pub fn read(user_file: &Path, cwd: &Path) -> Layers {
        let mut layers = managed_layers();
        let project = cwd.join(".claude");
        let local = project.join("settings.local.json");
        if let Some(root) = repository_root(cwd) {
            let repository_local = root.join(".claude").join("settings.local.json");
            if !same_file(&repository_local, &local) {
                layers.push(Layer::read(Scope::RepositoryLocal, repository_local));
            }
        }
        layers.push(Layer::read(Scope::Local, local));
        let project_file = project.join("settings.json");
        // In the home folder the project file is the user file: Claude reads it once.
        if !same_file(&project_file, user_file) {
            layers.push(Layer::read(Scope::Project, project_file));
        }
        layers.push(Layer::read(Scope::User, user_file.to_path_buf()));
        Layers { layers }
    }

    /// Only the managed settings: what outranks `claude --settings`.
    pub fn managed() -> Layers {
        Layers {
            layers: managed_layers(),
        }
    }

    /// `env.<key>` as Claude Code will see it: the highest file layer that sets it, else the
    /// process environment. An empty value is returned too (it cancels lower layers).
    pub fn env(&self, key: &str) -> Option<Sourced> {
        self.env_in_files(key).or_else(|| {
            std::env::var(key).ok().map(|value| Sourced {
                value,
                source: Source::Environment,
                key: key.to_string(),
            })
        })
    }

    /// `env.<key>` from the settings files only.
    pub fn env_in_files(&self, key: &str) -> Option<Sourced> {
        self.layers.iter().find_map(|layer| {
            layer.env(key).map(|value| Sourced {
                value: value.to_string(),
                source: Source::File {
                    scope: layer.scope,
                    path: layer.path.clone(),
                },
                key: format!("env.{key}"),
            })
        })
    }

    /// A top-level string key (`apiKeyHelper`, `model`) from the highest layer that sets it.
    pub fn top(&self, key: &str) -> Option<Sourced> {
        self.layers.iter().find_map(|layer| {
            layer.settings.get(key)?.as_str().map(|value| Sourced {
                value: value.to_string(),
                source: Source::File {
                    scope: layer.scope,
                    path: layer.path.clone(),
                },
                key: key.to_string(),
            })
        })
    }

    /// The base URL Claude Code sends its requests to, when one is set.
    pub fn base_url(&self) -> Option<Sourced> {
        self.env("ANTHROPIC_BASE_URL")
            .filter(|s| !s.value.is_empty())
    }

    /// The model: `env.ANTHROPIC_MODEL` from any layer outranks a top-level `model` (seen).
    pub fn model(&self) -> Option<Sourced> {
        self.env("ANTHROPIC_MODEL")
            .filter(|s| !s.value.is_empty())
            .or_else(|| self.top("model"))
    }

    /// The files that exist but that Claude Code skips, with why.
    pub fn skipped(&self) -> impl Iterator<Item = (&Layer, &str)> {
        self.layers
            .iter()
            .filter_map(|l| l.skipped.as_deref().map(|why| (l, why)))
    }
}

/// The root of the git repository `cwd` is in (a `.git` folder, or a `.git` file naming where the
/// repository is): for a linked worktree the main worktree's root, as Claude Code takes it.
fn repository_root(cwd: &Path) -> Option<PathBuf> {
    let top = cwd.ancestors().find(|dir| dir.join(".git").exists())?;
    let dot_git = top.join(".git");
    if dot_git.is_dir() {
        return Some(top.to_path_buf());
    }
    // A linked worktree's `.git` file: `gitdir: <main>/.git/worktrees/<name>`, whose `commondir`
    // names the main `.git`. Anything else (a submodule): the folder holding the file.
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let git_dir = text.trim().strip_prefix("gitdir:")?.trim();
    let git_dir = top.join(git_dir);
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .and_then(|c| std::fs::canonicalize(git_dir.join(c.trim())).ok());
    match common {
        Some(common) if common.file_name().is_some_and(|n| n == ".git") => {
            common.parent().map(Path::to_path_buf)
        }
        _ => Some(top.to_path_buf()),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

/// The folders Claude Code reads managed settings from on this system.
fn managed_dirs() -> Vec<PathBuf> {
    if cfg!(target_os = "macos") {
        vec![PathBuf::from("/Library/Application Support/ClaudeCode")]
    } else if cfg!(windows) {
        // 2.1 reads Program Files; 2.0 read ProgramData.
        vec![
            PathBuf::from(r"C:\Program Files\ClaudeCode"),
            PathBuf::from(r"C:\ProgramData\ClaudeCode"),
        ]
    } else {
        vec![PathBuf::from("/etc/claude-code")]
    }
}

/// `managed-settings.json` and the drop-ins of `managed-settings.d` (`*.json`, not hidden),
/// highest first: the last drop-in by name outranks the others and the main file (seen, 2.1.332).
fn managed_layers() -> Vec<Layer> {
    let mut layers = Vec::new();
    for dir in managed_dirs() {
        let mut drop_ins: Vec<PathBuf> = std::fs::read_dir(dir.join("managed-settings.d"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .is_some_and(|n| n.ends_with(".json") && !n.starts_with('.'))
            })
            .collect();
        drop_ins.sort();
        for path in drop_ins.into_iter().rev() {
            layers.push(Layer::read(Scope::Managed, path));
        }
        let main = dir.join("managed-settings.json");
        if main.exists() {
            layers.push(Layer::read(Scope::Managed, main));
        }
    }
    layers
}

/// Claude Code's switches to another provider (Bedrock, Vertex, Foundry, ...). Any of them on
/// sends the requests — with agentgw's token from the key helper — to that provider's URL (seen:
/// `CLAUDE_CODE_USE_BEDROCK` with `ANTHROPIC_BEDROCK_BASE_URL`, 2.0.30 and 2.1.332).
pub const PROVIDER_SWITCHES: [&str; 7] = [
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "CLAUDE_CODE_USE_ANTHROPIC_AWS",
    "CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD",
    "CLAUDE_CODE_USE_MANTLE",
    "CLAUDE_CODE_USE_GATEWAY",
];

/// The variables that carry a token of their own; each outranks `apiKeyHelper`.
pub const TOKEN_VARIABLES: [&str; 2] = ["ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"];

/// Claude Code reads a switch as on when it is `1`, `true`, `yes` or `on` (any case, trimmed).
pub fn switched_on(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// What one layer does that takes Claude Code away from the profile's gateway or token.
pub struct Finding {
    pub at: Sourced,
    /// What it does, after `file: key ...`.
    pub what: String,
}

/// Where the profile's token may go, and who is asking.
pub struct Gateway<'a> {
    pub gateway: &'a str,
    pub host: &'a str,
    pub profile: &'a str,
}

impl Layers {
    /// The values, effective in `scopes`, that send Claude Code somewhere other than the
    /// profile's gateway or make it send another token than the profile's.
    pub fn findings(&self, gateway: &Gateway, scopes: &[Scope]) -> Vec<Finding> {
        let mut found = Vec::new();
        let in_scope = |s: &Sourced| s.source.scope().is_some_and(|sc| scopes.contains(&sc));
        if let Some(url) = self.base_url().filter(|u| in_scope(u))
            && !crate::gateway::is_ours(&url.value, gateway.gateway, gateway.host)
        {
            let shown = crate::urls::redact_userinfo(&url.value);
            found.push(Finding {
                what: format!(
                    "sends Claude Code to {shown} instead of the gateway of profile '{}' ({})",
                    gateway.profile, gateway.gateway
                ),
                at: url,
            });
        }
        for name in PROVIDER_SWITCHES {
            if let Some(switch) = self
                .env(name)
                .filter(|s| in_scope(s) && switched_on(&s.value))
            {
                found.push(Finding {
                    what: "sends Claude Code to another provider instead of the gateway".into(),
                    at: switch,
                });
            }
        }
        for name in TOKEN_VARIABLES {
            if let Some(token) = self
                .env(name)
                .filter(|s| in_scope(s) && !s.value.is_empty())
            {
                found.push(Finding {
                    what:
                        "sets a token of its own, which Claude Code sends instead of the profile's"
                            .into(),
                    at: token,
                });
            }
        }
        if let Some(helper) = self.top("apiKeyHelper").filter(|h| {
            // `agentgw token --profile <profile>` is agentgw's own, whatever its path.
            in_scope(h) && !super::is_agentgw_token_helper(&h.value, gateway.profile)
        }) {
            found.push(Finding {
                what: format!(
                    "runs a token helper of its own ({}) instead of `agentgw token --profile {}`",
                    super::super::describe_helper(&helper.value),
                    gateway.profile
                ),
                at: helper,
            });
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_working_folders_files_outrank_the_users_key_by_key() {
        let tmp = tempfile::tempdir().unwrap();
        let user = tmp.path().join("home/.claude/settings.json");
        let work = tmp.path().join("work");
        write(
            &user,
            r#"{"env": {"ANTHROPIC_BASE_URL": "https://u", "ANTHROPIC_MODEL": "u-model"}, "apiKeyHelper": "u"}"#,
        );
        write(
            &work.join(".claude/settings.json"),
            r#"{"env": {"ANTHROPIC_BASE_URL": "https://p"}, "model": "p-top"}"#,
        );
        write(
            &work.join(".claude/settings.local.json"),
            r#"{"env": {"ANTHROPIC_AUTH_TOKEN": ""}, "apiKeyHelper": "l"}"#,
        );
        let layers = Layers::read(&user, &work);
        assert!(
            layers
                .layers
                .iter()
                .all(|l| l.scope != Scope::RepositoryLocal)
        );
        let url = layers.base_url().unwrap();
        assert_eq!(url.value, "https://p");
        assert_eq!(url.source.scope(), Some(Scope::Project));
        assert_eq!(url.key, "env.ANTHROPIC_BASE_URL");
        // env.ANTHROPIC_MODEL from the user file outranks the project's top-level model.
        assert_eq!(layers.model().unwrap().value, "u-model");
        assert_eq!(layers.top("apiKeyHelper").unwrap().value, "l");
        let token = layers.env("ANTHROPIC_AUTH_TOKEN").unwrap();
        assert_eq!(
            (token.value.as_str(), token.source.scope()),
            ("", Some(Scope::Local))
        );
    }

    #[test]
    fn the_repository_roots_local_file_outranks_the_folders_own() {
        let tmp = tempfile::tempdir().unwrap();
        let main = tmp.path().join("main");
        let deep = main.join("src/deep");
        std::fs::create_dir_all(main.join(".git/worktrees/wt")).unwrap();
        std::fs::create_dir_all(&deep).unwrap();
        write(
            &main.join(".claude/settings.local.json"),
            r#"{"env": {"ANTHROPIC_BASE_URL": "https://root-local"}}"#,
        );
        write(
            &main.join(".claude/settings.json"),
            r#"{"env": {"ANTHROPIC_MODEL": "root-project, not read below the root"}}"#,
        );
        write(
            &deep.join(".claude/settings.local.json"),
            r#"{"env": {"ANTHROPIC_BASE_URL": "https://deep-local", "ANTHROPIC_MODEL": "deep"}}"#,
        );
        let user = tmp.path().join("user.json");
        let layers = Layers::read(&user, &deep);
        let url = layers.base_url().unwrap();
        assert_eq!(
            (url.value.as_str(), url.source.scope()),
            ("https://root-local", Some(Scope::RepositoryLocal))
        );
        assert_eq!(layers.model().unwrap().value, "deep");
        // A linked worktree of that repository reads the main worktree's file.
        let linked = tmp.path().join("linked");
        std::fs::create_dir_all(&linked).unwrap();
        std::fs::write(main.join(".git/worktrees/wt/commondir"), "../..\n").unwrap();
        std::fs::write(
            linked.join(".git"),
            format!("gitdir: {}\n", main.join(".git/worktrees/wt").display()),
        )
        .unwrap();
        let layers = Layers::read(&user, &linked);
        assert_eq!(layers.base_url().unwrap().value, "https://root-local");
        // At the root itself the two local files are one.
        let at_root = Layers::read(&user, &main);
        let locals = at_root
            .layers
            .iter()
            .filter(|l| l.path.ends_with("settings.local.json"))
            .count();
        assert_eq!(locals, 1);
    }

    #[test]
    fn files_that_are_not_strict_json_are_skipped_and_empty_ones_are_empty() {
        let tmp = tempfile::tempdir().unwrap();
        let user = tmp.path().join("settings.json");
        let work = tmp.path().join("work");
        write(
            &user,
            "{\n  // mine\n  \"env\": {\"ANTHROPIC_MODEL\": \"m\"},\n}\n",
        );
        write(&work.join(".claude/settings.json"), "  \n");
        let layers = Layers::read(&user, &work);
        assert!(layers.model().is_none());
        let skipped: Vec<_> = layers.skipped().map(|(l, why)| (l.scope, why)).collect();
        assert_eq!(
            skipped,
            [(Scope::User, "it has comments or trailing commas")]
        );
    }

    #[test]
    fn switches_are_on_as_claude_reads_them() {
        for off in ["", "0", "false", "No", " off ", "2"] {
            assert!(!switched_on(off), "{off:?}");
        }
        for on in ["1", "TRUE", " yes", "on"] {
            assert!(switched_on(on), "{on:?}");
        }
    }
}
