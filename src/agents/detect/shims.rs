//! Seeing through what stands between the command on PATH and the agent's real executable.
//!
//! Symlinks (npm's bin links, nvm, fnm, Bun, Yarn, Homebrew, Claude Code's native installer) are
//! resolved by the caller. This module handles what a symlink does not say:
//! - a shell-script shim that names the real path: pnpm's and cmd-shim's (`"$basedir/…/cli.js"`),
//!   Claude Code's old local install (`exec "~/.claude/local/node_modules/.bin/claude"`), a
//!   user's own wrapper;
//! - asdf's shims (`<data>/shims/<cmd>`, a script with one `# asdf-plugin: <plugin> <version>`
//!   line per install that has the command, at `<data>/installs/<plugin>/<version>/bin/<cmd>`);
//! - mise's shims (`<data>/shims/<cmd>`, a symlink to the `mise` binary; installs at
//!   `<data>/installs/<tool>/<version>/bin/<cmd>`);
//! - Volta's shims (`<volta>/bin/<cmd>`, a symlink to `volta-shim`; packages at
//!   `<volta>/tools/image/packages/<package>/lib/node_modules/<package>`);
//! - nodenv's shims (`<root>/shims/<cmd>`, a script exporting `NODENV_ROOT` that starts
//!   `nodenv exec`; installs at `<root>/versions/<node>/bin/<cmd>`).
//!
//! A shell script that names no file of the agent's (`exec "$SOME_VAR" "$@"`) starts something
//! chosen when it runs, which can change while the script stays the same: it is undecided, so
//! its version is asked each time and never kept.

use super::super::AgentInfo;
use super::layout;
use std::path::{Path, PathBuf};

/// Where a shim leads.
#[derive(Debug, PartialEq)]
pub enum Leads {
    /// Not a shim this module knows: the file is the executable itself.
    Nowhere,
    /// The real executable (or the package's manifest), symlinks resolved.
    To(PathBuf),
    /// A version manager picks among installs by its own configuration at run time, and what is
    /// on disk does not say which.
    Undecided,
}

/// The largest script read as a possible shim: shims are a few hundred bytes, bundles megabytes.
const MAX_SHIM_SIZE: u64 = 64 * 1024;

/// Follows the shim `real` (the command on PATH, `command`, with its symlinks resolved).
pub fn follow(command: &Path, real: &Path, agent: &AgentInfo) -> Leads {
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.trim_end_matches(".exe");
    match name {
        "volta-shim" => volta(command, agent),
        "mise" | "rtx" => mise(command, agent),
        _ => match shell_script(real) {
            Some(text) => script(command, real, &text, agent),
            None => Leads::Nowhere,
        },
    }
}

/// The text of `file` if it is a small script run by a POSIX shell.
fn shell_script(file: &Path) -> Option<String> {
    if std::fs::metadata(file).ok()?.len() > MAX_SHIM_SIZE {
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let interpreter = text.lines().next()?.strip_prefix("#!")?;
    let shell = interpreter.split_whitespace().any(|word| {
        let program = word.rsplit('/').next().unwrap_or(word);
        matches!(program, "sh" | "bash" | "dash" | "zsh" | "ksh")
    });
    shell.then_some(text)
}

fn script(command: &Path, real: &Path, text: &str, agent: &AgentInfo) -> Leads {
    let plugins: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# asdf-plugin:"))
        .filter_map(|rest| {
            let mut words = rest.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .collect();
    if !plugins.is_empty() {
        return asdf(command, &plugins, agent);
    }
    if let Some(root) = nodenv_root(text) {
        return nodenv(&root, agent);
    }
    let dir = command.parent().unwrap_or(Path::new("."));
    let named: Vec<PathBuf> = path_words(text)
        .filter_map(|word| expand(&word, dir))
        .filter(|path| path.is_file())
        .filter_map(|path| std::fs::canonicalize(path).ok())
        .collect();
    // A named file of the agent's package (or install path) is the real executable; failing that,
    // one named file called like the command (a wrapper around an unpackaged binary).
    if let Some(packaged) = named
        .iter()
        .find(|p| layout::version_of(p, agent).is_some())
    {
        return Leads::To(packaged.clone());
    }
    let mut same_name = named
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == agent.program));
    match (same_name.next(), same_name.next()) {
        (Some(only), None) => Leads::To(only.clone()),
        // The script's own place may say it (a Homebrew keg's wrapper); else it is a wrapper
        // around something it does not name.
        _ if layout::version_of(real, agent).is_some() => Leads::Nowhere,
        _ => Leads::Undecided,
    }
}

/// The words of a script that may be paths: quoted strings whole, the rest split at blanks and
/// shell punctuation. `NODE_PATH="/a:/b"` gives `/a` and `/b`.
fn path_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(|line| {
            let mut words = Vec::new();
            let mut word = String::new();
            let mut quote = None;
            for c in line.chars() {
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), ':') => words.push(std::mem::take(&mut word)),
                    (Some(_), c) => word.push(c),
                    (None, '"' | '\'') => quote = Some(c),
                    (None, c) if c.is_whitespace() || ":=;|&()<>`".contains(c) => {
                        words.push(std::mem::take(&mut word))
                    }
                    (None, c) => word.push(c),
                }
            }
            words.push(word);
            words
        })
        .filter(|w| !w.is_empty())
}

