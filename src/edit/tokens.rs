//! The copies of a profile's token that agentgw wrote into agents' files (where an agent cannot
//! call a helper), found through the managed-keys record, so `logout` can take every one out
//! and `login` can put a new token in, and the backups that still hold an old token.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::engine::read_values;
use super::plan::{Plan, TokenKey};
use super::record::{self, ManagedKey};
use super::state::StateDir;
use super::{Change, EditError, Format, KeyPath};

/// One key of an agent's file where agentgw wrote a profile's token.
#[derive(Debug)]
pub struct TokenCopy {
    /// Who set it up: an agent id such as `gemini`.
    pub owner: String,
    /// The file, as recorded (absolute, symlinks not resolved).
    pub path: PathBuf,
    pub format: Format,
    pub key: KeyPath,
    pub state: CopyState,
    /// The token the key holds now, when it is as agentgw wrote it (never to be shown).
    pub held: Option<String>,
}

#[derive(Debug)]
pub enum CopyState {
    /// The key holds what agentgw wrote.
    AsWritten,
    /// `logout` took the token out; the next `login` puts one back.
    LoggedOut,
    /// The user has put something else there since: theirs, left alone.
    ChangedByUser,
    /// The file (or the key) is gone.
    Gone,
    /// The file cannot be read or does not parse: why, with the file named.
    Unreadable(String),
}

/// Every copy of `profile`'s token the record knows of. `token`, when known, also finds the
/// copies recorded before agentgw marked them (by the digest of the token).
pub fn token_copies(
    state: &StateDir,
    profile: &str,
    token: Option<&str>,
) -> Result<Vec<TokenCopy>, EditError> {
    let record = record::load(state)?;
    let mut copies = Vec::new();
    for (owner, owner_record) in &record.owners {
        for (path, file) in &owner_record.files {
            let keys: Vec<&ManagedKey> = file
                .keys
                .iter()
                .filter(|k| k.holds_token_of(profile, token))
                .collect();
            if keys.is_empty() {
                continue;
            }
            let names: Vec<KeyPath> = keys.iter().map(|k| k.key.clone()).collect();
            let current = file
                .format
                .storage()
                .read(path, &names)
                .and_then(|text| match text {
                    None => Ok(None),
                    Some(text) => {
                        read_values(file.format, &text, &names)
                            .map(Some)
                            .map_err(|syntax| EditError::Parse {
                                path: path.clone(),
                                line: syntax.line,
                                col: syntax.col,
                                message: syntax.message,
                            })
                    }
                });
            for (index, managed) in keys.iter().enumerate() {
                let value = current
                    .as_ref()
                    .ok()
                    .and_then(|v| v.as_ref()?[index].as_ref());
                let state = match &current {
                    Err(e) => CopyState::Unreadable(e.to_string()),
                    Ok(None) => CopyState::Gone,
                    Ok(Some(_)) => state_of(managed, value),
                };
                let held = match state {
                    CopyState::AsWritten => value.and_then(Value::as_str).map(str::to_string),
                    _ => None,
                };
                copies.push(TokenCopy {
                    owner: owner.clone(),
                    path: path.clone(),
                    format: file.format,
                    key: managed.key.clone(),
                    state,
                    held,
                });
            }
        }
    }
    Ok(copies)
}

fn state_of(managed: &ManagedKey, current: Option<&Value>) -> CopyState {
    match (managed.logged_out, current) {
        (true, None) => CopyState::LoggedOut,
        (false, None) => CopyState::Gone,
        (_, Some(_)) if managed.is_as_set(current) => CopyState::AsWritten,
        (_, Some(_)) => CopyState::ChangedByUser,
    }
}

impl TokenCopy {
    /// The plan that takes the token out of this key for `logout`.
    pub fn plan_clear(&self, profile: &str) -> Result<Plan, EditError> {
        let change = Change::Remove {
            key: self.key.clone(),
        };
        let mut plan = super::plan(&self.path, self.format, &[change])?;
        plan.token = Some(TokenKey {
            key: self.key.clone(),
            profile: profile.to_string(),
            clearing: true,
        });
        Ok(plan)
    }

    /// The plan that writes `token` into this key for `login`.
    pub fn plan_put(&self, profile: &str, token: &str) -> Result<Plan, EditError> {
        let change = Change::Set {
            key: self.key.clone(),
            value: Value::String(token.to_string()),
        };
        Ok(super::plan(&self.path, self.format, &[change])?.with_token(self.key.clone(), profile))
    }
}

/// Deletes every backup (and kept original) that holds `secret` (an old or logged-out token),
/// and forgets the values of the managed-keys record that held it: agentgw's copies of a token
/// must not outlive it. Returns the files deleted.
pub fn remove_backups_holding(state: &StateDir, secret: &str) -> Result<Vec<PathBuf>, EditError> {
    record::forget_secret(state, secret)?;
    let mut files = files_in(&state.root().join(record::ORIGINALS))?;
    for folder in files_in(&state.root().join("backups"))? {
        files.extend(files_in(&folder)?);
    }
    delete_holding(files, secret)
}

/// After `plan` was applied: when it took `secret` out of its file (`--no-token-file`, a setup
/// without `--inline-token`, `remove`), deletes that file's backups holding
/// it, so that no copy of the token stays behind the user's choice. (The file as it was before
/// agentgw, kept for `remove`, is the user's own: logout deletes it if it holds the token.)
/// Returns the files deleted.
pub fn remove_backups_of_a_file_it_left(
    state: &StateDir,
    plan: &Plan,
    secret: &str,
) -> Result<Vec<PathBuf>, EditError> {
    let held = |text: Option<&str>| !secret.is_empty() && text.is_some_and(|t| t.contains(secret));
    if !held(plan.current_content()) || held(plan.new_content()) {
        return Ok(Vec::new());
    }
    let path = plan.path();
    let files = super::backup::list(state, path)
        .map_err(|e| EditError::io(path, "cannot list the backups of", e))?;
    delete_holding(files, secret)
}

/// Deletes those of `files` that hold `secret`; returns them.
fn delete_holding(files: Vec<PathBuf>, secret: &str) -> Result<Vec<PathBuf>, EditError> {
    let mut removed = Vec::new();
    for file in files {
        if file.is_file() && holds(&file, secret.as_bytes()) {
            match fs::remove_file(&file) {
                Ok(()) => removed.push(file),
                // Another agentgw run (a concurrent `remove`) deleted it first: the goal holds.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(EditError::io(&file, "cannot delete the backup", e)),
            }
        }
    }
    Ok(removed)
}

/// The entries of `dir` (none when it does not exist).
fn files_in(dir: &Path) -> Result<Vec<PathBuf>, EditError> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(entries.filter_map(Result::ok).map(|e| e.path()).collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(EditError::io(dir, "cannot list the backups in", e)),
    }
}

fn holds(file: &Path, needle: &[u8]) -> bool {
    !needle.is_empty()
        && fs::read(file).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
}
