//! Finding the installed agents' versions: from the install (npm's package.json, Claude Code's
//! native `versions/X.Y.Z`, Homebrew's Cellar) without starting the agent; from a cache after
//! that; and only for a layout nothing explains, from `--version`, once per command, in parallel,
//! in a throw-away HOME. The fake agents here record every start, so "never started" is seen,
//! not timed.

use crate::common::{TestHome, mode, stderr, stdout};
use crate::support::GOOD_TOKEN;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A logged-in HOME with a private bin folder first on PATH.
fn home() -> TestHome {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    std::fs::create_dir_all(home.path().join("bin")).unwrap();
    home
}

fn path_var(home: &TestHome) -> String {
    format!("{}:/usr/bin:/bin", home.path().join("bin").display())
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn write_executable(path: &Path, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    write(path, text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_path_buf()
}

fn link(link: &Path, target: &Path) {
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Where the agents that must never run say that they did.
fn started_log(home: &TestHome) -> PathBuf {
    home.path().join("started.log")
}

/// An agent executable that records its start, then takes its time and prints a version nobody
/// installed: seen only if agentgw started it.
fn never_to_be_started(home: &TestHome, path: &Path) -> PathBuf {
    write_executable(
        path,
        &format!(
            "#!/bin/sh\necho \"$0\" >> '{}'\nsleep 5\necho 9.9.9\n",
            started_log(home).display()
        ),
    )
}

/// `npm install -g <package>@<version>` under `prefix`: the package's manifest and its bin file.
fn npm_package(home: &TestHome, prefix: &str, package: &str, version: &str, bin: &str) -> PathBuf {
    let dir = home
        .path()
        .join(prefix)
        .join("lib/node_modules")
        .join(package);
    write(
        &dir.join("package.json"),
        &format!(r#"{{"name": "{package}", "version": "{version}", "bin": "{bin}"}}"#),
    );
    never_to_be_started(home, &dir.join(bin))
}

fn status_json(home: &TestHome) -> Value {
    let out = home
        .cmd()
        .env("PATH", path_var(home))
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// Each CLI agent's version as `status --json` reports it.
fn versions(home: &TestHome) -> Vec<(String, Value)> {
    status_json(home)["agents"]
        .as_array()
        .unwrap()
        .iter()
        // The agents these tests put on PATH (others agentgw knows are not installed here).
        .filter(|a| {
            ["claude", "codex", "gemini", "copilot"].contains(&a["agent"].as_str().unwrap())
        })
        .map(|a| {
            (
                a["agent"].as_str().unwrap().to_string(),
                a["version"].clone(),
            )
        })
        .collect()
}

fn version_of(home: &TestHome, agent: &str) -> Value {
    versions(home)
        .into_iter()
        .find(|(a, _)| a == agent)
        .map(|(_, v)| v)
        .unwrap()
}

fn assert_nothing_started(home: &TestHome) {
    let log = std::fs::read_to_string(started_log(home)).unwrap_or_default();
    assert!(log.is_empty(), "agentgw started an agent:\n{log}");
}

#[test]
fn installs_say_the_version_and_no_agent_is_started() {
    let home = home();
    let bin = home.path().join("bin");
    // npm's bin link into the package.
    let gemini = npm_package(
        &home,
        "npm",
        "@google/gemini-cli",
        "0.42.0",
        "dist/index.js",
    );
    link(&bin.join("gemini"), &gemini);
    // Claude Code's native installer: ~/.local/bin/claude -> ~/.local/share/claude/versions/X.Y.Z.
    let claude = never_to_be_started(
        &home,
        &home.path().join(".local/share/claude/versions/2.1.300"),
    );
    link(&bin.join("claude"), &claude);
    // Homebrew: bin/codex -> ../Cellar/codex/X.Y.Z/bin/codex.
    let codex = never_to_be_started(
        &home,
        &home.path().join("homebrew/Cellar/codex/0.160.0/bin/codex"),
    );
    link(&bin.join("codex"), &codex);
    // Copilot CLI: npm's bin link to its loader (which would unpack 235 MB into ~/.cache if started).
    let copilot = npm_package(&home, "npm", "@github/copilot", "1.0.102", "npm-loader.js");
    link(&bin.join("copilot"), &copilot);
    assert_eq!(
        versions(&home),
        [
            ("claude".to_string(), Value::from("2.1.300")),
            ("codex".to_string(), Value::from("0.160.0")),
            ("gemini".to_string(), Value::from("0.42.0")),
            ("copilot".to_string(), Value::from("1.0.102")),
        ]
    );
    assert_nothing_started(&home);
}

#[test]
fn platform_packages_and_shell_shims_say_the_version_too() {
    let home = home();
    let bin = home.path().join("bin");
    // Claude Code's npm package runs the binary of its platform package, which has the version.
    let platform = home.path().join(
        "npm/lib/node_modules/@anthropic-ai/claude-code/node_modules/@anthropic-ai/claude-code-linux-x64",
    );
    write(
        &platform.join("package.json"),
        r#"{"name": "@anthropic-ai/claude-code-linux-x64", "version": "2.1.301"}"#,
    );
    link(
        &bin.join("claude"),
        &never_to_be_started(&home, &platform.join("claude")),
    );
    // pnpm's global bin is a shell script naming the package's file.
    npm_package(
        &home,
        "pnpm/global/5",
        "@openai/codex",
        "0.161.0",
        "bin/codex.js",
    );
    write_executable(
        &bin.join("codex"),
        &format!(
            "#!/bin/sh\necho shim >> '{}'\nbasedir=$(dirname \"$0\")\nexec node \"$basedir/../pnpm/global/5/lib/node_modules/@openai/codex/bin/codex.js\" \"$@\"\n",
            started_log(&home).display()
        ),
    );
    assert_eq!(version_of(&home, "claude"), "2.1.301");
    assert_eq!(version_of(&home, "codex"), "0.161.0");
    assert_nothing_started(&home);
}

#[test]
fn a_cached_version_holds_until_the_executable_changes() {
    let home = home();
    let gemini = npm_package(
        &home,
        "npm",
        "@google/gemini-cli",
        "0.42.0",
        "dist/index.js",
    );
    link(&home.path().join("bin/gemini"), &gemini);
    assert_eq!(version_of(&home, "gemini"), "0.42.0");
    let cache = home.path().join(".local/state/agentgw/agent-versions.json");
    assert_eq!(mode(&cache), 0o600);
    // Found once, not looked up again: a changed manifest alone goes unread.
    let manifest = home
        .path()
        .join("npm/lib/node_modules/@google/gemini-cli/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("0.42.0", "0.43.0")).unwrap();
    assert_eq!(version_of(&home, "gemini"), "0.42.0");
    // An upgrade replaces the executable: the stored version no longer counts.
    let script = std::fs::read_to_string(&gemini).unwrap();
    std::fs::remove_file(&gemini).unwrap();
    write_executable(&gemini, &script);
    assert_eq!(version_of(&home, "gemini"), "0.43.0");
    // A corrupt cache is ignored and written anew.
    std::fs::write(&cache, "{\"entries\": [").unwrap();
    assert_eq!(version_of(&home, "gemini"), "0.43.0");
    let rewritten: Value = serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert!(rewritten["entries"].is_object(), "{rewritten}");
    assert_nothing_started(&home);
}

/// A Codex nothing on disk explains (a plain script on PATH), which records each start with the
/// folders it was given, and writes into its HOME as `codex --version` really does.
fn codex_of_unknown_layout(home: &TestHome) -> PathBuf {
    write_executable(
        &home.path().join("bin/codex"),
        &format!(
            "#!/bin/sh\nprintf '%s|%s|%s|%s|%s|%s\\n' \"$HOME\" \"$CODEX_HOME\" \"$CLAUDE_CONFIG_DIR\" \"$GEMINI_CLI_HOME\" \"$XDG_CONFIG_HOME\" \"$PWD\" >> '{}'\n\
             mkdir -p \"$HOME/.codex/tmp\" && echo x > \"$HOME/.codex/tmp/written-by-version\"\n\
             echo 'codex-cli 0.150.0'\n",
            runs_log(home).display()
        ),
    )
}

fn runs_log(home: &TestHome) -> PathBuf {
    home.path().join("version-runs.log")
}

fn runs(home: &TestHome) -> Vec<String> {
    std::fs::read_to_string(runs_log(home))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn an_unknown_layout_is_asked_once_per_command_in_a_throw_away_home() {
    let home = home();
    let codex = codex_of_unknown_layout(&home);
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .args(["setup", "all", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // `setup all` needs the version twice (which agents, which config): one start.
    let runs_now = runs(&home);
    assert_eq!(runs_now.len(), 1, "{runs_now:?}");
    let folders: Vec<&str> = runs_now[0].split('|').collect();
    let sandbox = Path::new(folders[0]);
    assert_ne!(sandbox, home.path());
    assert!(!sandbox.starts_with(home.path()), "{sandbox:?}");
    for folder in &folders[1..] {
        assert!(
            Path::new(folder).starts_with(sandbox),
            "{folder} is outside the sandbox {sandbox:?}"
        );
    }
    assert!(!sandbox.exists(), "the sandbox {sandbox:?} was left behind");
    assert!(!home.path().join(".codex/tmp").exists());
    assert!(home.path().join(".codex/config.toml").exists());
    // A shell script that names no file of the agent's is a wrapper: what it starts can change
    // without it, so the next command asks again (and never takes a stored answer).
    assert_eq!(version_of(&home, "codex"), "0.150.0");
    assert_eq!(runs(&home).len(), 2);
    assert!(
        !std::fs::read_to_string(home.path().join(".local/state/agentgw/agent-versions.json"))
            .unwrap_or_default()
            .contains(&codex.display().to_string())
    );
}

/// An executable nothing on disk explains that is not a shell script (a release binary dropped
/// into ~/.local/bin, here a Perl program standing in for one): asked once, then found in the
/// cache until the file changes.
#[test]
fn an_unknown_executable_is_asked_once_then_cached() {
    let home = home();
    let codex = write_executable(
        &home.path().join("bin/codex"),
        &format!(
            "#!/usr/bin/perl\nopen(my $log, '>>', '{}');\nprint $log \"run\\n\";\nprint \"codex-cli 0.150.0\\n\";\n",
            runs_log(&home).display()
        ),
    );
    assert_eq!(version_of(&home, "codex"), "0.150.0");
    assert_eq!(runs(&home).len(), 1);
    // The next command finds it in the cache: no start at all.
    assert_eq!(version_of(&home, "codex"), "0.150.0");
    assert_eq!(runs(&home).len(), 1);
    // A new executable is asked again.
    let program = std::fs::read_to_string(&codex).unwrap();
    std::fs::remove_file(&codex).unwrap();
    write_executable(&codex, &program.replace("0.150.0", "0.160.0"));
    assert_eq!(version_of(&home, "codex"), "0.160.0");
    assert_eq!(runs(&home).len(), 2);
}

/// A wrapper that starts whatever its environment names: after an upgrade behind it, the
/// version is the new one, not the one found before.
#[test]
fn a_wrapper_script_gives_the_version_of_what_it_starts_now() {
    let home = home();
    write_executable(
        &home.path().join("bin/gemini"),
        "#!/bin/sh\nexec \"$AGENTGW_TEST_GEMINI\" \"$@\"\n",
    );
    let mut said = Vec::new();
    for version in ["0.55.0", "0.60.0"] {
        let real = write_executable(
            &home.path().join(format!("tools/{version}/gemini")),
            &format!("#!/bin/sh\necho {version}\n"),
        );
        let out = home
            .cmd()
            .env("PATH", path_var(&home))
            .env("AGENTGW_TEST_GEMINI", &real)
            .args(["status", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let status: Value = serde_json::from_str(&stdout(&out)).unwrap();
        said.push(status["agents"][2]["version"].clone());
    }
    assert_eq!(said, [Value::from("0.55.0"), Value::from("0.60.0")]);
}

/// nodenv's shims are shell scripts that start `nodenv exec`: the install of the Node version
/// nodenv selects (NODENV_VERSION, a `.node-version` up from the current folder, else its
/// global `version` file) says the version, without starting anything.
#[test]
fn a_nodenv_shim_leads_to_the_selected_nodes_install() {
    let home = home();
    let root = home.path().join(".nodenv");
    for (node, gemini) in [("20.11.0", "0.55.0"), ("22.1.0", "0.60.0")] {
        let prefix = format!(".nodenv/versions/{node}");
        let cli = npm_package(
            &home,
            &prefix,
            "@google/gemini-cli",
            gemini,
            "dist/index.js",
        );
        link(&root.join(format!("versions/{node}/bin/gemini")), &cli);
    }
    never_to_be_started(&home, &root.join("libexec/nodenv"));
    write_executable(
        &home.path().join("bin/gemini"),
        &format!(
            "#!/usr/bin/env bash\nset -e\n[ -n \"$NODENV_DEBUG\" ] && set -x\n\nprogram=\"${{0##*/}}\"\n\n\
             export NODENV_ROOT=\"{root}\"\nexec \"{root}/libexec/nodenv\" exec \"$program\" \"$@\"\n",
            root = root.display()
        ),
    );
    write(&root.join("version"), "20.11.0\n");
    assert_eq!(version_of(&home, "gemini"), "0.55.0");
    // `nodenv global 22.1.0`: the shim is the same file, the version is not.
    write(&root.join("version"), "22.1.0\n");
    assert_eq!(version_of(&home, "gemini"), "0.60.0");
    // A project's .node-version wins over the global one; NODENV_VERSION over both.
    let project = home.path().join("project/src");
    std::fs::create_dir_all(&project).unwrap();
    write(&home.path().join("project/.node-version"), "v20.11.0\n");
    let version_in = |dir: &Path, env: Option<&str>| {
        let mut cmd = home.cmd();
        cmd.env("PATH", path_var(&home)).current_dir(dir);
        if let Some(node) = env {
            cmd.env("NODENV_VERSION", node);
        }
        let out = cmd.args(["status", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let status: Value = serde_json::from_str(&stdout(&out)).unwrap();
        status["agents"][2]["version"].clone()
    };
    assert_eq!(version_in(&project, None), "0.55.0");
    assert_eq!(version_in(&project, Some("22.1.0")), "0.60.0");
    assert_nothing_started(&home);
}

#[test]
fn versions_are_asked_in_parallel() {
    let home = home();
    let met = home.path().join("met");
    std::fs::create_dir_all(&met).unwrap();
    // Each prints its version only if the other one started while it waited (up to 5 s): asked
    // one after another, the first would say nothing.
    for (me, other, said) in [
        ("codex", "gemini", "codex-cli 0.150.0"),
        ("gemini", "codex", "0.40.0"),
    ] {
        write_executable(
            &home.path().join("bin").join(me),
            &format!(
                "#!/bin/sh\ncd '{dir}'\ntouch {me}-started\ni=0\n\
                 while [ ! -e {other}-started ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done\n\
                 [ -e {other}-started ] && echo '{said}'\n",
                dir = met.display()
            ),
        );
    }
    assert_eq!(
        versions(&home),
        [
            ("claude".to_string(), Value::Null),
            ("codex".to_string(), Value::from("0.150.0")),
            ("gemini".to_string(), Value::from("0.40.0")),
            ("copilot".to_string(), Value::Null),
        ]
    );
}

#[test]
fn token_and_otel_headers_never_look_at_agents() {
    let home = home();
    for agent in ["claude", "codex", "gemini"] {
        never_to_be_started(&home, &home.path().join("bin").join(agent));
    }
    for command in ["token", "otel-headers"] {
        let out = home
            .cmd()
            .env("PATH", path_var(&home))
            .arg(command)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_nothing_started(&home);
    assert!(
        !home
            .path()
            .join(".local/state/agentgw/agent-versions.json")
            .exists()
    );
}