/// A script word as a path: absolute, or under `$basedir` (cmd-shim's name for the script's
/// folder), `$HOME` or `~`.
fn expand(word: &str, script_dir: &Path) -> Option<PathBuf> {
    let home = || dirs::home_dir();
    for (prefix, base) in [
        ("$basedir/", Some(script_dir.to_path_buf())),
        ("${basedir}/", Some(script_dir.to_path_buf())),
        ("$HOME/", home()),
        ("${HOME}/", home()),
        ("~/", home()),
    ] {
        if let Some(rest) = word.strip_prefix(prefix) {
            return base.map(|b| b.join(rest));
        }
    }
    word.starts_with('/').then(|| PathBuf::from(word))
}

/// The real executables among `candidates` (symlinks resolved, duplicates dropped): the one
/// install if they all say the same version, else undecided.
fn agreeing(candidates: impl Iterator<Item = PathBuf>, agent: &AgentInfo) -> Leads {
    let mut found: Vec<PathBuf> = candidates
        .filter_map(|c| std::fs::canonicalize(c).ok())
        .collect();
    found.sort();
    found.dedup();
    let versions: Vec<_> = found.iter().map(|f| layout::version_of(f, agent)).collect();
    match found.first() {
        None => Leads::Undecided,
        Some(first) if found.len() == 1 => Leads::To(first.clone()),
        Some(first) if versions.iter().all(|v| v.is_some() && *v == versions[0]) => {
            Leads::To(first.clone())
        }
        Some(_) => Leads::Undecided,
    }
}

/// The folder two levels up from a shim in `<data>/<shims_dir>/<cmd>`.
fn data_dir_of(command: &Path, shims_dir: &str) -> Option<PathBuf> {
    let dir = command.parent()?;
    (dir.file_name()? == shims_dir).then(|| dir.parent().map(Path::to_path_buf))?
}

/// asdf: the install its configuration selects for the plugins the shim names
/// (`ASDF_<PLUGIN>_VERSION`, else the nearest `.tool-versions` from the current folder up, else
/// `~/.tool-versions`), or the only install there is.
fn asdf(command: &Path, plugins: &[(&str, &str)], agent: &AgentInfo) -> Leads {
    let Some(data) = data_dir_of(command, "shims") else {
        return Leads::Undecided;
    };
    let install = |plugin: &str, version: &str| {
        data.join("installs")
            .join(plugin)
            .join(version)
            .join("bin")
            .join(agent.program)
    };
    let selected: Vec<PathBuf> = plugins
        .iter()
        .filter(|(plugin, version)| {
            asdf_selected(plugin).is_some_and(|chosen| chosen.iter().any(|c| c == version))
        })
        .map(|(plugin, version)| install(plugin, version))
        .collect();
    if let Some(first) = selected.first() {
        return agreeing(std::iter::once(first.clone()), agent);
    }
    agreeing(plugins.iter().map(|(p, v)| install(p, v)), agent)
}

