//! An agent's version read from how it is installed, without starting it: the `package.json` of
//! the npm package the executable belongs to, the version folder of Claude Code's native
//! installer (`~/.local/share/claude/versions/2.1.332`), or Homebrew's keg
//! (`/opt/homebrew/Cellar/codex/0.171.0/bin/codex`, `/opt/homebrew/Caskroom/claude-code/2.1.332/claude`).

use super::super::{AgentInfo, Version};
use std::path::{Component, Path};

/// The version of `agent` that the real (symlink-free) executable `file` belongs to, if its
/// install layout says it.
pub fn version_of(file: &Path, agent: &AgentInfo) -> Option<Version> {
    match npm_package_version(file, agent) {
        Owner::Agent(version) => Some(version),
        Owner::Other | Owner::Nobody => version_in_path(file, agent),
    }
}

/// Who the nearest `package.json` above a file says the file belongs to.
#[derive(Debug, PartialEq)]
enum Owner {
    Agent(Version),
    /// Another npm package (a user's project, Node itself…): its version is not the agent's.
    Other,
    Nobody,
}

/// Walks up from `file` to the nearest `package.json` that names a package. A `package.json`
/// without a name (some packages put `{"type": "module"}` in a subfolder) does not own the file.
fn npm_package_version(file: &Path, agent: &AgentInfo) -> Owner {
    for dir in file.ancestors().skip(1) {
        let Ok(text) = std::fs::read_to_string(dir.join("package.json")) else {
            continue;
        };
        let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else {
            continue;
        };
        let Some(name) = manifest.name else {
            continue;
        };
        if !is_agents_package(&name, agent) {
            return Owner::Other;
        }
        return match manifest.version.as_deref().and_then(Version::find_in) {
            Some(version) => Owner::Agent(version),
            None => Owner::Other,
        };
    }
    Owner::Nobody
}

#[derive(serde::Deserialize)]
struct Manifest {
    name: Option<String>,
    version: Option<String>,
}

/// The agent's own package or one of its platform packages, which carry the native binary and the
/// same version: `@anthropic-ai/claude-code-linux-x64` for `@anthropic-ai/claude-code`. (Codex's
/// platform packages are npm aliases whose manifest says `@openai/codex`, version
/// `0.171.0-linux-x64`.)
fn is_agents_package(name: &str, agent: &AgentInfo) -> bool {
    name == agent.npm_package
        || FORMER_NAMES.contains(&(agent.npm_package, name))
        || name
            .strip_prefix(agent.npm_package)
            .is_some_and(|rest| rest.starts_with('-'))
        || is_platform_package_of_program(name, agent.program)
}

/// Packages an agent was published as before its current name (`(current, former)`): its older
/// releases are still installed under them. Pi moved to `@earendil-works` at 0.74.0; up to
/// 0.73.1 it is `@mariozechner/pi-coding-agent`, whose `--version` prints to stderr (0.63.0),
/// so only its package.json says the version.
const FORMER_NAMES: [(&str, &str); 1] = [(
    "@earendil-works/pi-coding-agent",
    "@mariozechner/pi-coding-agent",
)];

/// A platform package named for the command rather than the npm package: OpenCode's
/// `opencode-linux-x64` (and `-baseline`, `-musl`) carries `opencode-ai`'s binary and version.
fn is_platform_package_of_program(name: &str, program: &str) -> bool {
    name.strip_prefix(program)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|platform| {
            ["linux-", "darwin-", "windows-"]
                .iter()
                .any(|os| platform.starts_with(os))
        })
}

/// The version in the install path: `<agent>/versions/<X.Y.Z>` (Claude Code's native installer)
/// or `Cellar|Caskroom/<formula>/<X.Y.Z>` (Homebrew). The folder before the version must name
/// the agent, so `~/.nvm/versions/node/v20.11.0/bin/claude` or Node's own keg never pass for it.
pub fn version_in_path(file: &Path, agent: &AgentInfo) -> Option<Version> {
    let parts: Vec<&str> = file
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    parts.windows(3).find_map(|w| {
        let (owner, marker, version) = (w[0], w[1], w[2]);
        let native = marker == "versions" && names_agent(owner, agent);
        let homebrew = matches!(owner, "Cellar" | "Caskroom") && names_agent(marker, agent);
        (native || homebrew)
            .then(|| version_folder(version))
            .flatten()
    })
}

/// A folder or formula named for the agent: its command (`claude`, `.claude`) or its npm
/// package's last part (`claude-code`, `gemini-cli`: also the Homebrew names).
fn names_agent(name: &str, agent: &AgentInfo) -> bool {
    let name = name.trim_start_matches('.').to_ascii_lowercase();
    let package = agent.npm_package.rsplit('/').next().unwrap_or_default();
    name == agent.program || name == package
}

