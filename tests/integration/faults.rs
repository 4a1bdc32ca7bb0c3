//! Filesystem faults under `agentgw setup`: a read-only folder, a full disk, a file-size limit,
//! a directory where the config file should be, dangling symlinks and another user's file. Each
//! failure is exit 1 with a message naming the file and what to do, and changes nothing else.
//!
//! Root ignores permission bits, and CI runs as root: the permission cases then run agentgw as
//! `nobody` through `setpriv`. The full-disk case needs root to mount a small tmpfs; a
//! file-size limit (RLIMIT_FSIZE) makes the same mid-write failure without privileges.

use crate::common::{TestHome, assert_stderr_contains, stderr};
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Output;

const NOBODY: u32 = 65534;
const SETUP_CLAUDE: &[&str] = &["setup", "claude", "--yes", "--no-test"];

/// Settings of some size, so that a write failing part-way is a real possibility.
fn big_settings(bytes: usize) -> String {
    let mut allow = Vec::new();
    let mut text = String::new();
    while text.len() < bytes {
        allow.push(format!("Bash(tool-{} --flag)", allow.len()));
        text = serde_json::to_string_pretty(&serde_json::json!({
            "permissions": { "allow": allow },
            "env": { "FOO": "1" }
        }))
        .unwrap();
    }
    text + "\n"
}

pub(crate) fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// Everything under HOME as it is on disk (content, link target, mode, owner), except agentgw's
/// lock files and state folders, which a run may create: the files in them do count.
fn snapshot(home: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![home.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.ends_with(".local/state/agentgw/locks") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let what = if meta.is_symlink() {
                format!("-> {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                dirs.push(path.clone());
                let state = home.join(".local/state/agentgw");
                if state.starts_with(&path) || path.starts_with(&state) {
                    continue;
                }
                "dir".to_string()
            } else {
                format!("{:?}", std::fs::read(&path).unwrap())
            };
            let mode = meta.permissions().mode() & 0o7777;
            out.insert(path, format!("{what} {mode:o} {}", meta.uid()));
        }
    }
    out
}

fn assert_unchanged(before: &BTreeMap<PathBuf, String>, home: &Path) {
    let after = snapshot(home);
    for (path, was) in before {
        let now = after.get(path);
        assert!(now == Some(was), "{} changed", path.display());
    }
    for path in after.keys() {
        assert!(before.contains_key(path), "{} appeared", path.display());
    }
}

fn assert_failed_naming(out: &Output, file: &Path, what: &str, fix: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    // The figure the README quotes: what each fault made agentgw say.
    eprintln!(
        "{}",
        stderr(out)
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_default()
    );
    assert_stderr_contains(out, &file.display().to_string());
    assert_stderr_contains(out, what);
    assert_stderr_contains(out, fix);
}

fn chown_tree(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid)).unwrap();
    if std::fs::symlink_metadata(path).unwrap().is_dir() {
        for entry in std::fs::read_dir(path).unwrap().flatten() {
            chown_tree(&entry.path(), uid);
        }
    }
}

/// Makes HOME belong to whoever `run_unprivileged` runs as.
pub(crate) fn hand_home_to_the_unprivileged(home: &TestHome) {
    if euid() == 0 {
        chown_tree(home.path(), NOBODY);
    }
}

/// Runs agentgw without root's power to ignore permissions: as `nobody` through setpriv when
/// the tests run as root, as the current user otherwise.
pub(crate) fn run_unprivileged(home: &TestHome, args: &[&str]) -> Output {
    let mut cmd = if euid() == 0 {
        home.process_through(
            "setpriv",
            &[
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
            ],
        )
    } else {
        home.process()
    };
    let out = cmd
        .env("AGENTGW_AUTH_STORAGE", "file")
        .args(args)
        .output()
        .unwrap();
    home.check_output(
        &args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        &out,
    );
    out
}

fn claude_home(settings: &str) -> (TestHome, PathBuf) {
    let home = TestHome::logged_in_to("https://ws.example.com");
    let path = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, settings).unwrap();
    (home, path)
}