/// The versions of `plugin` asdf's configuration names, best first.
fn asdf_selected(plugin: &str) -> Option<Vec<String>> {
    let var = format!(
        "ASDF_{}_VERSION",
        plugin.to_ascii_uppercase().replace('-', "_")
    );
    if let Some(version) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
        return Some(vec![version]);
    }
    let cwd = std::env::current_dir().ok();
    let dirs = cwd
        .iter()
        .flat_map(|d| d.ancestors().map(Path::to_path_buf));
    dirs.chain(dirs::home_dir()).find_map(|dir| {
        let text = std::fs::read_to_string(dir.join(".tool-versions")).ok()?;
        text.lines().find_map(|line| {
            let line = line.split('#').next().unwrap_or_default();
            let mut words = line.split_whitespace();
            (words.next()? == plugin).then(|| words.map(str::to_string).collect())
        })
    })
}

/// mise: the agent in every install that has it; decided when they all agree.
fn mise(command: &Path, agent: &AgentInfo) -> Leads {
    let Some(installs) = data_dir_of(command, "shims").map(|d| d.join("installs")) else {
        return Leads::Undecided;
    };
    let candidates = subdirs(&installs)
        .flat_map(|tool| subdirs(&tool).collect::<Vec<_>>())
        .map(|install| install.join("bin").join(agent.program))
        .filter(|path| path.is_file());
    agreeing(candidates, agent)
}

/// Volta: the agent's npm package in Volta's package image.
fn volta(command: &Path, agent: &AgentInfo) -> Leads {
    let home = std::env::var_os("VOLTA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| data_dir_of(command, "bin"));
    let Some(home) = home else {
        return Leads::Undecided;
    };
    let image = home.join("tools/image/packages").join(agent.npm_package);
    // `lib/node_modules` on Unix, `node_modules` on Windows.
    let manifests = [
        image.join("lib/node_modules").join(agent.npm_package),
        image.join("node_modules").join(agent.npm_package),
    ]
    .map(|dir| dir.join("package.json"));
    match manifests.into_iter().find(|m| m.is_file()) {
        Some(manifest) => agreeing(std::iter::once(manifest), agent),
        None => Leads::Undecided,
    }
}

/// The root a nodenv shim names: `export NODENV_ROOT="/home/me/.nodenv"`.
fn nodenv_root(text: &str) -> Option<PathBuf> {
    text.lines().find_map(|line| {
        let value = line.trim().strip_prefix("export NODENV_ROOT=")?;
        let value = value.trim().trim_matches(['"', '\'']);
        (!value.is_empty()).then(|| PathBuf::from(value))
    })
}

/// nodenv: the agent in the install of the Node version nodenv selects; undecided when that is
/// the system's Node or nothing is selected.
fn nodenv(root: &Path, agent: &AgentInfo) -> Leads {
    let Some(node) = nodenv_selected(root) else {
        return Leads::Undecided;
    };
    // `.node-version` files often say `v20.11.0` or `node-20.11.0`; nodenv's folder is
    // `20.11.0`, and nodenv tries each.
    let install = [
        node.as_str(),
        node.strip_prefix('v').unwrap_or(&node),
        node.strip_prefix("node-").unwrap_or(&node),
    ]
    .into_iter()
    .map(|name| {
        root.join("versions")
            .join(name)
            .join("bin")
            .join(agent.program)
    })
    .find(|path| path.is_file());
    match install {
        Some(install) => agreeing(std::iter::once(install), agent),
        None => Leads::Undecided,
    }
}

/// The Node version nodenv selects: `NODENV_VERSION`, else the nearest `.node-version` (or
/// `.nodenv-version`) from the current folder up, else its global `version` file.
fn nodenv_selected(root: &Path) -> Option<String> {
    if let Some(version) = std::env::var("NODENV_VERSION")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return Some(version.trim().to_string());
    }
    let first_word = |file: PathBuf| -> Option<String> {
        let text = std::fs::read_to_string(file).ok()?;
        text.split_whitespace().next().map(str::to_string)
    };
    let cwd = std::env::current_dir().ok();
    cwd.iter()
        .flat_map(|dir| dir.ancestors())
        .find_map(|dir| {
            first_word(dir.join(".node-version"))
                .or_else(|| first_word(dir.join(".nodenv-version")))
        })
        .or_else(|| first_word(root.join("version")))
}

