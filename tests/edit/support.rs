//! Shared fixtures: a temp home with a state directory, and short ways to write changes.

use std::fs;
use std::path::{Path, PathBuf};

use agentgw::edit::{self, Applied, Change, Format, StateDir};
use serde_json::Value;
use tempfile::TempDir;

/// `"env.ANTHROPIC_BASE_URL"` → a set of `["env", "ANTHROPIC_BASE_URL"]`.
pub fn set(key: &str, value: impl Into<Value>) -> Change {
    Change::Set {
        key: key_path(key),
        value: value.into(),
    }
}

pub fn remove(key: &str) -> Change {
    Change::Remove { key: key_path(key) }
}

pub fn key_path(key: &str) -> Vec<String> {
    key.split('.').map(str::to_string).collect()
}

pub struct Sandbox {
    pub dir: TempDir,
    pub state: StateDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = StateDir::new(dir.path().join("state"));
        Sandbox { dir, state }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, text).unwrap();
        path
    }

    /// Plans and applies `changes` for owner "claude".
    pub fn apply(&self, path: &Path, format: Format, changes: &[Change]) -> Applied {
        self.apply_as("claude", path, format, changes)
    }

    pub fn apply_as(
        &self,
        owner: &str,
        path: &Path,
        format: Format,
        changes: &[Change],
    ) -> Applied {
        let plan = edit::plan(path, format, changes).expect("plan");
        edit::apply(&plan, &self.state, owner).expect("apply")
    }

    /// Plans and applies the undo of everything `owner` did; returns the plans.
    pub fn undo(&self, owner: &str) -> Vec<edit::UndoPlan> {
        let plans = edit::plan_undo(&self.state, owner).expect("plan_undo");
        for undo in &plans {
            edit::apply_undo(undo, &self.state, owner).expect("apply_undo");
        }
        plans
    }
}

pub fn read(path: &Path) -> String {
    fs::read_to_string(path).expect("read file")
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}
