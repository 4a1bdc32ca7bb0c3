//! Cursor: the printed steps, and `--write-cursor-db` on a `state.vscdb` built here the way
//! Cursor lays it out (`ItemTable(key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)`, the
//! application-user settings as one-line JSON among unrelated rows).

use crate::common::{TestHome, assert_no_secret, assert_stderr_contains, mode, stderr, stdout};
use crate::support::{GOOD_TOKEN, Gateway};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use serde_json::Value;
use std::path::{Path, PathBuf};

const APP_ROW: &str = "src.vs.platform.reactivestorage.browser.reactiveStorageServiceImpl.persistentStorage.applicationUser";
const KEY_ROW: &str = "cursorAuth/openAIKey";

/// A realistic application-user value: settings agentgw must not touch (nested objects, numbers,
/// booleans, unicode, escapes), the user's own custom model, and the fields agentgw sets.
const APP_JSON: &str = r#"{"openAIBaseUrl":null,"useOpenAIKey":false,"cppEnabled":true,"aiSettings":{"userAddedModels":["my-local-llama"],"modelOverrideEnabled":["claude-4-sonnet","my-local-llama"],"modelOverrideDisabled":["o3"],"composerModel":"claude-4-sonnet","teamIds":[1,2,3],"modelConfig":{"composer":{"modelName":"claude-4-sonnet","maxMode":false}}},"theme":{"name":"Ünïcödé ☕ \u00e9\n","size":13.5},"privacyMode":false,"largeNumber":12345678901234567,"ratio":-0.0005,"nested":{"deep":[{"a":null},{"b":[true,false]}]},"zeta":"last"}"#;

/// Rows Cursor keeps beside the settings, one of them a real BLOB.
fn other_rows() -> Vec<(&'static str, Sql)> {
    vec![
        ("workbench.panel.width", Sql::Text("300".into())),
        (
            "cursorAuth/accessToken",
            Sql::Text("eyJhbGciOi.session.jwt".into()),
        ),
        (
            "history.recentlyOpenedPathsList",
            Sql::Text(r#"{"entries":[{"folderUri":"file:///src"}]}"#.into()),
        ),
        ("binary.state", Sql::Blob(vec![0, 159, 255, 10])),
    ]
}

struct Fixture {
    home: TestHome,
    gateway: Option<Gateway>,
}

impl Fixture {
    /// Logged in (not verified) to a workspace the tests never call: for `--no-test` runs.
    fn offline() -> Fixture {
        let home = TestHome::new();
        home.login_unverified("default", GOOD_TOKEN);
        Fixture {
            home,
            gateway: None,
        }
    }

    /// Logged in to a stand-in gateway serving `models` (any model when empty).
    fn online(models: &[&str]) -> Fixture {
        let gateway = if models.is_empty() {
            Gateway::start()
        } else {
            Gateway::start_serving(models)
        };
        Fixture {
            home: TestHome::logged_in_to(&gateway.url),
            gateway: Some(gateway),
        }
    }

    /// Cursor's default user folder on Linux: `~/.config/Cursor`.
    fn user_dir(&self) -> PathBuf {
        self.home.path().join(".config/Cursor")
    }

    fn db(&self) -> PathBuf {
        self.user_dir().join("User/globalStorage/state.vscdb")
    }

    /// Builds state.vscdb with the settings row (`app`), the key row when given, and the others.
    fn make_db(&self, app: Option<&str>, key: Option<&str>) {
        make_db(&self.db(), app, key);
    }

    fn gateway_url(&self) -> String {
        match &self.gateway {
            Some(g) => g.gateway_url(),
            None => "https://ws.example.com/ai-gateway".into(),
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let out = self
            .home
            .cmd()
            .env("AGENTGW_HTTP_TIMEOUT", "5")
            .args(args)
            .output()
            .unwrap();
        assert_no_secret(&out, GOOD_TOKEN);
        out
    }

    fn write_db(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["setup", "cursor", "--write-cursor-db", "--yes", "--no-test"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn backups(&self) -> usize {
        let dir = self.home.path().join(".local/state/agentgw/backups");
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| std::fs::read_dir(e.path()).unwrap().count())
                    .sum()
            })
            .unwrap_or(0)
    }
}

fn make_db(db: &Path, app: Option<&str>, key: Option<&str>) {
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let conn = Connection::open(db).unwrap();
    conn.execute_batch("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
        .unwrap();
    let insert = |k: &str, v: Sql| {
        conn.execute(
            "INSERT INTO ItemTable (key, value) VALUES (?1, ?2)",
            rusqlite::params![k, v],
        )
        .unwrap();
    };
    let mut rows = other_rows();
    rows.insert(2, ("placeholder", Sql::Null));
    for (k, v) in rows {
        match k {
            "placeholder" => {
                if let Some(app) = app {
                    insert(APP_ROW, Sql::Text(app.into()));
                }
                if let Some(key) = key {
                    insert(KEY_ROW, Sql::Text(key.into()));
                }
            }
            _ => insert(k, v),
        }
    }
}

/// Every row: key, value and storage class, in table order.
fn rows(db: &Path) -> Vec<(String, Sql)> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT key, value FROM ItemTable ORDER BY rowid")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn row_text(db: &Path, key: &str) -> Option<String> {
    rows(db)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| match v {
            Sql::Text(t) => t,
            other => panic!("{key} is not text: {other:?}"),
        })
}

