//! The storage (src/edit/storage.rs) of a VS Code-style state database (Cursor's `state.vscdb`,
//! SQLite table `ItemTable(key, value)`), whose rows are seen as one table document
//! (src/edit/table.rs): read them, show a change key by key, and write a plan's changed rows in
//! one transaction after a backup.
//!
//! Reads open the database read-only with a short busy timeout, so they work while Cursor has it
//! open, and see what Cursor committed to its write-ahead log too. (`immutable=1` would skip the
//! locks but also the `-wal` file, so it could show settings older than Cursor's own.)
//!
//! The backup is `VACUUM INTO` a new 0600 file under agentgw's backups: one consistent,
//! self-contained copy that includes what sits in `state.vscdb-wal`, taken by SQLite itself, so
//! the database, its `-wal` and `-shm` files can never be copied out of step with each other. To
//! restore one by hand: quit Cursor, copy it over `state.vscdb`, delete `state.vscdb-wal` and
//! `state.vscdb-shm`.

use std::path::Path;

use super::state::StateDir;
use super::storage::{Applied, Edit, Storage};
use super::table::{view_rows, view_text};
use super::{EditError, KeyPath, display_key};

/// Whether this build can read and write SQLite databases (cargo feature `cursor`).
pub const SUPPORTED: bool = cfg!(feature = "cursor");

/// The storage of `Format::Sqlite`: the document is the view of the rows its keys lie in (a key
/// path's first segment names a row).
pub(crate) struct Database;

impl Storage for Database {
    fn read(&self, path: &Path, keys: &[KeyPath]) -> Result<Option<String>, EditError> {
        let mut rows: Vec<String> = Vec::new();
        for row in keys.iter().filter_map(|k| k.first()) {
            if !rows.contains(row) {
                rows.push(row.clone());
            }
        }
        read_view(path, &rows)
    }

    fn reread(
        &self,
        path: &Path,
        planned: Option<&str>,
        keys: &[KeyPath],
    ) -> Result<Option<String>, EditError> {
        let Some(view) = planned else {
            return self.read(path, keys);
        };
        let rows: Vec<String> = view_rows(view).into_iter().map(|(row, _)| row).collect();
        read_view(path, &rows)
    }

    /// Writes the rows that differ between the original and new views, in one transaction,
    /// after a backup; a secret makes the database (and its -wal/-shm) 0600.
    fn write(&self, state: &StateDir, edit: &Edit<'_>) -> Result<Applied, EditError> {
        commit(edit, state)
    }

    /// The change key by key (rows are no text to diff): per row, each key as
    /// `before → after`. A whole row's value is never shown: it holds an API key, or a whole
    /// document.
    fn diff(&self, edit: &Edit<'_>) -> String {
        let mut out = String::new();
        let mut row: Option<&str> = None;
        for change in edit.key_changes.iter().filter(|c| c.is_change()) {
            let Some((first, inner)) = change.key.split_first() else {
                continue;
            };
            if row != Some(first) {
                row = Some(first);
                out.push_str(&format!("{} (row {first}):\n", edit.path.display()));
            }
            let shown = |v: &Option<serde_json::Value>| match v {
                None => "(absent)".to_string(),
                Some(_) if inner.is_empty() => "(a value, not shown)".to_string(),
                Some(v) => v.to_string(),
            };
            let name = if inner.is_empty() {
                "value".to_string()
            } else {
                display_key(inner)
            };
            out.push_str(&format!(
                "  {name}: {} → {}\n",
                shown(&change.before),
                shown(&change.after)
            ));
        }
        out
    }
}

/// A row's value as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowValue {
    Text(String),
    /// Bytes that are not UTF-8 (an encrypted value, say): agentgw never edits such a row, since
    /// any text it could show for them would write back different bytes.
    Binary,
}

/// The view text (src/edit/table.rs) of `rows`; `None` when the database file does not exist.
/// A row that is not text is refused: the view could not hold it unaltered.
fn read_view(path: &Path, rows: &[String]) -> Result<Option<String>, EditError> {
    let Some(values) = read_rows(path, rows)? else {
        return Ok(None);
    };
    let mut view = Vec::with_capacity(rows.len());
    for (row, value) in rows.iter().zip(values) {
        let text = match value {
            None => None,
            Some(RowValue::Text(text)) => Some(text),
            Some(RowValue::Binary) => {
                return Err(EditError::Database {
                    path: path.to_path_buf(),
                    message: format!(
                        "the row {row} holds binary data, not text; agentgw does not edit it"
                    ),
                });
            }
        };
        view.push((row.clone(), text));
    }
    Ok(Some(view_text(view)))
}

#[cfg(feature = "cursor")]
use imp::commit;
#[cfg(feature = "cursor")]
pub use imp::read_rows;