/// `2.1.332`, or a Homebrew revision such as `0.171.0_1`; not `v20.11.0` or `latest`.
fn version_folder(name: &str) -> Option<Version> {
    if !name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let version = Version::find_in(name)?;
    name.starts_with(&version.to_string()).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::by_id;
    use std::fs;

    fn agent(id: &str) -> &'static AgentInfo {
        by_id(id).unwrap().info()
    }

    #[test]
    fn claudes_native_install_names_its_version() {
        let file = Path::new("/home/u/.local/share/claude/versions/2.1.332");
        assert_eq!(
            version_in_path(file, agent("claude")),
            Some(Version(2, 1, 332))
        );
    }

    #[test]
    fn homebrew_kegs_name_their_version() {
        let codex = Path::new("/opt/homebrew/Cellar/codex/0.171.0_1/bin/codex");
        assert_eq!(
            version_in_path(codex, agent("codex")),
            Some(Version(0, 171, 0))
        );
        let gemini = Path::new("/home/linuxbrew/.linuxbrew/Cellar/gemini-cli/0.61.0/bin/gemini");
        assert_eq!(
            version_in_path(gemini, agent("gemini")),
            Some(Version(0, 61, 0))
        );
        let claude = Path::new("/opt/homebrew/Caskroom/claude-code/2.1.332/claude");
        assert_eq!(
            version_in_path(claude, agent("claude")),
            Some(Version(2, 1, 332))
        );
    }

    #[test]
    fn version_folders_of_other_tools_are_not_the_agents() {
        for (path, id) in [
            ("/home/u/.nvm/versions/node/v20.11.0/bin/claude", "claude"),
            ("/opt/homebrew/Cellar/node/22.1.0/bin/codex", "codex"),
            (
                "/home/u/.local/share/cursor-agent/versions/2025.11.25/gemini",
                "gemini",
            ),
            ("/home/u/.local/share/claude/versions/latest", "claude"),
            ("/home/u/.local/share/claude/versions/2.1.332", "codex"),
        ] {
            assert_eq!(version_in_path(Path::new(path), agent(id)), None, "{path}");
        }
    }

    #[test]
    fn pis_former_package_name_says_its_version() {
        let root = tempfile::tempdir().unwrap();
        let package = root
            .path()
            .join("lib/node_modules/@mariozechner/pi-coding-agent");
        fs::create_dir_all(package.join("dist")).unwrap();
        fs::write(
            package.join("package.json"),
            r#"{"name": "@mariozechner/pi-coding-agent", "version": "0.63.0"}"#,
        )
        .unwrap();
        let cli = package.join("dist/cli.js");
        fs::write(&cli, "").unwrap();
        assert_eq!(version_of(&cli, agent("pi")), Some(Version(0, 63, 0)));
        // Not another agent's.
        assert_eq!(version_of(&cli, agent("claude")), None);
    }

    #[test]
    fn the_nearest_named_package_json_decides() {
        let root = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = root.path().join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, text).unwrap();
            path
        };
        let package = "lib/node_modules/@google/gemini-cli";
        write(
            &format!("{package}/package.json"),
            r#"{"name": "@google/gemini-cli", "version": "0.61.0"}"#,
        );
        // A nameless package.json below does not own the file.
        write(
            &format!("{package}/dist/package.json"),
            r#"{"type": "module"}"#,
        );
        let script = write(&format!("{package}/dist/index.js"), "");
        assert_eq!(
            version_of(&script, agent("gemini")),
            Some(Version(0, 61, 0))
        );
        // Another package's file is not the agent's, whatever lies above it.
        let other = "lib/node_modules/@google/gemini-cli/node_modules/left-pad";
        write(
            &format!("{other}/package.json"),
            r#"{"name": "left-pad", "version": "1.3.0"}"#,
        );
        let file = write(&format!("{other}/index.js"), "");
        assert_eq!(version_of(&file, agent("gemini")), None);
    }

    #[test]
    fn platform_packages_carry_the_agents_version() {
        let claude = agent("claude");
        assert!(is_agents_package("@anthropic-ai/claude-code", claude));
        assert!(is_agents_package(
            "@anthropic-ai/claude-code-linux-x64",
            claude
        ));
        assert!(!is_agents_package("@anthropic-ai/claude-codex", claude));
        assert!(!is_agents_package("@anthropic-ai/sdk", claude));
        let opencode = agent("opencode");
        assert!(is_agents_package("opencode-ai", opencode));
        assert!(is_agents_package("opencode-linux-x64-baseline", opencode));
        assert!(is_agents_package("opencode-darwin-arm64", opencode));
        assert!(!is_agents_package("opencode-anthropic-auth", opencode));
    }
}
