//! What apply does on disk: symlinks, modes, no-ops, backups, locking.

use std::fs::{self, File};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, SystemTime};

use agentgw::edit::{self, Format};
use serde_json::json;

use crate::support::{Sandbox, read, set};

#[cfg(unix)]
use crate::support::mode;
#[cfg(unix)]
use std::os::unix::fs::{PermissionsExt, symlink};

#[cfg(unix)]
#[test]
fn symlink_stays_a_symlink() {
    let sandbox = Sandbox::new();
    let target = sandbox.write("dotfiles/settings.json", "{}\n");
    let link = sandbox.path("settings.json");
    symlink(&target, &link).unwrap();
    sandbox.apply(&link, Format::Json, &[set("a", 1)]);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read(&target), "{\n  \"a\": 1\n}\n");
}

#[cfg(unix)]
#[test]
fn two_level_symlink_chain_stays_intact() {
    let sandbox = Sandbox::new();
    let target = sandbox.write("repo/settings.json", "{}\n");
    let middle = sandbox.path("dotfiles/settings.json");
    fs::create_dir_all(middle.parent().unwrap()).unwrap();
    // A relative hop, as dotfile managers often create.
    symlink("../repo/settings.json", &middle).unwrap();
    let link = sandbox.path("settings.json");
    symlink(&middle, &link).unwrap();
    sandbox.apply(&link, Format::Json, &[set("a", 1)]);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::symlink_metadata(&middle)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read(&target), "{\n  \"a\": 1\n}\n");
    assert!(fs::read_dir(sandbox.path("dotfiles")).unwrap().count() == 1);
}

#[cfg(unix)]
#[test]
fn dangling_symlink_target_is_created() {
    let sandbox = Sandbox::new();
    let target = sandbox.path("repo/settings.json");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    let link = sandbox.path("settings.json");
    symlink(&target, &link).unwrap();
    sandbox.apply(&link, Format::Json, &[set("a", 1)]);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read(&target), "{\n  \"a\": 1\n}\n");
}

#[cfg(unix)]
#[test]
fn modes_are_kept_or_tightened() {
    let sandbox = Sandbox::new();
    let private = sandbox.write("private.json", "{}\n");
    fs::set_permissions(&private, fs::Permissions::from_mode(0o600)).unwrap();
    sandbox.apply(&private, Format::Json, &[set("a", 1)]);
    assert_eq!(mode(&private), 0o600);

    let public = sandbox.write("public.json", "{}\n");
    fs::set_permissions(&public, fs::Permissions::from_mode(0o644)).unwrap();
    sandbox.apply(&public, Format::Json, &[set("a", 1)]);
    assert_eq!(mode(&public), 0o644);
    let plan = edit::plan(&public, Format::Json, &[set("key", "secret")])
        .unwrap()
        .with_secret(true);
    edit::apply(&plan, &sandbox.state, "claude").unwrap();
    assert_eq!(mode(&public), 0o600);

    let fresh = sandbox.path("new/fresh.json");
    sandbox.apply(&fresh, Format::Json, &[set("a", 1)]);
    assert_eq!(mode(&fresh), 0o644);
    assert_eq!(mode(fresh.parent().unwrap()), 0o700);
    let secret = sandbox.path("secret.env");
    let plan = edit::plan(&secret, Format::Dotenv, &[set("K", "v")])
        .unwrap()
        .with_secret(true);
    edit::apply(&plan, &sandbox.state, "claude").unwrap();
    assert_eq!(mode(&secret), 0o600);
    assert_eq!(mode(sandbox.state.root()), 0o700);
}

#[test]
fn noop_apply_touches_nothing() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", "{\n  \"a\": 1\n}\n");
    let past = SystemTime::now() - Duration::from_secs(86_400);
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(past)
        .unwrap();
    let plan = edit::plan(&path, Format::Json, &[set("a", 1)]).unwrap();
    assert!(plan.is_noop());
    let applied = edit::apply(&plan, &sandbox.state, "claude").unwrap();
    assert!(!applied.written);
    assert_eq!(applied.backup, None);
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), past);
    assert!(sandbox.state.backups(&path).unwrap().is_empty());
    assert!(!sandbox.state.root().join("managed.json").exists());
}

#[cfg(unix)]
#[test]
fn backups_rotate_at_ten() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", "{}\n");
    let mut last_backup = None;
    for i in 0..12 {
        let applied = sandbox.apply(&path, Format::Json, &[set("n", i)]);
        assert!(applied.written);
        last_backup = applied.backup;
    }
    let backups = sandbox.state.backups(&path).unwrap();
    assert_eq!(backups.len(), 10);
    // The newest is the content before the last write; the oldest kept is from write 3.
    assert_eq!(backups.last(), last_backup.as_ref());
    assert_eq!(read(backups.last().unwrap()), "{\n  \"n\": 10\n}\n");
    assert_eq!(read(&backups[0]), "{\n  \"n\": 1\n}\n");
    for backup in &backups {
        assert_eq!(mode(backup), 0o600);
        let name = backup.file_name().unwrap().to_string_lossy().to_string();
        // 20261126T173501.123456Z.bak
        assert_eq!(name.len(), 27, "{name}");
        assert_eq!(&name[8..9], "T");
        assert!(name.ends_with("Z.bak"), "{name}");
    }
    let folder = backups[0]
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(folder.ends_with("%2Fsettings.json"), "{folder}");
}

#[test]
fn stale_temp_files_are_removed() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", "{}\n");
    let stale = sandbox.write(".settings.json.agentgw-tmp-abc123", "half-written");
    let unrelated = sandbox.write(".other.json.agentgw-tmp-abc123", "not ours to judge");
    sandbox.apply(&path, Format::Json, &[set("a", 1)]);
    assert!(!stale.exists());
    assert!(unrelated.exists());
}

#[test]
fn plan_made_before_a_concurrent_change_is_recomputed() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", "{\n  \"a\": 1\n}\n");
    let plan = edit::plan(&path, Format::Json, &[set("b", 2)]).unwrap();
    fs::write(&path, "{\n  \"a\": 1,\n  \"user\": true\n}\n").unwrap();
    edit::apply(&plan, &sandbox.state, "claude").unwrap();
    assert_eq!(
        read(&path),
        "{\n  \"a\": 1,\n  \"user\": true,\n  \"b\": 2\n}\n"
    );
}

#[test]
fn concurrent_applies_compose() {
    let sandbox = Arc::new(Sandbox::new());
    let path = sandbox.write("settings.json", "{\n  \"env\": {}\n}\n");
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let sandbox = Arc::clone(&sandbox);
            let barrier = Arc::clone(&barrier);
            let path = path.clone();
            thread::spawn(move || {
                let plan =
                    edit::plan(&path, Format::Json, &[set(&format!("env.K{i}"), i)]).unwrap();
                barrier.wait();
                edit::apply(&plan, &sandbox.state, &format!("owner{i}")).unwrap();
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let parsed: serde_json::Value = serde_json::from_str(&read(&path)).unwrap();
    for i in 0..8 {
        assert_eq!(parsed["env"][format!("K{i}")], json!(i), "{parsed}");
    }
    // Every owner's key made it into the record too.
    for i in 0..8 {
        let undo = edit::plan_undo(&sandbox.state, &format!("owner{i}")).unwrap();
        assert_eq!(undo.len(), 1);
    }
}
