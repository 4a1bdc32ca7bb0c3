//! Where a profile's secret lives — a personal access token, or OAuth tokens (see [`Secret`]): the
//! OS keyring (default), a 0600 plaintext file (only where no keyring works, or on request), or the
//! AGENTGW_TOKEN environment variable (CI).

mod fresh;
mod secret;

pub use fresh::{
    Freshness, bearer, expiry_of, helper_refresh_interval, login_command, refresh_now,
};
pub use secret::{OAuthTokens, Secret};

use crate::profile::{Auth, Profile, TokenStorage};
use crate::{edit, paths};
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;
use toml_edit::{DocumentMut, Item, Table};

pub const KEYRING_SERVICE: &str = "agentgw";
/// A keyring that does not answer within this time is treated as unavailable, never waited on.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);
pub const TOKEN_ENV: &str = "AGENTGW_TOKEN";
const STORAGE_ENV: &str = "AGENTGW_AUTH_STORAGE";

/// Where the user asked the token to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoragePreference {
    /// The keyring, falling back to the file (with a warning) when no keyring works.
    Auto,
    /// The keyring or nothing.
    Keyring,
    File,
}

/// `--insecure-storage` wins; otherwise AGENTGW_AUTH_STORAGE; otherwise Auto.
pub fn storage_preference(insecure_storage_flag: bool) -> Result<StoragePreference> {
    if insecure_storage_flag {
        return Ok(StoragePreference::File);
    }
    match std::env::var(STORAGE_ENV).ok().as_deref().map(str::trim) {
        None | Some("") => Ok(StoragePreference::Auto),
        Some("keyring") => Ok(StoragePreference::Keyring),
        Some("file") => Ok(StoragePreference::File),
        Some(other) => {
            bail!("{STORAGE_ENV}={other:?} is not valid: use \"keyring\" or \"file\" (or unset it)")
        }
    }
}

/// A token must be one non-empty word: what pasting or piping a PAT produces after trimming.
pub fn validate_token(raw: &str) -> Result<String> {
    let token = raw.trim_end_matches(['\n', '\r']).trim();
    if token.is_empty() {
        bail!(
            "the token is empty; paste a Databricks personal access token (Settings > Developer > Access tokens)"
        );
    }
    if token.chars().any(char::is_whitespace) {
        bail!(
            "the token contains whitespace; a personal access token is a single word (did two lines get pasted?)"
        );
    }
    Ok(token.to_string())
}

pub struct Stored {
    pub storage: TokenStorage,
    /// Why the keyring could not be used, when the file store was a fallback.
    pub fallback_reason: Option<String>,
}

/// Stores `secret` for `profile` according to `preference`. `previous` is where the profile's
/// secret was stored before, so an old copy in the other store can be removed.
pub fn store(
    config_dir: &Path,
    profile: &str,
    secret: &Secret,
    preference: StoragePreference,
    previous: Option<TokenStorage>,
) -> Result<Stored> {
    let stored = match preference {
        StoragePreference::File => {
            file_store_set(config_dir, profile, secret)?;
            Stored {
                storage: TokenStorage::File,
                fallback_reason: None,
            }
        }
        StoragePreference::Keyring => {
            keyring_set(profile, &secret.to_keyring_text()).map_err(|reason| {
                anyhow!(
                    "cannot store the token in the OS keyring: {reason}\n{}\nNothing was stored. \
                     To use a plaintext 0600 file instead, unset {STORAGE_ENV} or pass --insecure-storage.",
                    keyring_help()
                )
            })?;
            Stored {
                storage: TokenStorage::Keyring,
                fallback_reason: None,
            }
        }
        StoragePreference::Auto => match keyring_set(profile, &secret.to_keyring_text()) {
            Ok(()) => Stored {
                storage: TokenStorage::Keyring,
                fallback_reason: None,
            },
            Err(reason) => {
                file_store_set(config_dir, profile, secret)?;
                Stored {
                    storage: TokenStorage::File,
                    fallback_reason: Some(reason.to_string()),
                }
            }
        },
    };
    // A copy left in the other store could later shadow or outlive this token.
    match (previous, stored.storage) {
        (Some(TokenStorage::Keyring), TokenStorage::File) if stored.fallback_reason.is_none() => {
            let _ = keyring_delete(profile);
        }
        (_, TokenStorage::Keyring) => {
            file_store_remove(config_dir, profile)?;
        }
        _ => {}
    }
    Ok(stored)
}

