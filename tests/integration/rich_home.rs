//! A HOME with rich, hand-written configs for the terminal agents (Claude's settings reached
//! through a chain of two symlinks, as dotfile managers build them), and the checks the crash
//! and concurrency tests make after every run: each file is exactly one of its valid states,
//! parses, keeps the user's keys, and the links are still links.

use crate::common::TestHome;
use agentgw::edit::Format;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const CLAUDE: &str = r#"{
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "model": "sonnet",
  "permissions": {
    "allow": ["Bash(ls:*)", "Bash(git status)", "Read(~/notes/**)"],
    "deny": ["Read(./.env)"]
  },
  "env": {
    "FOO": "1",
    "ANTHROPIC_CUSTOM_HEADERS": "x-team: data-platform",
    "GREETING": "héllo \"wörld\" \u2603"
  },
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Write|Edit",
        "hooks": [{ "type": "command", "command": "prettier --write \"$FILE\"" }]
      }
    ]
  },
  "mcpServers": { "docs": { "command": "npx", "args": ["-y", "docs-mcp"] } },
  "statusLine": { "type": "command", "command": "~/.claude/status.sh" }
}
"#;

const CODEX: &str = r#"# Codex settings, kept in the dotfiles repo
model = "o3"  # the default for plain `codex`
approval_policy = "never"
sandbox_mode = "workspace-write"

[model_providers.openrouter]
name = "OpenRouter"
base_url = "https://openrouter.ai/api/v1"
env_key = "OPENROUTER_API_KEY"

# project trust
[projects."/home/me/src/app"]
trust_level = "trusted"

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"]
env = { "LOG" = "warn" }
"#;

const GEMINI_ENV: &str = "# my Gemini settings\nexport GOOGLE_CLOUD_PROJECT=my-project\nGEMINI_MODEL=gemini-2.5-pro  # the old one\nNOTE=\"two\nlines\"\n\nEMPTY=\n";

const GEMINI_SETTINGS: &str = r#"{
  // Gemini CLI reads comments fine
  "theme": "GitHub",
  "general": { "vimMode": true },
  "mcpServers": {
    "docs": { "command": "npx", "args": ["-y", "docs-mcp"] }, // trailing comma next
  },
}
"#;

/// Pi 0.73.1 and newer read comments and trailing commas in models.json.
const PI_MODELS: &str = r#"{
  "providers": {
    // a local model server
    "ollama": {
      "baseUrl": "http://localhost:11434/v1",
      "api": "openai-completions",
      "apiKey": "ollama",
      "models": [{ "id": "qwen2.5-coder:7b", "contextWindow": 32768 }],
    },
  },
}
"#;

/// Strict JSON: every Pi release reads settings.json with JSON.parse.
const PI_SETTINGS: &str = "{\n  \"theme\": \"dark\",\n  \"defaultThinkingLevel\": \"medium\",\n  \"enabledModels\": [\"ollama/*\"]\n}\n";

/// OpenCode reads comments and trailing commas in its global config.
const OPENCODE: &str = r#"{
  "$schema": "https://opencode.ai/config.json",
  // my own model server
  "provider": {
    "ollama": {
      "npm": "@ai-sdk/openai-compatible",
      "options": { "baseURL": "http://localhost:11434/v1" },
      "models": { "qwen2.5-coder:7b": {} },
    },
  },
  "plugin": ["opencode-wakatime"],
  "keybinds": { "leader": "ctrl+x" },
}
"#;

/// A config file agentgw edits, with every content it may validly hold.
pub struct Watched {
    pub name: &'static str,
    /// The path agentgw knows the file by.
    pub path: PathBuf,
    /// The file that really holds the content (the end of any symlink chain).
    pub real: PathBuf,
    pub format: Format,
    /// The user's own keys and their values: never lost, whatever happens.
    pub user_keys: Vec<(Vec<String>, Value)>,
    /// Exact contents the file may have: as the user wrote it, and as setup leaves it.
    pub states: Vec<String>,
}

pub struct RichHome {
    pub home: TestHome,
    pub files: Vec<Watched>,
    /// The symlinks of the chain in front of Claude's settings.
    pub links: Vec<PathBuf>,
}

fn key(path: &str) -> Vec<String> {
    path.split('.').map(str::to_string).collect()
}

