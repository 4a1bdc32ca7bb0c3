//! The pinned agent releases (tests/agents/versions.txt, shared with scripts/install-agents.sh) and
//! where the install script put them.

use std::path::PathBuf;

const VERSIONS: &str = include_str!("versions.txt");

#[derive(Debug, Clone)]
pub struct Release {
    pub agent: String,
    /// `current` or `oldest`.
    pub role: String,
    pub package: String,
    pub version: String,
}

impl Release {
    /// The link the install script makes to the release's executable, `<dir>/<package>@<version>/bin/<agent>`.
    fn executable(&self) -> PathBuf {
        agents_dir()
            .join(format!("{}@{}", self.package, self.version))
            .join("bin")
            .join(&self.agent)
    }

    /// Whether this release is `version` or newer (dotted numbers compared one by one).
    pub fn at_least(&self, version: &str) -> bool {
        numbers(&self.version) >= numbers(version)
    }
}

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.agent, self.version, self.role)
    }
}

fn numbers(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map(|part| {
            part.parse()
                .unwrap_or_else(|_| panic!("not a release number: {version}"))
        })
        .collect()
}

fn agents_dir() -> PathBuf {
    match std::env::var_os("AGENTGW_AGENTS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/agents"),
    }
}

fn pinned(agent: &str) -> Vec<Release> {
    VERSIONS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(
                fields.len(),
                4,
                "versions.txt: want <agent> <role> <package> <version>: {line}"
            );
            Release {
                agent: fields[0].into(),
                role: fields[1].into(),
                package: fields[2].into(),
                version: fields[3].into(),
            }
        })
        .filter(|release| release.agent == agent)
        .collect()
}

/// Every pinned release of `agent` with its executable. When one is not installed: in CI (`CI` set)
/// the test fails; on a developer's machine it prints why it is skipped and gets `None`, so the
/// suite stays green for those who never ran the install script.
pub fn installed(agent: &str) -> Option<Vec<(Release, PathBuf)>> {
    let releases = pinned(agent);
    assert!(
        !releases.is_empty(),
        "versions.txt pins no release of {agent}"
    );
    let missing: Vec<String> = releases
        .iter()
        .filter(|release| !release.executable().exists())
        .map(|release| release.to_string())
        .collect();
    if !missing.is_empty() {
        let why = format!(
            "{} not installed in {}",
            missing.join(", "),
            agents_dir().display()
        );
        if std::env::var_os("CI").is_some() {
            panic!("{why}: CI must run scripts/install-agents.sh first");
        }
        eprintln!("skipped: run scripts/install-agents.sh ({why})");
        return None;
    }
    Some(
        releases
            .into_iter()
            .map(|release| {
                let executable = release.executable();
                (release, executable)
            })
            .collect(),
    )
}

/// agentgw's own idea of the supported range (doctor warns and fails by it) is the range CI runs.
#[test]
fn agentgw_knows_the_pinned_range() {
    for agent in ["claude", "codex", "gemini", "pi", "copilot"] {
        let (oldest, newest) = agentgw::agents::by_id(agent).unwrap().info().supported;
        let pinned = pinned(agent);
        let role = |r: &str| {
            pinned
                .iter()
                .find(|p| p.role == r)
                .map(|p| p.version.clone())
        };
        assert_eq!(role("oldest"), Some(oldest.to_string()), "{agent}");
        assert_eq!(role("current"), Some(newest.to_string()), "{agent}");
    }
}