pub fn keyring_help() -> &'static str {
    if cfg!(target_os = "linux") {
        "A keyring on Linux is a Secret Service provider on the session D-Bus: install and unlock \
         gnome-keyring (`sudo apt install gnome-keyring`, then log in again) or KeePassXC with \
         Secret Service integration enabled."
    } else if cfg!(target_os = "macos") {
        "On macOS the login Keychain is used: unlock it in Keychain Access."
    } else {
        "On Windows the Credential Manager is used."
    }
}

/// Where `read` found the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Env,
    Keyring,
    File,
}

/// The bearer token to send for `profile`: AGENTGW_TOKEN first, then the profile's stored PAT, or
/// an OAuth access token that stays valid for a safety margin (refreshed when needed, see
/// [`bearer`]). `Ok(None)`: not logged in.
pub fn read(config_dir: &Path, profile: Option<&Profile>) -> Result<Option<(String, TokenSource)>> {
    if let Some(token) = env_token() {
        return Ok(Some((token, TokenSource::Env)));
    }
    let Some(profile) = profile else {
        return Ok(None);
    };
    match profile.auth {
        Auth::Pat => Ok(read_stored(config_dir, profile)?
            .and_then(|(secret, source)| secret.pat().map(|t| (t.to_string(), source)))),
        Auth::OAuth | Auth::M2m => bearer(config_dir, profile),
    }
}

fn env_token() -> Option<String> {
    std::env::var(TOKEN_ENV)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The secret stored for `profile`, whatever AGENTGW_TOKEN says: the one `login` replaces and
/// `logout` removes. `Ok(None)`: none stored.
pub fn read_stored(config_dir: &Path, profile: &Profile) -> Result<Option<(Secret, TokenSource)>> {
    match profile.token_storage {
        None => Ok(None),
        Some(TokenStorage::File) => {
            Ok(file_store_get(config_dir, &profile.name)?.map(|t| (t, TokenSource::File)))
        }
        Some(TokenStorage::Keyring) => match keyring_get(&profile.name) {
            Ok(text) => Ok(text.map(|t| (Secret::from_keyring_text(&t), TokenSource::Keyring))),
            Err(reason) => bail!(
                "cannot read the token of profile '{}' from the OS keyring: {reason}\n{}",
                profile.name,
                keyring_help()
            ),
        },
    }
}

/// Writes a refreshed OAuth secret back where the profile keeps it, in place of `old`, the one it
/// was refreshed from: the keyring, or the file store (other profiles' entries share that file).
/// Under the config folder's lock, the lock `login` and `logout` hold while they change a
/// sign-in, so `Ok(false)` when the sign-in changed while the refresh was under way (a logout, a
/// new login): then nothing is written, and a logged-out token is not brought back.
fn rewrite_stored(
    config_dir: &Path,
    profile: &Profile,
    old: &Secret,
    secret: &Secret,
) -> Result<bool> {
    let _lock = crate::profile::lock_config_dir(config_dir)?;
    let now = crate::profile::Config::load(config_dir)?.profile(&profile.name)?;
    let unchanged = match &now {
        Some(now) if now.auth == profile.auth && now.token_storage == profile.token_storage => {
            read_stored(config_dir, now)?.is_some_and(|(stored, _)| stored == *old)
        }
        _ => false,
    };
    if !unchanged {
        return Ok(false);
    }
    match profile.token_storage {
        Some(TokenStorage::Keyring) => {
            keyring_set(&profile.name, &secret.to_keyring_text()).map_err(|reason| {
                anyhow!(
                    "cannot save the refreshed token of profile '{}' in the OS keyring: {reason}\n{}",
                    profile.name,
                    keyring_help()
                )
            })?
        }
        Some(TokenStorage::File) => file_store_set(config_dir, &profile.name, secret)?,
        None => return Ok(false),
    }
    Ok(true)
}

/// Removes the profile's token from both stores. Returns where a token was found and removed.
pub fn delete(config_dir: &Path, profile: &Profile) -> Result<Vec<TokenStorage>> {
    let mut removed = Vec::new();
    if file_store_remove(config_dir, &profile.name)? {
        removed.push(TokenStorage::File);
    }
    // Only touch the keyring when the profile says the token is there: probing an absent or
    // locked keyring would only produce noise for file-store users.
    if profile.token_storage == Some(TokenStorage::Keyring) {
        match keyring_delete(&profile.name) {
            Ok(true) => removed.push(TokenStorage::Keyring),
            Ok(false) => {}
            Err(reason) => bail!(
                "cannot remove the token of profile '{}' from the OS keyring: {reason}\n{}",
                profile.name,
                keyring_help()
            ),
        }
    }
    Ok(removed)
}

// ---- OS keyring -------------------------------------------------------------------------------

/// Why the keyring could not be used, in words for the user.
#[derive(Debug)]
pub struct KeyringUnavailable(String);

impl std::fmt::Display for KeyringUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn keyring_set(profile: &str, token: &str) -> Result<(), KeyringUnavailable> {
    let (account, secret) = (profile.to_string(), token.to_string());
    keyring_call(move || keyring::Entry::new(KEYRING_SERVICE, &account)?.set_password(&secret))?;
    // keyring falls back to an in-memory mock when built without a store: only a read-back proves
    // the token reached a real store.
    match keyring_get(profile)? {
        Some(read_back) if read_back == token => Ok(()),
        _ => Err(KeyringUnavailable(
            "the keyring accepted the token but did not return it on read-back".into(),
        )),
    }
}

fn keyring_get(profile: &str) -> Result<Option<String>, KeyringUnavailable> {
    let account = profile.to_string();
    keyring_call(
        move || match keyring::Entry::new(KEYRING_SERVICE, &account)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        },
    )
}