impl RichHome {
    /// Writes the configs, logs in (file store) and learns each file's set-up content by running
    /// one complete setup; one complete remove must then give every byte back.
    pub fn new() -> RichHome {
        let home = TestHome::new();
        home.login_unverified("default", crate::support::GOOD_TOKEN);
        let h = home.path().to_path_buf();
        let write = |rel: &str, text: &str| {
            let path = h.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        };
        let claude = write("dotfiles/store/claude-settings.json", CLAUDE);
        // ~/.claude/settings.json -> ~/dotfiles/claude/settings.json -> ../store/claude-settings.json
        std::fs::create_dir_all(h.join("dotfiles/claude")).unwrap();
        std::fs::create_dir_all(h.join(".claude")).unwrap();
        let middle = h.join("dotfiles/claude/settings.json");
        std::os::unix::fs::symlink("../store/claude-settings.json", &middle).unwrap();
        let front = h.join(".claude/settings.json");
        std::os::unix::fs::symlink(&middle, &front).unwrap();
        let codex = write(".codex/config.toml", CODEX);
        let gemini_env = write(".gemini/.env", GEMINI_ENV);
        let gemini_settings = write(".gemini/settings.json", GEMINI_SETTINGS);
        let pi_models = write(".pi/agent/models.json", PI_MODELS);
        let pi_settings = write(".pi/agent/settings.json", PI_SETTINGS);
        let opencode = write(".config/opencode/opencode.json", OPENCODE);

        let files = vec![
            Watched {
                name: "claude settings.json",
                path: front.clone(),
                real: claude,
                format: Format::Json,
                user_keys: vec![
                    (key("model"), json!("sonnet")),
                    (
                        key("permissions"),
                        json!({"allow": ["Bash(ls:*)", "Bash(git status)", "Read(~/notes/**)"], "deny": ["Read(./.env)"]}),
                    ),
                    (key("env.FOO"), json!("1")),
                    (key("env.GREETING"), json!("héllo \"wörld\" ☃")),
                    (
                        key("hooks"),
                        json!({"PostToolUse": [{"matcher": "Write|Edit", "hooks": [{"type": "command", "command": "prettier --write \"$FILE\""}]}]}),
                    ),
                    (key("mcpServers.docs.command"), json!("npx")),
                    (key("statusLine.command"), json!("~/.claude/status.sh")),
                ],
                states: vec![CLAUDE.to_string()],
            },
            Watched {
                name: "codex config.toml",
                path: codex.clone(),
                real: codex,
                format: Format::Toml,
                user_keys: vec![
                    (key("approval_policy"), json!("never")),
                    (key("sandbox_mode"), json!("workspace-write")),
                    (
                        key("model_providers.openrouter.base_url"),
                        json!("https://openrouter.ai/api/v1"),
                    ),
                    (
                        vec![
                            "projects".into(),
                            "/home/me/src/app".into(),
                            "trust_level".into(),
                        ],
                        json!("trusted"),
                    ),
                    (key("mcp_servers.docs.env"), json!({"LOG": "warn"})),
                ],
                states: vec![CODEX.to_string()],
            },
            Watched {
                name: "gemini .env",
                path: gemini_env.clone(),
                real: gemini_env,
                format: Format::Dotenv,
                user_keys: vec![
                    (key("GOOGLE_CLOUD_PROJECT"), json!("my-project")),
                    (key("NOTE"), json!("two\nlines")),
                    (key("EMPTY"), json!("")),
                ],
                states: vec![GEMINI_ENV.to_string()],
            },
            Watched {
                name: "gemini settings.json",
                path: gemini_settings.clone(),
                real: gemini_settings,
                format: Format::Json,
                user_keys: vec![
                    (key("theme"), json!("GitHub")),
                    (key("general"), json!({"vimMode": true})),
                    (key("mcpServers.docs.args"), json!(["-y", "docs-mcp"])),
                ],
                states: vec![GEMINI_SETTINGS.to_string()],
            },
            Watched {
                name: "pi models.json",
                path: pi_models.clone(),
                real: pi_models,
                format: Format::Json,
                user_keys: vec![
                    (key("providers.ollama.apiKey"), json!("ollama")),
                    (
                        key("providers.ollama.models"),
                        json!([{"id": "qwen2.5-coder:7b", "contextWindow": 32768}]),
                    ),
                ],
                states: vec![PI_MODELS.to_string()],
            },
            Watched {
                name: "pi settings.json",
                path: pi_settings.clone(),
                real: pi_settings,
                format: Format::Json,
                user_keys: vec![
                    (key("theme"), json!("dark")),
                    (key("enabledModels"), json!(["ollama/*"])),
                ],
                states: vec![PI_SETTINGS.to_string()],
            },
            Watched {
                name: "opencode opencode.json",
                path: opencode.clone(),
                real: opencode,
                format: Format::Json,
                user_keys: vec![
                    (
                        key("provider.ollama.options"),
                        json!({"baseURL": "http://localhost:11434/v1"}),
                    ),
                    (key("keybinds.leader"), json!("ctrl+x")),
                ],
                states: vec![OPENCODE.to_string()],
            },
        ];
        let mut rich = RichHome {
            home,
            files,
            links: vec![front, middle],
        };
        rich.run_to_completion(SETUP);
        for file in &mut rich.files {
            let set_up = std::fs::read_to_string(&file.real).unwrap();
            assert_ne!(
                set_up, file.states[0],
                "{}: setup changed nothing",
                file.name
            );
            file.states.push(set_up);
        }
        rich.run_to_completion(REMOVE);
        rich.assert_as_written();
        rich.assert_whole("after the first setup and remove");
        rich
    }