#[cfg(not(feature = "cursor"))]
/// The values of `rows` (`None` where absent); `None` when the file does not exist.
pub fn read_rows(
    path: &Path,
    _rows: &[String],
) -> Result<Option<Vec<Option<RowValue>>>, EditError> {
    Err(unsupported(path))
}

#[cfg(not(feature = "cursor"))]
fn commit(edit: &Edit<'_>, _state: &StateDir) -> Result<Applied, EditError> {
    Err(unsupported(edit.path))
}

#[cfg(not(feature = "cursor"))]
fn unsupported(path: &Path) -> EditError {
    EditError::Database {
        path: path.to_path_buf(),
        message: "this build of agentgw has no SQLite support (built without the `cursor` feature)"
            .into(),
    }
}

#[cfg(feature = "cursor")]
mod imp {
    use std::io;
    use std::path::Path;
    use std::time::Duration;

    use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};

    use super::super::EditError;
    use super::super::backup;
    use super::super::state::StateDir;
    use super::super::storage::{Applied, Edit};
    use super::super::table::view_rows;
    use super::super::target::{resolved_target, set_mode};
    use super::RowValue;

    /// How long to wait for another program's lock before calling the database locked.
    const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

    /// The values of `rows` in the database at `path` (`None` where a row is absent), read in one
    /// read transaction; `None` when the file does not exist.
    pub fn read_rows(
        path: &Path,
        rows: &[String],
    ) -> Result<Option<Vec<Option<RowValue>>>, EditError> {
        let target = resolved_target(path)?;
        match std::fs::metadata(&target) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(EditError::io(path, "cannot read", e)),
            Ok(m) if m.is_dir() => {
                return Err(EditError::IsDirectory {
                    path: path.to_path_buf(),
                });
            }
            Ok(_) => {}
        }
        let conn = open(&target, path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let fail = |e| db_error(path, e);
        conn.execute_batch("BEGIN").map_err(fail)?;
        let values = rows
            .iter()
            .map(|row| read_row(&conn, row).map_err(fail))
            .collect::<Result<Vec<_>, _>>()?;
        conn.execute_batch("COMMIT").map_err(fail)?;
        Ok(Some(values))
    }

    /// `Database::write`.
    pub(super) fn commit(edit: &Edit<'_>, state: &StateDir) -> Result<Applied, EditError> {
        let path = edit.path;
        let target = resolved_target(path)?;
        // Before the no-op check: a run with nothing to write still cleans up after a killed one.
        backup::remove_stale(state, path)?;
        let (Some(original), Some(new)) = (edit.original, edit.new) else {
            if edit.original.is_none() && edit.new.is_none() {
                // The database is gone, and agentgw's settings with it (an undo after the user
                // deleted it): nothing to write, so the record entry can go.
                return Ok(Applied::nothing());
            }
            return Err(EditError::Database {
                path: path.to_path_buf(),
                message: "the database does not exist (agentgw never creates or deletes it)".into(),
            });
        };
        let backup = if edit.is_noop() {
            None
        } else {
            let mut conn = open(&target, path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            let backup = backup::save_with(state, path, |_, dest| snapshot(&conn, dest))?;
            let written = write_rows(&mut conn, original, new);
            if written.is_err() {
                // The database is as it was: a backup of it would only push a useful one (the
                // one from before agentgw) out of rotation on every retry.
                let _ = std::fs::remove_file(&backup);
            }
            written.map_err(|e| match e {
                Written::Changed => EditError::Database {
                    path: path.to_path_buf(),
                    message: "the database changed while agentgw was about to write it (is Cursor running?); run the command again".into(),
                },
                Written::Sql(e) => db_error(path, e),
            })?;
            // Closing the last connection folds the write-ahead log back into the file.
            drop(conn);
            Some(backup)
        };
        // Also when no row changes: a token already in place still must not stay readable by
        // others, and an undo that finds the rows as they were still owes the database its mode
        // from before agentgw.
        if edit.secret {
            restrict_with_journals(&target)?;
        } else if let Some(mode) = edit.mode {
            set_mode(&target, mode)?;
        }
        Ok(Applied {
            written: backup.is_some(),
            backup,
        })
    }

    fn open(target: &Path, shown: &Path, flags: OpenFlags) -> Result<Connection, EditError> {
        // Never SQLITE_OPEN_CREATE: a missing database is not agentgw's to make.
        let conn = Connection::open_with_flags(target, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| db_error(shown, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| db_error(shown, e))?;
        Ok(conn)
    }

    fn read_row(conn: &Connection, key: &str) -> rusqlite::Result<Option<RowValue>> {
        use rusqlite::types::ValueRef;
        // Text as raw bytes too: a TEXT value that is not valid UTF-8 must not fail the read.
        let text = |bytes: &[u8]| match std::str::from_utf8(bytes) {
            Ok(text) => RowValue::Text(text.to_string()),
            Err(_) => RowValue::Binary,
        };
        let value = conn
            .query_row("SELECT value FROM ItemTable WHERE key = ?1", [key], |r| {
                Ok(match r.get_ref(0)? {
                    ValueRef::Null => None,
                    ValueRef::Text(bytes) | ValueRef::Blob(bytes) => Some(text(bytes)),
                    ValueRef::Integer(n) => Some(RowValue::Text(n.to_string())),
                    ValueRef::Real(x) => Some(RowValue::Text(x.to_string())),
                })
            })
            .optional()?;
        Ok(value.flatten())
    }

    enum Written {
        /// A row no longer holds what the plan was made from.
        Changed,
        Sql(rusqlite::Error),
    }

    impl From<rusqlite::Error> for Written {
        fn from(e: rusqlite::Error) -> Self {
            Written::Sql(e)
        }
    }

    fn write_rows(conn: &mut Connection, original: &str, new: &str) -> Result<(), Written> {
        // A key written over or deleted (a rotated or logged-out token) is zeroed on disk, not
        // left readable in a free page of the database.
        conn.pragma_update(None, "secure_delete", true)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = view_rows(original);
        for (row, value) in &before {
            // A row that is not text never equals the plan's text, so it is never written over.
            if read_row(&tx, row)? != value.clone().map(RowValue::Text) {
                return Err(Written::Changed);
            }
        }
        for (row, value) in view_rows(new) {
            if before.iter().any(|(r, v)| *r == row && *v == value) {
                continue;
            }
            match value {
                Some(text) => {
                    // Keep the row's storage class: VS Code declares the column BLOB but
                    // stores text.
                    let blob: bool = tx
                        .query_row(
                            "SELECT typeof(value) = 'blob' FROM ItemTable WHERE key = ?1",
                            [&row],
                            |r| r.get(0),
                        )
                        .optional()?
                        .unwrap_or(false);
                    let updated = if blob {
                        tx.execute(
                            "UPDATE ItemTable SET value = ?2 WHERE key = ?1",
                            rusqlite::params![row, text.as_bytes()],
                        )?
                    } else {
                        tx.execute(
                            "UPDATE ItemTable SET value = ?2 WHERE key = ?1",
                            rusqlite::params![row, text],
                        )?
                    };
                    if updated == 0 {
                        tx.execute(
                            "INSERT INTO ItemTable (key, value) VALUES (?1, ?2)",
                            rusqlite::params![row, text],
                        )?;
                    }
                }
                None => {
                    tx.execute("DELETE FROM ItemTable WHERE key = ?1", [&row])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A consistent copy of the whole database, write-ahead log included, into `dest` (an empty
    /// file, which `VACUUM INTO` accepts).
    fn snapshot(conn: &Connection, dest: &Path) -> io::Result<()> {
        let dest = dest
            .to_str()
            .ok_or_else(|| io::Error::other("the backup path is not UTF-8"))?;
        conn.execute("VACUUM INTO ?1", [dest])
            .map(|_| ())
            .map_err(io::Error::other)
    }

    fn restrict_with_journals(target: &Path) -> Result<(), EditError> {
        set_mode(target, 0o600)?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut name = target.as_os_str().to_owned();
            name.push(suffix);
            let journal = Path::new(&name);
            if journal.exists() {
                set_mode(journal, 0o600)?;
            }
        }
        Ok(())
    }

    fn db_error(path: &Path, error: rusqlite::Error) -> EditError {
        let code = error.sqlite_error_code();
        let message = match code {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                "the database is locked by another program (Cursor?); quit Cursor, then run the command again".to_string()
            }
            Some(ErrorCode::NotADatabase) => "not an SQLite database".to_string(),
            Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
                format!(
                    "cannot open or write it (read-only, or owned by another user); check with: ls -l {}",
                    path.display()
                )
            }
            _ if error.to_string().contains("no such table") => {
                "not a Cursor settings database (it has no ItemTable)".to_string()
            }
            _ => format!("SQLite: {error}"),
        };
        EditError::Database {
            path: path.to_path_buf(),
            message,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::db_error;
        use rusqlite::ffi;
        use std::path::Path;

        #[test]
        fn read_only_and_unopenable_databases_name_the_fix() {
            for code in [ffi::SQLITE_READONLY, ffi::SQLITE_PERM, ffi::SQLITE_CANTOPEN] {
                let error = rusqlite::Error::SqliteFailure(ffi::Error::new(code), None);
                let message = db_error(Path::new("/c/state.vscdb"), error).to_string();
                assert!(
                    message.contains(
                        "cannot open or write it (read-only, or owned by another user); check with: ls -l /c/state.vscdb"
                    ),
                    "{code}: {message}"
                );
            }
        }
    }
}