/// Ok(true) when a token was removed, Ok(false) when there was none.
fn keyring_delete(profile: &str) -> Result<bool, KeyringUnavailable> {
    let account = profile.to_string();
    keyring_call(move || {
        match keyring::Entry::new(KEYRING_SERVICE, &account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e),
        }
    })
}

/// Runs one keyring operation on a worker thread so a wedged keyring daemon costs at most
/// KEYRING_TIMEOUT. A timed-out worker is abandoned; the process exits soon after anyway.
fn keyring_call<T: Send + 'static>(
    op: impl FnOnce() -> keyring::Result<T> + Send + 'static,
) -> Result<T, KeyringUnavailable> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(op());
    });
    match rx.recv_timeout(KEYRING_TIMEOUT) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(KeyringUnavailable(describe_keyring_error(&e))),
        Err(_) => Err(KeyringUnavailable(format!(
            "the OS keyring did not answer within {} s",
            KEYRING_TIMEOUT.as_secs()
        ))),
    }
}

fn describe_keyring_error(e: &keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(inner) => format!("no usable keyring service ({inner})"),
        keyring::Error::NoStorageAccess(inner) => {
            format!("the keyring is locked or access was denied ({inner})")
        }
        other => other.to_string(),
    }
}

// ---- plaintext file store ---------------------------------------------------------------------

const FILE_STORE_HEADER: &str = "# agentgw tokens in plaintext, used only where no OS keyring is available.\n\
# Keep this file private (mode 0600). `agentgw logout` removes entries.\n";

pub fn file_store_path(config_dir: &Path) -> PathBuf {
    config_dir.join("tokens.toml")
}

fn load_file_store(config_dir: &Path) -> Result<(PathBuf, DocumentMut)> {
    let path = file_store_path(config_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FILE_STORE_HEADER.to_string(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    // Never echo the parse error's excerpt: the file's lines are tokens.
    let doc = text.parse::<DocumentMut>().map_err(|_| {
        anyhow!(
            "{} does not parse as TOML; remove it (then `agentgw login` again) or fix it by hand",
            path.display()
        )
    })?;
    Ok((path, doc))
}

fn file_store_get(config_dir: &Path, profile: &str) -> Result<Option<Secret>> {
    let (path, doc) = load_file_store(config_dir)?;
    let Some(table) = doc.get(profile).and_then(Item::as_table_like) else {
        return Ok(None);
    };
    Secret::from_table(table).map_err(|key| {
        anyhow!(
            "{}: [{profile}] {key} is missing or not what agentgw wrote; run `agentgw login --profile {profile}` again",
            path.display()
        )
    })
}

fn file_store_set(config_dir: &Path, profile: &str, secret: &Secret) -> Result<()> {
    paths::ensure_private_dir(config_dir)?;
    let (path, mut doc) = load_file_store(config_dir)?;
    let entry = doc
        .entry(profile)
        .or_insert_with(|| Item::Table(Table::new()));
    let Some(table) = entry.as_table_like_mut() else {
        bail!(
            "{}: [{profile}] is not a table; fix or remove the file",
            path.display()
        )
    };
    secret.write_table(table);
    save_file_store(&path, &doc)
}

fn file_store_remove(config_dir: &Path, profile: &str) -> Result<bool> {
    let path = file_store_path(config_dir);
    if !path.exists() {
        return Ok(false);
    }
    let (path, mut doc) = load_file_store(config_dir)?;
    if doc.remove(profile).is_none() {
        return Ok(false);
    }
    save_file_store(&path, &doc)?;
    Ok(true)
}

fn save_file_store(path: &Path, doc: &DocumentMut) -> Result<()> {
    edit::write::write_atomic(path, doc.to_string().as_bytes(), Some(0o600))
        .with_context(|| format!("cannot write {}", paths::display(path)))
}