#[test]
fn a_read_only_config_folder_is_named_with_the_fix_and_left_alone() {
    let (home, path) = claude_home(&big_settings(2000));
    let folder = path.parent().unwrap();
    hand_home_to_the_unprivileged(&home);
    std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o500)).unwrap();
    let before = snapshot(home.path());
    let out = run_unprivileged(&home, SETUP_CLAUDE);
    assert_failed_naming(
        &out,
        &path,
        "cannot write: permission denied",
        "needs write access to that folder",
    );
    assert_stderr_contains(&out, &format!("ls -ld '{}'", folder.display()));
    assert_unchanged(&before, home.path());
    std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn a_symlinked_file_in_a_read_only_folder_names_the_folder_the_write_failed_in() {
    let home = TestHome::logged_in_to("https://ws.example.com");
    // A dotfiles checkout holds the real file; ~/.claude/settings.json links to it.
    let target = home.path().join("dotfiles/claude/settings.json");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, big_settings(500)).unwrap();
    let link = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    symlink(&target, &link).unwrap();
    let target_folder = target.parent().unwrap();
    hand_home_to_the_unprivileged(&home);
    std::fs::set_permissions(target_folder, std::fs::Permissions::from_mode(0o500)).unwrap();
    let before = snapshot(home.path());
    let out = run_unprivileged(&home, SETUP_CLAUDE);
    assert_failed_naming(
        &out,
        &link,
        "cannot write: permission denied",
        &format!("is a symlink to '{}'", target.display()),
    );
    assert_stderr_contains(
        &out,
        &format!(
            "ls -ld '{}' '{}'",
            target_folder.display(),
            target.display()
        ),
    );
    assert_unchanged(&before, home.path());
    std::fs::set_permissions(target_folder, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn another_users_file_is_refused_when_unprivileged_and_keeps_its_owner_under_root() {
    if euid() != 0 {
        eprintln!(
            "skipped: making a file of another user needs root; run the tests as root to cover it"
        );
        return;
    }
    let (home, path) = claude_home(&big_settings(500));
    hand_home_to_the_unprivileged(&home);
    std::os::unix::fs::lchown(&path, Some(0), Some(0)).unwrap();
    let before = snapshot(home.path());
    let out = run_unprivileged(&home, SETUP_CLAUDE);
    assert_failed_naming(
        &out,
        &path,
        "the file belongs to another user (uid 0)",
        "sudo chown",
    );
    assert_unchanged(&before, home.path());

    // Root editing nobody's file (`sudo agentgw ...` with the user's HOME) leaves it nobody's.
    std::os::unix::fs::lchown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
    let out = home.cmd().args(SETUP_CLAUDE).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (NOBODY, NOBODY));
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("apiKeyHelper")
    );
}

#[test]
fn a_file_size_limit_hit_mid_write_leaves_the_file_whole() {
    let settings = big_settings(12_000);
    let (home, path) = claude_home(&settings);
    let before = snapshot(home.path());
    // Room for the backup (the old size) and the record, not for the new, longer content.
    let limit = settings.len() as u64 + 64;
    let mut cmd = home.process();
    cmd.env("AGENTGW_AUTH_STORAGE", "file").args(SETUP_CLAUDE);
    // SAFETY: only async-signal-safe calls between fork and exec. An ignored SIGXFSZ stays
    // ignored across exec, so going over the limit is an EFBIG error, not a kill.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert_failed_naming(&out, &path, "File too large", "Free some space");
    assert_unchanged(&before, home.path());
}

/// A small tmpfs, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: PathBuf, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(&dir).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_mid_write_leaves_the_file_whole_and_says_so() {
    if euid() != 0 {
        eprintln!(
            "skipped: mounting a small tmpfs needs root (the file-size-limit test covers the same failure)"
        );
        return;
    }
    let home = TestHome::logged_in_to("https://ws.example.com");
    let Some(disk) = Tmpfs::mount(home.path().join("small-disk"), "64k") else {
        eprintln!(
            "skipped: this system refused to mount a tmpfs (the file-size-limit test covers the same failure)"
        );
        return;
    };
    const PAGE: usize = 4096;
    // 6 pages of settings; the new content needs 7; only 6 are left free.
    let settings = big_settings(6 * PAGE - 300);
    assert!(settings.len() <= 6 * PAGE);
    let claude_dir = disk.0.join("claude");
    std::fs::create_dir(&claude_dir).unwrap();
    let path = claude_dir.join("settings.json");
    std::fs::write(&path, &settings).unwrap();
    let filler = disk.0.join("filler");
    std::fs::write(&filler, vec![0u8; 4 * PAGE]).unwrap();
    let before = snapshot(home.path());

    let setup = || {
        home.cmd()
            .env("CLAUDE_CONFIG_DIR", &claude_dir)
            .args(SETUP_CLAUDE)
            .output()
            .unwrap()
    };
    let out = setup();
    assert_failed_naming(&out, &path, "No space left on device", "Free some space");
    assert_unchanged(&before, home.path());

    // It was the disk: with room again, the same command works.
    std::fs::remove_file(&filler).unwrap();
    let out = setup();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("apiKeyHelper")
    );
}

#[test]
fn a_directory_where_the_config_file_should_be_is_refused() {
    let home = TestHome::logged_in_to("https://ws.example.com");
    let path = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(path.join("inside")).unwrap();
    let before = snapshot(home.path());
    let out = home.cmd().args(SETUP_CLAUDE).output().unwrap();
    assert_failed_naming(&out, &path, "is a directory", "Move the directory aside");
    assert_unchanged(&before, home.path());
}

#[test]
fn a_dangling_symlink_is_written_through_and_remove_leaves_it_dangling_again() {
    let home = TestHome::logged_in_to("https://ws.example.com");
    let target = home.path().join("dotfiles/claude/settings.json");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let link = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    symlink(&target, &link).unwrap();

    let out = home.cmd().args(SETUP_CLAUDE).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("apiKeyHelper")
    );

    let out = home
        .cmd()
        .args(["remove", "claude", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(!target.exists(), "the file agentgw created is still there");
}

#[test]
fn a_dangling_symlink_into_a_missing_folder_is_refused() {
    let home = TestHome::logged_in_to("https://ws.example.com");
    let target = home.path().join("dotfiles/not-checked-out/settings.json");
    let link = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    symlink(&target, &link).unwrap();
    let before = snapshot(home.path());
    let out = home.cmd().args(SETUP_CLAUDE).output().unwrap();
    assert_failed_naming(
        &out,
        &link,
        &format!(
            "is a symlink to {}, whose folder does not exist",
            target.display()
        ),
        "Create that folder",
    );
    assert_unchanged(&before, home.path());
}