fn app(db: &Path) -> Value {
    serde_json::from_str(&row_text(db, APP_ROW).unwrap()).unwrap()
}

fn keys(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

/// `value` without the fields agentgw sets.
fn without_ours(value: &Value) -> Value {
    let mut v = value.clone();
    let o = v.as_object_mut().unwrap();
    o.shift_remove("openAIBaseUrl");
    o.shift_remove("useOpenAIKey");
    let ai = o["aiSettings"].as_object_mut().unwrap();
    ai.shift_remove("userAddedModels");
    ai.shift_remove("modelOverrideEnabled");
    v
}

fn others(db: &Path) -> Vec<(String, Sql)> {
    rows(db)
        .into_iter()
        .filter(|(k, _)| k != APP_ROW && k != KEY_ROW)
        .collect()
}

#[test]
fn write_sets_the_fields_and_keeps_every_other_field_and_row() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    let before_others = others(&f.db());
    let out = f.write_db(&[
        "--model",
        "databricks-a,databricks-b",
        "--model",
        "my-local-llama",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    let after = app(&f.db());
    let original: Value = serde_json::from_str(APP_JSON).unwrap();
    assert_eq!(
        after["openAIBaseUrl"],
        format!("{}/cursor/v1", f.gateway_url())
    );
    assert_eq!(after["useOpenAIKey"], true);
    assert_eq!(
        after["aiSettings"]["userAddedModels"],
        serde_json::json!(["my-local-llama", "databricks-a", "databricks-b"])
    );
    assert_eq!(
        after["aiSettings"]["modelOverrideEnabled"],
        serde_json::json!([
            "claude-4-sonnet",
            "my-local-llama",
            "databricks-a",
            "databricks-b"
        ])
    );
    // Every other field, and the order of the keys, as before.
    assert_eq!(without_ours(&after), without_ours(&original));
    assert_eq!(keys(&after), keys(&original));
    assert_eq!(keys(&after["aiSettings"]), keys(&original["aiSettings"]));
    // Escapes and number spellings of untouched values stay as written.
    // Byte for byte: only the four values differ, and the row stays on one line as Cursor
    // writes it (escapes and number spellings of the rest as they were).
    let expected = APP_JSON
        .replace(
            r#""openAIBaseUrl":null"#,
            &format!(r#""openAIBaseUrl":"{}/cursor/v1""#, f.gateway_url()),
        )
        .replace(r#""useOpenAIKey":false"#, r#""useOpenAIKey":true"#)
        .replace(
            r#""userAddedModels":["my-local-llama"]"#,
            r#""userAddedModels":["my-local-llama","databricks-a","databricks-b"]"#,
        )
        .replace(
            r#""modelOverrideEnabled":["claude-4-sonnet","my-local-llama"]"#,
            r#""modelOverrideEnabled":["claude-4-sonnet","my-local-llama","databricks-a","databricks-b"]"#,
        );
    assert_eq!(row_text(&f.db(), APP_ROW).unwrap(), expected);
    assert_eq!(others(&f.db()), before_others, "another row changed");
    assert_eq!(row_text(&f.db(), KEY_ROW), None, "no key row was created");
    assert_eq!(f.backups(), 1);
    let said = stdout(&out);
    assert!(said.contains("Cursor: configured for"), "{said}");
    assert!(
        said.contains("paste your token once in Cursor Settings > Models > OpenAI API Key"),
        "{said}"
    );
    assert!(said.contains("agentgw token --profile default"), "{said}");
}

#[test]
fn a_second_run_changes_nothing() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    assert!(f.write_db(&[]).status.success());
    let bytes = std::fs::read(f.db()).unwrap();
    let out = f.write_db(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Cursor: already set up"),
        "{}",
        stdout(&out)
    );
    assert_eq!(std::fs::read(f.db()).unwrap(), bytes);
    assert_eq!(f.backups(), 1, "no second backup");
}

#[test]
fn remove_puts_back_the_exact_original_value_and_rows() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), Some("sk-users-own-key"));
    let before = rows(&f.db());
    let out = f.write_db(&["--model", "databricks-a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // This database keeps the key in plain text: agentgw writes the token there, privately.
    assert_eq!(row_text(&f.db(), KEY_ROW).as_deref(), Some(GOOD_TOKEN));
    assert_eq!(mode(&f.db()), 0o600);
    assert_stderr_contains(&out, "holds the token now");
    assert_stderr_contains(&out, "(0600)");
    let record =
        std::fs::read_to_string(f.home.path().join(".local/state/agentgw/managed.json")).unwrap();
    assert!(!record.contains(GOOD_TOKEN), "the record holds the token");

    // `remove all` includes Cursor because agentgw wrote its database.
    let out = f.run(&["remove", "all", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Cursor: removed agentgw's settings."),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        row_text(&f.db(), APP_ROW).as_deref(),
        Some(APP_JSON),
        "not byte-identical"
    );
    assert_eq!(rows(&f.db()), before);

    let out = f.run(&["remove", "cursor", "--yes"]);
    assert!(
        stdout(&out).contains("Cursor: nothing to remove"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn remove_gives_the_database_its_mode_back_when_the_user_already_put_the_rows_back() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), Some("sk-users-own-key"));
    std::fs::set_permissions(f.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = rows(&f.db());
    assert!(f.write_db(&[]).status.success());
    assert_eq!(mode(&f.db()), 0o600);
    // The user undoes agentgw's settings in Cursor by hand: their own key and settings again.
    let conn = Connection::open(f.db()).unwrap();
    for (row, value) in [(APP_ROW, APP_JSON), (KEY_ROW, "sk-users-own-key")] {
        conn.execute(
            "UPDATE ItemTable SET value = ?1 WHERE key = ?2",
            [value, row],
        )
        .unwrap();
    }
    drop(conn);
    assert_eq!(rows(&f.db()), before);

    let out = f.run(&["remove", "cursor", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rows(&f.db()), before);
    // Nothing of agentgw's is left in it: the database is as readable as before agentgw, like a
    // text file whose undo changes no byte.
    assert_eq!(mode(&f.db()), 0o644);
}

#[test]
fn remove_keeps_a_field_the_user_changed_since() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    assert!(f.write_db(&[]).status.success());
    // The user points Cursor elsewhere in its settings afterwards.
    let mut changed = app(&f.db());
    changed["openAIBaseUrl"] = "https://my-proxy.example/v1".into();
    let conn = Connection::open(f.db()).unwrap();
    conn.execute(
        "UPDATE ItemTable SET value = ?1 WHERE key = ?2",
        [changed.to_string(), APP_ROW.to_string()],
    )
    .unwrap();
    drop(conn);
    let out = f.run(&["remove", "cursor", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(&out, "kept your value of");
    let after = app(&f.db());
    assert_eq!(after["openAIBaseUrl"], "https://my-proxy.example/v1");
    assert_eq!(after["useOpenAIKey"], false, "the rest is put back");
    assert_eq!(
        after["aiSettings"]["userAddedModels"],
        serde_json::json!(["my-local-llama"])
    );
}

#[test]
fn unknown_shapes_and_broken_json_are_refused_untouched() {
    let cases = [
        (r#"[1,2]"#, "a list, not a JSON object"),
        (r#"{"aiSettings":"on"}"#, "aiSettings is a string"),
        (
            r#"{"aiSettings":{"userAddedModels":[1,2]}}"#,
            "not a list of model names",
        ),
        (
            r#"{"aiSettings":{"modelOverrideEnabled":{}}}"#,
            "modelOverrideEnabled is an object",
        ),
        (r#"{"openAIBaseUrl":5}"#, "openAIBaseUrl is a number"),
        (r#"{"useOpenAIKey":"yes"}"#, "useOpenAIKey is a string"),
        (
            r#"{"openAIBaseUrl":null,"aiSettings":{"#,
            "is not valid JSON",
        ),
    ];
    for (value, why) in cases {
        let f = Fixture::offline();
        f.make_db(Some(value), None);
        let bytes = std::fs::read(f.db()).unwrap();
        let out = f.write_db(&[]);
        assert_eq!(out.status.code(), Some(1), "{value}");
        assert_stderr_contains(&out, why);
        assert_stderr_contains(&out, &f.db().display().to_string());
        assert_stderr_contains(&out, "agentgw changed nothing");
        assert_eq!(std::fs::read(f.db()).unwrap(), bytes, "{value}: written");
        assert_eq!(f.backups(), 0);
    }
}

#[test]
fn a_missing_database_or_settings_row_is_refused() {
    let f = Fixture::offline();
    let out = f.write_db(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, &format!("{}: not found", f.db().display()));
    assert_stderr_contains(&out, "--cursor-dir DIR");
    assert!(!f.db().exists(), "agentgw created a database");

    f.make_db(None, None);
    let out = f.write_db(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "Cursor has not saved its model settings yet");
}

#[test]
fn a_locked_database_is_refused_and_left_alone() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    let before = rows(&f.db());
    let holder = Connection::open(f.db()).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let out = f.write_db(&[]);
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, &f.db().display().to_string());
    assert_stderr_contains(&out, "locked by another program");
    assert_eq!(rows(&f.db()), before);
    assert_eq!(f.backups(), 0);
}

/// A process named like Cursor, using this HOME's Cursor folder; killed when dropped.
struct FakeCursor(std::process::Child);

impl FakeCursor {
    fn start(home: &TestHome) -> FakeCursor {
        let dir = home.path().join("fake-cursor");
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("cursor");
        std::fs::copy("/bin/sleep", &exe).unwrap();
        let child = std::process::Command::new(&exe)
            .arg("60")
            .env_clear()
            .env("HOME", home.path())
            .spawn()
            .unwrap();
        FakeCursor(child)
    }
}

impl Drop for FakeCursor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_running_cursor_is_refused() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    let before = rows(&f.db());
    let cursor = FakeCursor::start(&f.home);
    let out = f.write_db(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, &format!("Cursor is running (pid {}", cursor.0.id()));
    assert_stderr_contains(&out, "Quit Cursor (File > Exit");
    assert_stderr_contains(
        &out,
        "then run `agentgw setup cursor --write-cursor-db` again",
    );
    assert_eq!(rows(&f.db()), before);
    assert_eq!(f.backups(), 0);

    // Nor does remove write under it.
    drop(cursor);
    assert!(f.write_db(&[]).status.success());
    let written = rows(&f.db());
    let _cursor = FakeCursor::start(&f.home);
    let out = f.run(&["remove", "cursor", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "Cursor is running");
    assert_eq!(rows(&f.db()), written);
}

#[test]
fn dry_run_prints_the_changes_and_writes_nothing() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), Some("sk-users-own-key"));
    let bytes = std::fs::read(f.db()).unwrap();
    let out = f.run(&[
        "setup",
        "cursor",
        "--write-cursor-db",
        "--dry-run",
        "--model",
        "databricks-a",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains(&format!(
            r#"openAIBaseUrl: null → "{}/cursor/v1""#,
            f.gateway_url()
        )),
        "{said}"
    );
    assert!(said.contains("useOpenAIKey: false → true"), "{said}");
    assert!(
        said.contains(
            r#"aiSettings.userAddedModels: ["my-local-llama"] → ["my-local-llama","databricks-a"]"#
        ),
        "{said}"
    );
    assert!(
        said.contains("value: (a value, not shown) → (a value, not shown)"),
        "{said}"
    );
    assert!(!said.contains("sk-users-own-key"), "{said}");
    assert_eq!(std::fs::read(f.db()).unwrap(), bytes);
    assert_eq!(f.backups(), 0);
}

#[test]
fn cursor_dir_names_the_user_folder() {
    let f = Fixture::offline();
    let dir = f.home.path().join("elsewhere/Cursor");
    make_db(
        &dir.join("User/globalStorage/state.vscdb"),
        Some(APP_JSON),
        None,
    );
    let out = f.write_db(&["--cursor-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let db = dir.join("User/globalStorage/state.vscdb");
    assert_eq!(app(&db)["useOpenAIKey"], true);
    // status finds it through agentgw's record without the flag.
    let out = f.run(&["status", "--json"]);
    let status: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let cursor = cursor_entry(&status);
    assert_eq!(cursor["agent"], "cursor");
    assert_eq!(cursor["configured"], true);
    assert_eq!(
        cursor["file"],
        "~/elsewhere/Cursor/User/globalStorage/state.vscdb"
    );
}

#[test]
fn the_steps_have_the_values_filled_in_and_no_token() {
    let f = Fixture::online(&["databricks-claude-opus-4-6", "databricks-gpt-5-2"]);
    let out = f.run(&["setup", "cursor"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    for expected in [
        "Turn on \"Override OpenAI Base URL\" and enter:".to_string(),
        format!("       {}/cursor/v1\n", f.gateway_url()),
        "       agentgw token --profile default\n".to_string(),
        "       databricks-claude-opus-4-6\n       databricks-gpt-5-2\n".to_string(),
        "agentgw setup cursor --write-cursor-db".to_string(),
        "✓ test request: databricks-claude-opus-4-6 answered".to_string(),
    ] {
        assert!(said.contains(&expected), "{expected:?} missing:\n{said}");
    }
    assert!(!f.user_dir().exists(), "the safe mode wrote something");
    let gateway = f.gateway.as_ref().unwrap();
    assert_eq!(
        gateway
            .requests_to("POST", "/ai-gateway/cursor/v1/chat/completions")
            .len(),
        1
    );
}

#[test]
fn the_copy_command_uses_the_clipboard_found() {
    let f = Fixture::offline();
    let bin = f.home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let xclip = bin.join("xclip");
    std::fs::write(&xclip, "#!/bin/sh\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&xclip, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let with = |display: Option<&str>| {
        let mut cmd = f.home.cmd();
        cmd.env("PATH", &path)
            .args(["setup", "cursor", "--no-test", "--model", "m"]);
        if let Some(d) = display {
            cmd.env("DISPLAY", d);
        }
        stdout(&cmd.output().unwrap())
    };
    assert!(
        with(Some(":0")).contains("agentgw token --profile default | xclip -selection clipboard"),
        "{}",
        with(Some(":0"))
    );
    assert!(
        !with(None).contains("xclip"),
        "xclip without an X display: {}",
        with(None)
    );
}

#[test]
fn test_cursor_uses_the_url_and_model_in_cursors_database() {
    let f = Fixture::online(&["db-model"]);
    let app = serde_json::json!({
        "openAIBaseUrl": format!("{}/cursor/v1", f.gateway_url()),
        "useOpenAIKey": true,
        "aiSettings": {"userAddedModels": ["db-model"], "modelOverrideEnabled": ["db-model"]},
    });
    f.make_db(Some(&app.to_string()), None);
    let out = f.run(&["test", "cursor"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).starts_with("✓ Cursor: db-model answered in "),
        "{}",
        stdout(&out)
    );
    assert_stderr_contains(&out, "state.vscdb)");
}

#[test]
fn status_and_doctor_read_cursors_database() {
    let f = Fixture::online(&[]);
    f.make_db(Some(APP_JSON), None);
    let out = f.write_db(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_str(&stdout(&f.run(&["status", "--json"]))).unwrap();
    let cursor = cursor_entry(&status);
    assert_eq!(cursor["configured"], true);
    assert_eq!(cursor["matches_profile"], true);
    assert_eq!(cursor["base_url"], format!("{}/cursor/v1", f.gateway_url()));
    assert!(
        cursor["models"]
            .as_array()
            .unwrap()
            .contains(&"databricks-claude-opus-4-6".into())
    );

    let out = f.run(&["doctor", "--agent", "cursor"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("✓ the gateway answers databricks-claude-opus-4-6"),
        "{}",
        stdout(&out)
    );

    // Cursor pointed elsewhere: doctor fails and names the fix.
    let mut elsewhere = app(&f.db());
    elsewhere["openAIBaseUrl"] = "https://api.openai.com/v1".into();
    let conn = Connection::open(f.db()).unwrap();
    conn.execute(
        "UPDATE ItemTable SET value = ?1 WHERE key = ?2",
        [elsewhere.to_string(), APP_ROW.to_string()],
    )
    .unwrap();
    let out = f.run(&["doctor", "--agent", "cursor"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.contains(
            "Cursor's OpenAI base URL is https://api.openai.com/v1, not the profile's gateway"
        ),
        "{said}"
    );
    assert!(
        said.contains("fix: quit Cursor, then: agentgw setup cursor --write-cursor-db"),
        "{said}"
    );

    // A locked database is a warning, not a crash.
    conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let out = f.run(&["doctor", "--agent", "cursor"]);
    conn.execute_batch("ROLLBACK").unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("! cannot read Cursor's settings:"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("locked"), "{}", stdout(&out));
}

#[test]
fn setup_all_takes_cursor_in_its_safe_mode_when_installed() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    let bytes = std::fs::read(f.db()).unwrap();
    let out = f
        .home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["setup", "all", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Unattended (an onboarding script on every login): one line, not the whole recipe.
    assert!(
        stdout(&out).contains(
            "Cursor: not set up for the gateway; `agentgw setup cursor` prints the steps"
        ),
        "{}",
        stdout(&out)
    );
    assert!(
        !stdout(&out).contains("Settings > Models"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        std::fs::read(f.db()).unwrap(),
        bytes,
        "setup all wrote Cursor's database"
    );
}

#[test]
fn several_models_are_for_cursor_only() {
    let f = Fixture::offline();
    let out = f.run(&["setup", "claude", "--model", "a,b"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "--model takes one name for claude; only cursor takes several",
    );
}

#[test]
fn remove_restores_a_row_that_had_no_ai_settings() {
    let f = Fixture::offline();
    let original = r#"{"cppEnabled":true,"membershipType":"pro"}"#;
    f.make_db(Some(original), None);
    assert!(f.write_db(&["--model", "databricks-a"]).status.success());
    let after = app(&f.db());
    assert_eq!(
        after["aiSettings"],
        serde_json::json!({"userAddedModels": ["databricks-a"], "modelOverrideEnabled": ["databricks-a"]})
    );
    let out = f.run(&["remove", "cursor", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(row_text(&f.db(), APP_ROW).as_deref(), Some(original));
}

#[test]
fn status_reads_a_wal_database_while_another_program_writes() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    assert!(f.write_db(&[]).status.success());
    // Cursor keeps its database open in WAL mode and writes to it as it runs.
    let cursor = Connection::open(f.db()).unwrap();
    let mode: String = cursor
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    cursor.execute_batch("BEGIN IMMEDIATE").unwrap();
    cursor
        .execute(
            "UPDATE ItemTable SET value = '1' WHERE key = 'workbench.panel.width'",
            [],
        )
        .unwrap();
    let out = f.run(&["status", "--json"]);
    cursor.execute_batch("ROLLBACK").unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(cursor_entry(&status)["configured"], true, "{status}");
    assert_eq!(cursor_entry(&status)["config_error"], Value::Null);
}

#[test]
fn xdg_config_home_moves_cursors_folder() {
    let f = Fixture::offline();
    let xdg = f.home.path().join("xdg");
    let db = xdg.join("Cursor/User/globalStorage/state.vscdb");
    make_db(&db, Some(APP_JSON), None);
    let out = f
        .home
        .cmd()
        .env("XDG_CONFIG_HOME", &xdg)
        // (agentgw's own folder moves with it; keep the profile where login put it)
        .env("AGENTGW_CONFIG_DIR", f.home.config_dir())
        .args(["setup", "cursor", "--write-cursor-db", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(app(&db)["useOpenAIKey"], true);
    assert!(!f.db().exists(), "~/.config/Cursor was used");
}

#[test]
fn remove_after_the_database_is_deleted_forgets_it() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    assert!(f.write_db(&[]).status.success());
    std::fs::remove_file(f.db()).unwrap();
    let out = f.run(&["remove", "all", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "state.vscdb is gone, and agentgw's settings with it: nothing to put back",
    );
    assert!(
        stdout(&out).contains("Cursor: removed agentgw's settings."),
        "{}",
        stdout(&out)
    );
    assert!(!f.db().exists(), "agentgw created a database");
    // The record entry went with it: safe to repeat, and status no longer reports drift.
    let out = f.run(&["remove", "cursor", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Cursor: nothing to remove"),
        "{}",
        stdout(&out)
    );
    let status: Value = serde_json::from_str(&stdout(&f.run(&["status", "--json"]))).unwrap();
    assert_eq!(
        cursor_entry(&status)["changed_since_setup"],
        serde_json::json!([])
    );
}

/// Sets the key row to bytes that are not UTF-8, as an encrypted key is stored.
fn set_binary_row(db: &Path, key: &str, bytes: &[u8]) {
    let conn = Connection::open(db).unwrap();
    conn.execute(
        "INSERT INTO ItemTable (key, value) VALUES (?1, ?2)",
        rusqlite::params![key, bytes],
    )
    .unwrap();
}

const ENCRYPTED: &[u8] = &[b'v', b'1', b'0', 0xff, 0xfe, 0x00, 0x81, 0x9c];

#[test]
fn a_binary_key_row_is_left_alone_and_the_other_fields_written() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    set_binary_row(&f.db(), KEY_ROW, ENCRYPTED);
    let out = f.write_db(&["--model", "databricks-a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "The API key (this Cursor keeps its API key in a form agentgw does not write): paste your token once"
        ),
        "{}",
        stdout(&out)
    );
    let key = rows(&f.db()).into_iter().find(|(k, _)| k == KEY_ROW);
    assert_eq!(
        key,
        Some((KEY_ROW.to_string(), Sql::Blob(ENCRYPTED.to_vec())))
    );
    let after = app(&f.db());
    assert_eq!(after["useOpenAIKey"], true);
    assert_eq!(
        after["aiSettings"]["userAddedModels"],
        serde_json::json!(["my-local-llama", "databricks-a"])
    );

    // status reads it, and says only what it knows about the key.
    let out = f.run(&["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let cursor = cursor_entry(&status);
    assert_eq!(cursor["configured"], true, "{cursor}");
    assert_eq!(
        cursor["token_via"],
        "not in a form agentgw can read; paste it once in Cursor Settings > Models if you have not"
    );

    // remove puts the settings back and leaves the key row's bytes as they are.
    let out = f.run(&["remove", "cursor", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(row_text(&f.db(), APP_ROW).as_deref(), Some(APP_JSON));
    let key = rows(&f.db()).into_iter().find(|(k, _)| k == KEY_ROW);
    assert_eq!(
        key,
        Some((KEY_ROW.to_string(), Sql::Blob(ENCRYPTED.to_vec())))
    );
}

#[test]
fn status_says_what_it_knows_when_there_is_no_key_row() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    let status: Value = serde_json::from_str(&stdout(&f.run(&["status", "--json"]))).unwrap();
    assert_eq!(
        cursor_entry(&status)["token_via"],
        "not in a form agentgw can read; paste it once in Cursor Settings > Models if you have not"
    );
}

#[test]
fn a_binary_settings_row_is_refused_untouched() {
    let f = Fixture::offline();
    f.make_db(None, None);
    set_binary_row(&f.db(), APP_ROW, ENCRYPTED);
    let bytes = std::fs::read(f.db()).unwrap();
    let out = f.write_db(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "holds binary data, not JSON text");
    assert_stderr_contains(&out, "agentgw changed nothing");
    assert_eq!(std::fs::read(f.db()).unwrap(), bytes);
    assert_eq!(f.backups(), 0);
}

#[test]
fn an_empty_base_url_is_not_a_gateway_setup() {
    let f = Fixture::online(&[]);
    // A user of Cursor with their own OpenAI key, who cleared the override field.
    for url in ["", "  "] {
        let app = serde_json::json!({"openAIBaseUrl": url, "useOpenAIKey": true});
        let _ = std::fs::remove_file(f.db());
        f.make_db(Some(&app.to_string()), Some("sk-users-own-key"));
        let out = f.run(&["doctor"]);
        assert_eq!(out.status.code(), Some(0), "{url:?}: {}", stdout(&out));
        let status: Value = serde_json::from_str(&stdout(&f.run(&["status", "--json"]))).unwrap();
        assert_eq!(cursor_entry(&status)["configured"], false, "{url:?}");
        let out = f.run(&["test", "cursor"]);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert_stderr_contains(&out, "Cursor's override is not on");
    }
}

#[test]
fn an_already_set_up_run_makes_a_database_holding_the_token_private_again() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), Some("sk-users-own-key"));
    assert!(f.write_db(&[]).status.success());
    assert_eq!(mode(&f.db()), 0o600);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(f.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = f.write_db(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Cursor: already set up"),
        "{}",
        stdout(&out)
    );
    assert_eq!(mode(&f.db()), 0o600);
}

#[test]
fn a_model_the_user_switched_off_stays_off() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    // APP_JSON switches o3 off.
    let out = f.write_db(&["--model", "o3,databricks-a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(&out, "you switched off o3 in Cursor's model list");
    let after = app(&f.db());
    assert_eq!(
        after["aiSettings"]["modelOverrideEnabled"],
        serde_json::json!(["claude-4-sonnet", "my-local-llama", "databricks-a"])
    );
    assert_eq!(
        after["aiSettings"]["modelOverrideDisabled"],
        serde_json::json!(["o3"])
    );
}

/// The backup folder agentgw keeps for the database (one per file).
fn backup_dir(f: &Fixture) -> PathBuf {
    let dir = f.home.path().join(".local/state/agentgw/backups");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.pop().unwrap()
}

#[test]
fn a_failed_write_leaves_no_backup_and_a_stale_temp_backup_goes() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    // Cursor keeps the database in WAL mode and writes to it: agentgw can read (and back up)
    // but not write.
    let holder = Connection::open(f.db()).unwrap();
    let _: String = holder
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    for _ in 0..2 {
        let out = f.write_db(&[]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_stderr_contains(&out, "locked by another program");
    }
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(f.backups(), 0, "a failed write left a backup");

    // A run killed while making its backup leaves a temp file; the next run removes it.
    assert!(f.write_db(&[]).status.success());
    let stale = backup_dir(&f).join(".backup.agentgw-tmp-killed");
    std::fs::write(&stale, "half a copy").unwrap();
    let out = f.write_db(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stale.exists(), "the stale temp backup is still there");
    assert_eq!(f.backups(), 1);
}

#[test]
fn another_users_cursor_does_not_block() {
    use crate::faults::{euid, hand_home_to_the_unprivileged, run_unprivileged};
    if euid() != 0 {
        eprintln!(
            "skipped: running Cursor as another user needs root; run the tests as root to cover it (the uid filter has a unit test)"
        );
        return;
    }
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    // Root's Cursor, with this HOME: the unprivileged user cannot quit it (nor read its
    // environment, which would otherwise count as using this folder).
    let cursor = FakeCursor::start(&f.home);
    hand_home_to_the_unprivileged(&f.home);
    let out = run_unprivileged(
        &f.home,
        &["setup", "cursor", "--write-cursor-db", "--yes", "--no-test"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(app(&f.db())["useOpenAIKey"], true);
    let out = run_unprivileged(&f.home, &["remove", "cursor", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(row_text(&f.db(), APP_ROW).as_deref(), Some(APP_JSON));
    drop(cursor);
}

#[test]
fn a_relative_user_data_dir_is_the_cursor_processs_own() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    // A shell named `cursor`, started in ~/.config with `--user-data-dir=Cursor` among its
    // arguments (as `$1`, which the shell ignores).
    let dir = f.home.path().join("fake-cursor");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("cursor");
    std::fs::copy("/bin/sh", &exe).unwrap();
    let mut child = std::process::Command::new(&exe)
        .args(["-c", "sleep 60; :", "cursor", "--user-data-dir=Cursor"])
        .current_dir(f.home.path().join(".config"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .spawn()
        .unwrap();
    let out = f.write_db(&[]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_stderr_contains(&out, &format!("Cursor is running (pid {}", child.id()));
}

#[test]
fn a_database_agentgw_cannot_write_is_named_with_the_fix() {
    use crate::faults::{euid, hand_home_to_the_unprivileged, run_unprivileged};
    if euid() != 0 {
        eprintln!(
            "skipped: a database of another user needs root; run the tests as root to cover it (the message has a unit test)"
        );
        return;
    }
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), None);
    hand_home_to_the_unprivileged(&f.home);
    // Root's database (readable by all) in the user's own folder.
    std::os::unix::fs::lchown(f.db(), Some(0), Some(0)).unwrap();
    let bytes = std::fs::read(f.db()).unwrap();
    let out = run_unprivileged(
        &f.home,
        &["setup", "cursor", "--write-cursor-db", "--yes", "--no-test"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_contains(&out, &f.db().display().to_string());
    assert_stderr_contains(
        &out,
        &format!(
            "(read-only, or owned by another user); check with: ls -l {}",
            f.db().display()
        ),
    );
    assert_eq!(std::fs::read(f.db()).unwrap(), bytes);
    assert_eq!(f.backups(), 0, "a failed write left a backup");
}

/// The bytes of the database and of whatever SQLite keeps beside it.
fn db_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).unwrap();
    for journal in ["-wal", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(journal);
        bytes.extend(std::fs::read(Path::new(&name)).unwrap_or_default());
    }
    bytes
}

fn holds(bytes: &[u8], secret: &str) -> bool {
    bytes.windows(secret.len()).any(|w| w == secret.as_bytes())
}

#[test]
fn logout_takes_the_token_out_of_cursors_key_row_and_login_puts_the_new_one_in() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), Some("sk-users-own-key"));
    let before = rows(&f.db());
    assert!(f.write_db(&[]).status.success());
    assert_eq!(row_text(&f.db(), KEY_ROW).as_deref(), Some(GOOD_TOKEN));

    // Not while Cursor runs: it would write the token back from memory.
    let cursor = FakeCursor::start(&f.home);
    let out = f.run(&["logout"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "not changed, Cursor is running");
    assert_stderr_contains(&out, "then run `agentgw logout --profile default` again");
    assert_eq!(row_text(&f.db(), KEY_ROW).as_deref(), Some(GOOD_TOKEN));
    drop(cursor);

    // Again, once Cursor is closed: the store no longer has the token, the record still knows.
    let out = f.run(&["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "  token removed from ~/.config/Cursor/User/globalStorage/state.vscdb (Cursor)\n"
        ),
        "{}",
        stdout(&out)
    );
    assert_eq!(row_text(&f.db(), KEY_ROW), None);
    assert!(
        !holds(&db_bytes(&f.db()), GOOD_TOKEN),
        "the token is still in the database's pages"
    );
    let state = f.home.path().join(".local/state/agentgw");
    for file in crate::rich_home::files_under(&state) {
        assert!(
            !holds(&std::fs::read(&file).unwrap(), GOOD_TOKEN),
            "{}",
            file.display()
        );
    }

    f.home.secret("dapi-rotated-cursor-token");
    let out = f
        .home
        .cmd()
        .args([
            "login",
            "--host",
            "https://ws.example.com",
            "--token-stdin",
            "--no-verify",
        ])
        .write_stdin("dapi-rotated-cursor-token")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        row_text(&f.db(), KEY_ROW).as_deref(),
        Some("dapi-rotated-cursor-token")
    );

    // Remove gives the user's own key back, and every other row as it was (the key row, deleted
    // and inserted again, is now the table's last: rows are read by key, their order means nothing).
    assert!(f.run(&["remove", "cursor", "--yes"]).status.success());
    let sorted = |mut rows: Vec<(String, Sql)>| {
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    };
    assert_eq!(sorted(rows(&f.db())), sorted(before));
}

/// The product page has the user paste the token as Cursor's OpenAI API key; `setup cursor
/// --write-cursor-db` then finds it already in the key row. It is still the profile's token in a
/// row agentgw manages: `logout` takes it out, `login` puts the new one in.
#[test]
fn logout_takes_out_a_token_the_user_had_pasted_into_cursor() {
    let f = Fixture::offline();
    f.make_db(Some(APP_JSON), Some(GOOD_TOKEN));
    f.home.secret_put_there_by_the_test(&f.db());
    let out = f.write_db(&[]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = f.run(&["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "  token removed from ~/.config/Cursor/User/globalStorage/state.vscdb (Cursor)\n"
        ),
        "{}",
        stdout(&out)
    );
    assert_eq!(row_text(&f.db(), KEY_ROW), None);

    let new = "dapi-rotated-cursor-token-01";
    f.home.secret(new);
    let out = f
        .home
        .cmd()
        .args(["login", "--token-stdin", "--no-verify"])
        .write_stdin(new)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(row_text(&f.db(), KEY_ROW).as_deref(), Some(new));
}

#[test]
fn the_steps_list_the_chat_models_the_workspace_serves_without_embedding_models() {
    let gateway = Gateway::start_workspace_models(&["claude-opus-4-6", "gpt-5-2", "gte-large-en"]);
    let f = Fixture {
        home: TestHome::logged_in_to(&gateway.url),
        gateway: Some(gateway),
    };
    let out = f.run(&["setup", "cursor"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("       system.ai.claude-opus-4-6\n       system.ai.gpt-5-2\n  4. "),
        "{said}"
    );
    assert!(!said.contains("gte-large-en"), "{said}");
    assert!(
        said.contains("✓ test request: system.ai.claude-opus-4-6 answered"),
        "{said}"
    );
}

/// Cursor's entry of `status --json` (a desktop app: after every terminal agent).
fn cursor_entry(status: &Value) -> &Value {
    status["agents"]
        .as_array()
        .and_then(|agents| agents.iter().find(|a| a["agent"] == "cursor"))
        .expect("status lists Cursor")
}
