//! The committed completions/ scripts must match what the current CLI generates.
//! Regenerate them with: scripts/update-completions.sh

use crate::common::TestHome;

#[test]
fn committed_completions_are_up_to_date() {
    let home = TestHome::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [
        ("bash", "agentgw.bash"),
        ("zsh", "_agentgw"),
        ("fish", "agentgw.fish"),
        ("powershell", "_agentgw.ps1"),
        ("elvish", "agentgw.elv"),
    ] {
        let out = home.cmd().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let committed = std::fs::read(dir.join(file)).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "completions/{file} is stale: run scripts/update-completions.sh and commit the result"
        );
    }
}

/// What `agentgw completions bash` prints.
pub fn bash_script() -> String {
    let out = TestHome::new()
        .cmd()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn bash_completion_offers_the_subcommands() {
    let script = bash_script();
    for sub in [
        "login",
        "logout",
        "token",
        "otel-headers",
        "profiles",
        "completions",
    ] {
        assert!(script.contains(sub), "{sub} missing");
    }
}
