//! The release configuration (dist-workspace.toml, read by dist) promises what the README's Install
//! section tells users: static binaries for five platforms, a shell and a PowerShell installer, sha256
//! checksums. These tests read the files as they are committed, so an edit that drops a target, an
//! installer, the checksums or a static-build feature fails here, without the dist tool installed.
//! scripts/release-plan.sh asks dist itself.

use std::collections::BTreeSet;
use std::path::Path;

use toml_edit::{DocumentMut, Item};

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str) -> DocumentMut {
    read(name)
        .parse()
        .unwrap_or_else(|e| panic!("{name} is not valid TOML: {e}"))
}

fn dist_config() -> DocumentMut {
    parse("dist-workspace.toml")
}

fn strings(item: &Item, what: &str) -> BTreeSet<String> {
    item.as_array()
        .unwrap_or_else(|| panic!("{what} must be an array of strings"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("{what}: {v} is not a string"))
                .to_owned()
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn releases_build_the_five_promised_targets() {
    let config = dist_config();
    assert_eq!(
        strings(&config["dist"]["targets"], "[dist] targets"),
        set(&[
            "aarch64-apple-darwin",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "x86_64-pc-windows-msvc",
            "x86_64-unknown-linux-musl",
        ]),
        "dist-workspace.toml [dist] targets: Linux x86_64/aarch64 musl, macOS x86_64/aarch64, \
         Windows x86_64 MSVC (the README's Install section names these)"
    );
}

#[test]
fn releases_carry_shell_and_powershell_installers_and_sha256_checksums() {
    let config = dist_config();
    let installers = strings(&config["dist"]["installers"], "[dist] installers");
    for wanted in ["shell", "powershell"] {
        assert!(
            installers.contains(wanted),
            "dist-workspace.toml [dist] installers lacks {wanted:?}: {installers:?}"
        );
    }
    assert_eq!(
        config["dist"]["checksum"].as_str(),
        Some("sha256"),
        "dist-workspace.toml [dist] checksum must be \"sha256\""
    );
}

#[test]
fn the_unpublished_package_is_still_released() {
    // `publish = false` in Cargo.toml makes dist skip the package unless `dist = true` says otherwise:
    // the plan would then contain nothing at all.
    assert_eq!(
        dist_config()["dist"]["dist"].as_bool(),
        Some(true),
        "dist-workspace.toml [dist] needs `dist = true` (Cargo.toml has publish = false)"
    );
}

#[test]
fn release_binaries_are_built_like_cargo_install() {
    let cargo = parse("Cargo.toml");
    assert_eq!(
        cargo["profile"]["dist"]["inherits"].as_str(),
        Some("release"),
        "Cargo.toml [profile.dist] must inherit the release profile"
    );
}

#[test]
fn static_musl_builds_compile_their_c_libraries_from_source() {
    // A musl binary cannot load the system's libdbus or libsqlite3: both must be built in.
    let cargo = parse("Cargo.toml");
    let deps = &cargo["dependencies"];
    for (dep, feature) in [("keyring", "vendored"), ("rusqlite", "bundled")] {
        let features = strings(&deps[dep]["features"], &format!("{dep} features"));
        assert!(
            features.contains(feature),
            "Cargo.toml: {dep} needs the {feature:?} feature for the static Linux (musl) release \
             builds; it has {features:?}"
        );
    }
}

#[test]
fn readme_installers_point_at_this_repositorys_releases() {
    // dist names the installers <package>-installer.{sh,ps1} and attaches them to the GitHub
    // release of the repository in Cargo.toml; /releases/latest/download/ is GitHub's redirect to
    // the newest release's file.
    let cargo = parse("Cargo.toml");
    let repository = cargo["package"]["repository"]
        .as_str()
        .expect("Cargo.toml [package] repository: dist downloads from its GitHub releases");
    let base = format!("{repository}/releases/latest/download");
    let readme = read("README.md");
    for line in [
        format!("curl --proto '=https' --tlsv1.2 -LsSf {base}/agentgw-installer.sh | sh"),
        format!("powershell -ExecutionPolicy Bypass -c \"irm {base}/agentgw-installer.ps1 | iex\""),
    ] {
        assert!(
            readme.lines().any(|l| l == line),
            "README.md's Install section lacks the line\n{line}"
        );
    }
}

#[test]
fn the_release_workflow_is_the_one_this_dist_version_writes() {
    // The workflow installs the dist release named in the config; `dist generate --check` (in
    // scripts/release-plan.sh) compares the rest.
    let version = dist_config()["dist"]["cargo-dist-version"]
        .as_str()
        .expect("dist-workspace.toml [dist] cargo-dist-version")
        .to_owned();
    let workflow = read(".github/workflows/release.yml");
    assert!(
        workflow.contains(&format!("cargo-dist/releases/download/v{version}/")),
        ".github/workflows/release.yml does not install dist {version}: run \
         `target/tools/dist-{version}/bin/dist generate` (scripts/release-plan.sh installs it)"
    );
}
