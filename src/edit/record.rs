//! The managed-keys record (`<state>/managed.json`): for each owner (an agent name) and file,
//! which keys agentgw set, what was there before, and which containers it had to create. Undo
//! works from this alone.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::plan::Plan;
use super::state::StateDir;
use super::target::is_symlink;
use super::write::{remove_stale_temps, write_atomic};
use super::{EditError, Format, KeyPath};

const RECORD_VERSION: u32 = 1;
const RECORD_LOCK: &str = "managed.json.lock";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Record {
    pub version: u32,
    #[serde(default)]
    pub owners: BTreeMap<String, OwnerRecord>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct OwnerRecord {
    /// Keyed by the path as the caller gave it, made absolute: not symlink-resolved.
    #[serde(default)]
    pub files: BTreeMap<PathBuf, FileRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileRecord {
    pub format: Format,
    /// agentgw created the file; undo deletes it if nothing else is left in it.
    pub created_file: bool,
    /// agentgw created it through a dangling symlink: undo deletes the file and leaves the
    /// link dangling again, as it found it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub created_through_symlink: bool,
    /// The file's text when agentgw first edited it, if it held no keys (empty, blank, or only
    /// comments): undo gives back those bytes rather than an empty `{}` after them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyless_original: Option<String>,
    /// The file did not end with a line break when agentgw first edited it: undo leaves it so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_final_newline: bool,
    #[serde(default)]
    pub keys: Vec<ManagedKey>,
    /// Containers created for keys that agentgw has since removed itself; undo still removes
    /// them if they are empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leftover_created_parents: Vec<KeyPath>,
    /// The original text of compact containers agentgw set keys in, so undo can give back their
    /// layout too (first recorded text wins, like `previous`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_sources: Vec<ContainerSource>,
    /// SHA-256 of the file's text before agentgw first wrote it (kept in `originals/`, see
    /// `keep_original`), while nobody else has edited the file since: undo then gives
    /// back exactly those bytes (a removed key at its old place, with its comments). Dropped
    /// once the file is found edited by someone else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_digest: Option<String>,
    /// SHA-256 of the text agentgw last wrote: tells whether anyone has edited the file since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_digest: Option<String>,
    /// The file's permission bits before agentgw made it 0600 to hold a secret; undo puts them
    /// back when it gives the file back as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ContainerSource {
    pub key: KeyPath,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ManagedKey {
    pub key: KeyPath,
    /// What was there before agentgw first set the key.
    pub previous: Previous,
    /// The previous value's text as written, to put back its exact spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_source: Option<String>,
    /// The value agentgw set (`Null` when `removed`, or when only its digest is kept).
    pub set: Value,
    /// For files that hold a secret: a SHA-256 of the value agentgw set instead of the value, so
    /// this record never holds agentgw's token. (A secret of the user's that agentgw replaced
    /// stays in `previous`: `remove` has to put it back.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_digest: Option<String>,
    /// agentgw removed the key (say, a stale token that would outrank its helper); undo puts
    /// `previous` back unless the user has re-added the key since.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    #[serde(default)]
    pub created_parents: Vec<KeyPath>,
    /// The profile whose token agentgw wrote into this key (`logout` and `login` find the
    /// token's copies by this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_of: Option<String>,
    /// `logout` took the token out of this key: its absence is agentgw's doing, so undo still
    /// puts `previous` back, and the next `login` puts the token back in.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub logged_out: bool,
    /// The key already held the profile's token when agentgw first wrote the file (the user had
    /// pasted it, as the product page says to): it is a copy of the token all the same, which
    /// `logout` takes out and `login` renews, but the line is the user's, so undo leaves it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub was_there: bool,
}

/// A JSON null is a real previous value in a JSON file, so "absent" needs its own spelling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub(crate) enum Previous {
    Absent,
    Present { value: Value },
}

impl Previous {
    fn from_option(value: Option<Value>) -> Self {
        match value {
            Some(value) => Previous::Present { value },
            None => Previous::Absent,
        }
    }
}

fn remove_at(value: &mut Value, path: &[String]) {
    match path {
        [] => {}
        [last] => {
            if let Some(object) = value.as_object_mut() {
                object.shift_remove(last);
            }
        }
        [first, rest @ ..] => {
            let Some(object) = value.as_object_mut() else {
                return;
            };
            if let Some(inner) = object.get_mut(first) {
                remove_at(inner, rest);
                if inner.as_object().is_some_and(|o| o.is_empty()) {
                    object.shift_remove(first);
                }
            }
        }
    }
}

fn set_at(value: &mut Value, path: &[String], new: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = value;
    for p in parents {
        let Some(object) = here.as_object_mut() else {
            return;
        };
        here = object
            .entry(p.clone())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    if let Some(object) = here.as_object_mut() {
        object.insert(last.clone(), new);
    }
}

/// True when `key` lies strictly inside `container`.
fn is_inside(key: &[String], container: &[String]) -> bool {
    key.len() > container.len() && key.starts_with(container)
}

/// What the record keeps of a value agentgw set: the value, or for a secret file its digest.
fn remembered(value: &Value, secret: bool) -> (Value, Option<String>) {
    if secret {
        (Value::Null, Some(digest(value)))
    } else {
        (value.clone(), None)
    }
}

pub(crate) fn digest(value: &Value) -> String {
    digest_text(&value.to_string())
}

pub(crate) fn digest_text(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl ManagedKey {
    /// True when `current` is what agentgw left there.
    pub fn is_as_set(&self, current: Option<&Value>) -> bool {
        match (self.removed || self.logged_out, current, &self.set_digest) {
            (true, current, _) => current.is_none(),
            (false, Some(current), Some(d)) => &digest(current) == d,
            (false, current, None) => current == Some(&self.set),
            (false, None, Some(_)) => false,
        }
    }

    /// True when the key holds (or, logged out, held) `profile`'s token. Records written
    /// before keys were marked are recognised by the digest of that token.
    pub fn holds_token_of(&self, profile: &str, token: Option<&str>) -> bool {
        match (&self.token_of, token, &self.set_digest) {
            (Some(of), _, _) => of == profile,
            (None, Some(token), Some(d)) => &digest(&Value::String(token.to_string())) == d,
            _ => false,
        }
    }
}

impl Record {
    pub fn file(&self, owner: &str, path: &Path) -> Option<&FileRecord> {
        self.owners.get(owner)?.files.get(path)
    }

    /// Folds an applied plan into the record for `owner`.
    pub fn note_applied(&mut self, owner: &str, plan: &Plan) {
        let files = &mut self.owners.entry(owner.to_string()).or_default().files;
        let file = files
            .entry(plan.path.clone())
            .or_insert_with(|| FileRecord {
                format: plan.format,
                created_file: false,
                created_through_symlink: false,
                keyless_original: plan.original.clone().filter(|_| plan.original_keyless),
                no_final_newline: plan
                    .original
                    .as_ref()
                    .is_some_and(|text| !text.is_empty() && !text.ends_with('\n')),
                keys: Vec::new(),
                leftover_created_parents: Vec::new(),
                container_sources: Vec::new(),
                original_digest: plan.original.as_deref().map(digest_text),
                written_digest: plan.original.as_deref().map(digest_text),
                original_mode: None,
            });
        // A file agentgw (re)creates holds nothing of the user's, whatever happened before.
        if plan.original.is_none() {
            file.created_file = true;
            file.created_through_symlink = is_symlink(&plan.path);
        }
        file.format = plan.format;
        // Someone edited the file since agentgw last wrote it: its original bytes are no longer
        // the whole truth, so undo goes key by key from now on.
        if file.written_digest.as_deref() != plan.original.as_deref().map(digest_text).as_deref() {
            file.original_digest = None;
        }
        file.written_digest = plan.new.as_deref().map(digest_text);
        if plan.secret && file.original_mode.is_none() {
            file.original_mode = plan.original_mode.filter(|&mode| mode != 0o600);
        }
        let token = plan.token.as_ref();
        let is_token_key = |key: &KeyPath| token.is_some_and(|t| &t.key == key);

        for (key, source) in &plan.container_sources {
            if !file.container_sources.iter().any(|c| &c.key == key) {
                file.container_sources.push(ContainerSource {
                    key: key.clone(),
                    source: source.clone(),
                });
            }
        }
        for change in &plan.key_changes {
            let managed = file.keys.iter().position(|k| k.key == change.key);
            match (&change.after, managed) {
                // `logout` took the token out: the key stays agentgw's, with its previous value.
                (None, Some(index)) if token.is_some_and(|t| t.clearing && t.key == change.key) => {
                    file.keys[index].logged_out = true;
                }
                // Re-setting a managed key keeps the ORIGINAL previous value (agentgw's own
                // earlier value must never become what undo restores) — unless the user has
                // changed it since: then the user's value is what undo must give back.
                (Some(after), Some(index)) => {
                    let managed = &mut file.keys[index];
                    if !managed.is_as_set(change.before.as_ref()) {
                        managed.previous = Previous::from_option(change.before.clone());
                        managed.previous_source = plan.previous_source_of(&change.key);
                        managed.was_there = false;
                    }
                    (managed.set, managed.set_digest) = remembered(after, plan.secret);
                    managed.removed = false;
                    managed.logged_out = false;
                    if is_token_key(&change.key) {
                        managed.token_of = token.map(|t| t.profile.clone());
                    }
                }
                // A key that already had the wanted value stays the user's.
                (Some(after), None) if change.before.as_ref() != Some(after) => {
                    file.keys.push(ManagedKey {
                        key: change.key.clone(),
                        previous: Previous::from_option(change.before.clone()),
                        previous_source: plan.previous_source_of(&change.key),
                        set: remembered(after, plan.secret).0,
                        set_digest: remembered(after, plan.secret).1,
                        removed: false,
                        created_parents: plan.created_parents_of(&change.key),
                        token_of: token
                            .filter(|_| is_token_key(&change.key))
                            .map(|t| t.profile.clone()),
                        logged_out: false,
                        was_there: false,
                    });
                }
                // The token already there: still the profile's token, found again by logout.
                (Some(after), None) if is_token_key(&change.key) => file.keys.push(ManagedKey {
                    key: change.key.clone(),
                    previous: Previous::Absent,
                    previous_source: None,
                    set: remembered(after, plan.secret).0,
                    set_digest: remembered(after, plan.secret).1,
                    removed: false,
                    created_parents: Vec::new(),
                    token_of: token.map(|t| t.profile.clone()),
                    logged_out: false,
                    was_there: true,
                }),
                (Some(_), None) => {}
                // agentgw removes a key it set: if the user had a value there first, undo must
                // still bring it back; otherwise the key is simply no longer managed. A value
                // the user put there since becomes what undo brings back.
                (None, Some(index)) => {
                    let managed = &mut file.keys[index];
                    if change.before.is_some() && !managed.is_as_set(change.before.as_ref()) {
                        managed.previous = Previous::from_option(change.before.clone());
                        managed.previous_source = plan.previous_source_of(&change.key);
                    }
                    if matches!(managed.previous, Previous::Present { .. }) {
                        managed.set = Value::Null;
                        managed.set_digest = None;
                        managed.removed = true;
                        managed.logged_out = false;
                        managed.token_of = None;
                    } else {
                        let dropped = file.keys.remove(index);
                        file.leftover_created_parents
                            .extend(dropped.created_parents);
                    }
                }
                // agentgw removes a whole table of its own keys (say, Codex's `auth` block when
                // an older Codex needs `env_key`): those keys are simply no longer managed.
                (None, None)
                    if change.before.is_some()
                        && file.keys.iter().any(|k| is_inside(&k.key, &change.key)) =>
                {
                    let (inner, rest) = std::mem::take(&mut file.keys)
                        .into_iter()
                        .partition::<Vec<_>, _>(|k| is_inside(&k.key, &change.key));
                    file.keys = rest;
                    // What of the table was the user's: its value without agentgw's additions,
                    // with what agentgw had replaced put back. Undo restores that.
                    let mut users = change.before.clone().unwrap_or(Value::Null);
                    for dropped in inner {
                        let inside = &dropped.key[change.key.len()..];
                        match dropped.previous {
                            Previous::Absent => remove_at(&mut users, inside),
                            Previous::Present { value } => set_at(&mut users, inside, value),
                        }
                        file.leftover_created_parents
                            .extend(dropped.created_parents);
                    }
                    if users.as_object().is_some_and(|o| !o.is_empty()) {
                        file.keys.push(ManagedKey {
                            key: change.key.clone(),
                            previous: Previous::Present { value: users },
                            previous_source: None,
                            set: Value::Null,
                            set_digest: None,
                            removed: true,
                            created_parents: Vec::new(),
                            token_of: None,
                            logged_out: false,
                            was_there: false,
                        });
                    }
                }
                // agentgw removes a key of the user's: remember it for undo.
                (None, None) if change.before.is_some() => file.keys.push(ManagedKey {
                    key: change.key.clone(),
                    previous: Previous::from_option(change.before.clone()),
                    previous_source: plan.previous_source_of(&change.key),
                    set: Value::Null,
                    set_digest: None,
                    removed: true,
                    created_parents: Vec::new(),
                    token_of: None,
                    logged_out: false,
                    was_there: false,
                }),
                (None, None) => {}
            }
        }
        let empty =
            file.keys.is_empty() && file.leftover_created_parents.is_empty() && !file.created_file;
        if empty {
            files.remove(&plan.path);
        }
        self.drop_empty_owner(owner);
    }

    /// Puts the owner's entry for `path` back as it was (`None`: no entry), after a failed write.
    pub fn put_back(&mut self, owner: &str, path: &Path, entry: Option<FileRecord>) {
        match entry {
            Some(entry) => {
                self.owners
                    .entry(owner.to_string())
                    .or_default()
                    .files
                    .insert(path.to_path_buf(), entry);
            }
            None => self.forget(owner, path),
        }
    }

    /// Forgets everything `owner` recorded for the file at `path`.
    pub fn forget(&mut self, owner: &str, path: &Path) {
        if let Some(owner_record) = self.owners.get_mut(owner) {
            owner_record.files.remove(path);
        }
        self.drop_empty_owner(owner);
    }

    fn drop_empty_owner(&mut self, owner: &str) {
        if self.owners.get(owner).is_some_and(|o| o.files.is_empty()) {
            self.owners.remove(owner);
        }
    }
}

/// Forgets every value of the user's the record keeps that holds `secret` (a token logged out or
/// replaced: say, the old recipe's `ANTHROPIC_AUTH_TOKEN` that setup took out of Claude's file),
/// so agentgw keeps no copy of it and undo never writes it back.
pub(crate) fn forget_secret(state: &StateDir, secret: &str) -> Result<(), EditError> {
    if secret.is_empty() || !state.record_path().exists() {
        return Ok(());
    }
    let holds = |text: &str| text.contains(secret);
    update(state, |record| {
        for file in record
            .owners
            .values_mut()
            .flat_map(|o| o.files.values_mut())
        {
            for key in &mut file.keys {
                if let Previous::Present { value } = &key.previous
                    && holds(&value.to_string())
                {
                    key.previous = Previous::Absent;
                    key.previous_source = None;
                }
            }
            file.container_sources.retain(|c| !holds(&c.source));
            if file.keyless_original.as_deref().is_some_and(holds) {
                file.keyless_original = None;
            }
        }
    })
}

/// Reads the record; a missing file is an empty record.
pub(crate) fn load(state: &StateDir) -> Result<Record, EditError> {
    let path = state.record_path();
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Record::default()),
        Err(e) => return Err(EditError::io(&path, "cannot read", e)),
    };
    let record: Record = serde_json::from_str(&text).map_err(|e| EditError::Record {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if record.version > RECORD_VERSION {
        return Err(EditError::Record {
            path,
            message: format!(
                "written by a newer agentgw (record version {}); upgrade agentgw",
                record.version
            ),
        });
    }
    Ok(record)
}

/// The files agentgw has recorded edits in for `owner` (as given when they were planned).
pub fn managed_files(state: &StateDir, owner: &str) -> Result<Vec<PathBuf>, EditError> {
    Ok(load(state)?
        .owners
        .get(owner)
        .map(|o| o.files.keys().cloned().collect())
        .unwrap_or_default())
}

/// Whether agentgw has `key` of `path` set for `owner` now (it set it and has not taken it out
/// since): a key agentgw only wants in some setups is removed when it is not wanted only then,
/// never a value of the user's.
pub fn has_set(
    state: &StateDir,
    owner: &str,
    path: &Path,
    key: &[String],
) -> Result<bool, EditError> {
    let record = load(state)?;
    Ok(record
        .file(owner, path)
        .is_some_and(|file| file.keys.iter().any(|k| k.key == key && !k.removed)))
}

/// The keys `plan` would change that agentgw set for `owner` and the user has changed since:
/// applying replaces the user's values, so they must be shown (the record then keeps them as
/// what `remove` gives back).
pub fn changed_by_user(
    state: &StateDir,
    owner: &str,
    plan: &Plan,
) -> Result<Vec<KeyPath>, EditError> {
    let record = load(state)?;
    let Some(file) = record.file(owner, &plan.path) else {
        return Ok(Vec::new());
    };
    Ok(plan
        .key_changes
        .iter()
        .filter(|change| change.is_change())
        .filter(|change| {
            file.keys
                .iter()
                .any(|k| k.key == change.key && !k.is_as_set(change.before.as_ref()))
        })
        .map(|change| change.key.clone())
        .collect())
}

/// Deletes what a killed run left of writing the record or an original. `update` does this too,
/// but a run with nothing to record (a `remove` after everything was undone) would otherwise
/// leave it forever.
pub fn tidy(state: &StateDir) -> Result<(), EditError> {
    if !state.root().is_dir() {
        return Ok(());
    }
    let _lock = state.lock(RECORD_LOCK)?;
    remove_temps(state)
}

/// Under the record lock: the temp files of the record and of the originals.
fn remove_temps(state: &StateDir) -> Result<(), EditError> {
    let path = state.record_path();
    remove_stale_temps(&path)
        .map_err(|e| EditError::io(&path, "cannot remove stale temp files", e))?;
    let originals = state.root().join(ORIGINALS);
    let entries = match fs::read_dir(&originals) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(EditError::io(&originals, "cannot list", e)),
    };
    for entry in entries.filter_map(Result::ok) {
        if entry
            .file_name()
            .to_string_lossy()
            .contains(".agentgw-tmp-")
        {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Where the file's text from before agentgw first edited it is kept (outside the backups'
/// rotation) for as long as agentgw manages keys in it: undo gives back these exact bytes when
/// nobody else has edited the file since (`FileRecord::original_digest`). Written and deleted
/// under the record lock, like the record itself.
pub(crate) const ORIGINALS: &str = "originals";

fn original_path(state: &StateDir, path: &Path) -> PathBuf {
    state
        .root()
        .join(ORIGINALS)
        .join(super::state::file_id(path))
}

pub(crate) fn keep_original(state: &StateDir, path: &Path, text: &str) -> Result<(), EditError> {
    let _lock = state.lock(RECORD_LOCK)?;
    state.subdir(ORIGINALS)?;
    remove_temps(state)?;
    let original = original_path(state, path);
    write_atomic(&original, text.as_bytes(), Some(0o600))
        .map_err(|e| EditError::io(&original, "cannot write", e))
}

/// The text `keep_original` kept for the file at `path`, if it is there.
pub(crate) fn read_original(state: &StateDir, path: &Path) -> Option<String> {
    fs::read_to_string(original_path(state, path)).ok()
}

/// Forgets the original once agentgw manages nothing in the file any more (or its first edit
/// failed).
pub(crate) fn drop_original(state: &StateDir, path: &Path) {
    if let Ok(_lock) = state.lock(RECORD_LOCK) {
        let _ = fs::remove_file(original_path(state, path));
    }
}

/// Read-modify-write of the record under its own lock, written atomically with mode 0600.
pub(crate) fn update(state: &StateDir, change: impl FnOnce(&mut Record)) -> Result<(), EditError> {
    let _lock = state.lock(RECORD_LOCK)?;
    let path = state.record_path();
    remove_temps(state)?;
    let mut record = load(state)?;
    let before = serde_json::to_value(&record).ok();
    change(&mut record);
    record.version = RECORD_VERSION;
    if serde_json::to_value(&record).ok() == before {
        return Ok(());
    }
    // Nothing managed: no record, so a failed first write (or a complete remove) leaves
    // agentgw's state as if it had never run.
    if record.owners.is_empty() {
        return match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(EditError::io(&path, "cannot delete", e))
            }
            _ => Ok(()),
        };
    }
    let mut text = serde_json::to_string_pretty(&record).map_err(|e| EditError::Record {
        path: path.clone(),
        message: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(&path, text.as_bytes(), Some(0o600))
        .map_err(|e| EditError::io(&path, "cannot write", e))
}