fn subdirs(dir: &Path) -> impl Iterator<Item = PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::agents::{Version, by_id};
    use std::fs;

    fn agent(id: &str) -> &'static AgentInfo {
        by_id(id).unwrap().info()
    }

    /// A folder tree for one test, with helpers to put files and links in it.
    struct Tree(tempfile::TempDir);

    impl Tree {
        fn new() -> Tree {
            Tree(tempfile::tempdir().unwrap())
        }

        fn path(&self, rel: &str) -> PathBuf {
            self.0.path().join(rel)
        }

        fn write(&self, rel: &str, text: &str) -> PathBuf {
            let path = self.path(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, text).unwrap();
            path
        }

        fn link(&self, rel: &str, target: &Path) -> PathBuf {
            let path = self.path(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(target, &path).unwrap();
            path
        }

        /// An npm package with its `bin` file; returns the bin file.
        fn package(&self, prefix: &str, name: &str, version: &str, bin: &str) -> PathBuf {
            let dir = format!("{prefix}/lib/node_modules/{name}");
            self.write(
                &format!("{dir}/package.json"),
                &format!(r#"{{"name": "{name}", "version": "{version}"}}"#),
            );
            self.write(&format!("{dir}/{bin}"), "#!/usr/bin/env node\n")
        }
    }

    fn real(path: &Path) -> PathBuf {
        fs::canonicalize(path).unwrap()
    }

    #[test]
    fn a_pnpm_shim_leads_to_the_package_it_names() {
        let tree = Tree::new();
        let cli = tree.package(
            "pnpm/global/5",
            "@anthropic-ai/claude-code",
            "2.1.300",
            "cli.js",
        );
        let shim = tree.write(
            "pnpm/claude",
            "#!/bin/sh\nbasedir=$(dirname \"$(echo \"$0\" | sed -e 's,\\\\,/,g')\")\n\
             if [ -x \"$basedir/node\" ]; then\n\
               exec \"$basedir/node\"  \"$basedir/global/5/lib/node_modules/@anthropic-ai/claude-code/cli.js\" \"$@\"\n\
             else\n\
               exec node  \"$basedir/global/5/lib/node_modules/@anthropic-ai/claude-code/cli.js\" \"$@\"\n\
             fi\n",
        );
        assert_eq!(follow(&shim, &shim, agent("claude")), Leads::To(real(&cli)));
    }

    #[test]
    fn a_wrapper_naming_an_absolute_path_leads_there() {
        let tree = Tree::new();
        let cli = tree.package("local", "@anthropic-ai/claude-code", "1.0.80", "cli.js");
        let bin = tree.link("local/node_modules/.bin/claude", &cli);
        let wrapper = tree.write(
            "claude-wrapper",
            &format!("#!/bin/bash\nexec \"{}\" \"$@\"\n", bin.display()),
        );
        assert_eq!(
            follow(&wrapper, &wrapper, agent("claude")),
            Leads::To(real(&cli))
        );
    }

    #[test]
    fn a_script_that_names_nothing_of_the_agent_is_undecided() {
        let tree = Tree::new();
        tree.write("log", "");
        let script = tree.write(
            "codex",
            &format!(
                "#!/bin/sh\necho run >> {}\nexec \"$REAL_CODEX\" \"$@\"\n",
                tree.path("log").display()
            ),
        );
        assert_eq!(follow(&script, &script, agent("codex")), Leads::Undecided);
        // Unless its own place says the version: a wrapper in a Homebrew keg.
        let keg = tree.write(
            "Cellar/codex/0.171.0/bin/codex",
            "#!/bin/bash\nexec \"$(dirname \"$0\")/../libexec/codex\" \"$@\"\n",
        );
        assert_eq!(follow(&keg, &keg, agent("codex")), Leads::Nowhere);
        // A JavaScript bundle is never read as a shim.
        let bundle = tree.write("gemini.js", "#!/usr/bin/env node\n\"/etc/passwd\"\n");
        assert_eq!(follow(&bundle, &bundle, agent("gemini")), Leads::Nowhere);
    }

    #[test]
    fn an_asdf_shim_leads_to_the_one_install_with_the_command() {
        let tree = Tree::new();
        let cli = tree.package(
            "asdf/installs/nodejs/20.11.0",
            "@google/gemini-cli",
            "0.55.0",
            "dist/index.js",
        );
        tree.link("asdf/installs/nodejs/20.11.0/bin/gemini", &cli);
        let shim = tree.write(
            "asdf/shims/gemini",
            "#!/usr/bin/env bash\n# asdf-plugin: nodejs 20.11.0\nexec asdf exec \"gemini\" \"$@\"\n",
        );
        let leads = follow(&shim, &shim, agent("gemini"));
        assert_eq!(leads, Leads::To(real(&cli)));
        let Leads::To(file) = leads else {
            unreachable!()
        };
        assert_eq!(
            layout::version_of(&file, agent("gemini")),
            Some(Version(0, 55, 0))
        );
    }

    #[test]
    fn an_asdf_shim_over_installs_that_disagree_is_undecided_unless_configured() {
        let tree = Tree::new();
        for (node, gemini) in [("18.19.0", "0.40.0"), ("20.11.0", "0.55.0")] {
            let prefix = format!("asdf/installs/nodejs/{node}");
            let cli = tree.package(&prefix, "@google/gemini-cli", gemini, "dist/index.js");
            tree.link(&format!("{prefix}/bin/gemini"), &cli);
        }
        let shim = tree.write(
            "asdf/shims/gemini",
            "#!/usr/bin/env bash\n# asdf-plugin: nodejs 18.19.0\n# asdf-plugin: nodejs 20.11.0\nexec asdf exec \"gemini\" \"$@\"\n",
        );
        // No ASDF_NODEJS_VERSION in the unit tests' environment, and no .tool-versions naming
        // nodejs above the crate or in HOME on a build machine: asdf's choice is not on disk.
        if asdf_selected("nodejs").is_none() {
            assert_eq!(follow(&shim, &shim, agent("gemini")), Leads::Undecided);
        }
    }

    #[test]
    fn a_mise_shim_leads_to_the_install_that_has_the_command() {
        let tree = Tree::new();
        let mise = tree.write("bin/mise", "\x7fELF");
        let cli = tree.package(
            "mise/installs/npm-openai-codex/0.160.0",
            "@openai/codex",
            "0.160.0",
            "bin/codex.js",
        );
        tree.link("mise/installs/npm-openai-codex/0.160.0/bin/codex", &cli);
        // mise links `latest` and partial versions to the install: the same one.
        tree.link(
            "mise/installs/npm-openai-codex/latest",
            &tree.path("mise/installs/npm-openai-codex/0.160.0"),
        );
        fs::create_dir_all(tree.path("mise/installs/node/22.1.0/bin")).unwrap();
        let shim = tree.link("mise/shims/codex", &mise);
        assert_eq!(
            follow(&shim, &real(&shim), agent("codex")),
            Leads::To(real(&cli))
        );
    }

    #[test]
    fn a_volta_shim_leads_to_the_package_in_voltas_image() {
        let tree = Tree::new();
        let volta_shim = tree.write("volta/bin/volta-shim", "\x7fELF");
        let shim = tree.link("volta/bin/gemini", &volta_shim);
        let manifest = tree.write(
            "volta/tools/image/packages/@google/gemini-cli/lib/node_modules/@google/gemini-cli/package.json",
            r#"{"name": "@google/gemini-cli", "version": "0.58.0"}"#,
        );
        if std::env::var_os("VOLTA_HOME").is_none() {
            let leads = follow(&shim, &real(&shim), agent("gemini"));
            assert_eq!(leads, Leads::To(real(&manifest)));
        }
        // Without the package there, Volta decides at run time.
        let other = tree.link("volta/bin/claude", &volta_shim);
        if std::env::var_os("VOLTA_HOME").is_none() {
            assert_eq!(
                follow(&other, &real(&other), agent("claude")),
                Leads::Undecided
            );
        }
    }
}