    pub fn path(&self) -> &Path {
        self.home.path()
    }

    /// Runs agentgw with `args` and asserts it succeeded.
    pub fn run_to_completion(&self, args: &[&str]) {
        let out = self
            .home
            .cmd()
            .env("PATH", "/usr/bin:/bin")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "agentgw {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// How many of the files are byte for byte as the user wrote them.
    pub fn files_as_written(&self) -> usize {
        self.files
            .iter()
            .filter(|f| std::fs::read_to_string(&f.real).ok().as_ref() == Some(&f.states[0]))
            .count()
    }

    /// Every file is byte for byte as the user wrote it.
    pub fn assert_as_written(&self) {
        for file in &self.files {
            assert_eq!(
                std::fs::read_to_string(&file.real).unwrap(),
                file.states[0],
                "{} is not back as the user wrote it",
                file.name
            );
        }
    }

    /// Each file holds one of its valid states, parses and keeps the user's keys; the symlinks
    /// are symlinks; agentgw's record parses; every backup is one whole valid state.
    pub fn assert_whole(&self, when: &str) {
        for file in &self.files {
            let text = std::fs::read_to_string(&file.real)
                .unwrap_or_else(|e| panic!("{when}: {} unreadable: {e}", file.name));
            assert!(
                file.states.contains(&text),
                "{when}: {} is neither the user's nor the set-up content:\n{text}",
                file.name
            );
            assert_parses(file.format, &text, &format!("{when}: {}", file.name));
            let keys: Vec<Vec<String>> = file.user_keys.iter().map(|(k, _)| k.clone()).collect();
            let values = agentgw::edit::read_values(&file.real, file.format, &keys).unwrap();
            for ((key, expected), value) in file.user_keys.iter().zip(values) {
                assert!(
                    value.as_ref() == Some(expected),
                    "{when}: {} lost {}: {value:?}",
                    file.name,
                    key.join(".")
                );
            }
        }
        for link in &self.links {
            assert!(
                std::fs::symlink_metadata(link)
                    .unwrap()
                    .file_type()
                    .is_symlink(),
                "{when}: {} is no longer a symlink",
                link.display()
            );
        }
        let state = self.path().join(".local/state/agentgw");
        if let Ok(text) = std::fs::read_to_string(state.join("managed.json")) {
            serde_json::from_str::<Value>(&text)
                .unwrap_or_else(|e| panic!("{when}: torn managed.json ({e}):\n{text}"));
        }
        for backup in files_under(&state.join("backups")) {
            if backup.extension().is_some_and(|e| e == "bak") {
                let text = std::fs::read_to_string(&backup).unwrap();
                assert!(
                    self.files.iter().any(|f| f.states.contains(&text)),
                    "{when}: torn backup {}:\n{text}",
                    backup.display()
                );
            }
        }
    }

    /// Temp files agentgw left anywhere under HOME.
    pub fn temp_files(&self) -> Vec<PathBuf> {
        files_under(self.path())
            .into_iter()
            .filter(|p| p.to_string_lossy().contains(".agentgw-tmp-"))
            .collect()
    }
}

pub const SETUP: &[&str] = &["setup", "all", "--force", "--yes", "--no-test"];
pub const REMOVE: &[&str] = &["remove", "all", "--yes"];

fn assert_parses(format: Format, text: &str, what: &str) {
    match format {
        Format::Json => {
            let options = jsonc_parser::ParseOptions {
                allow_comments: true,
                allow_trailing_commas: true,
                ..Default::default()
            };
            jsonc_parser::parse_to_serde_value::<Value>(text, &options)
                .unwrap_or_else(|e| panic!("{what}: torn JSON ({e}):\n{text}"));
        }
        Format::Toml => {
            text.parse::<toml_edit::DocumentMut>()
                .unwrap_or_else(|e| panic!("{what}: torn TOML ({e}):\n{text}"));
        }
        // The dotenv reader is agentgw's own; read_values above parses with it. No database
        // is among these files.
        Format::Dotenv | Format::Sqlite => {}
    }
}

/// Every file (not directory, not symlink) below `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            out.extend(files_under(&entry.path()));
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    out
}
