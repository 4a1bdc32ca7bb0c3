//! Cursor: a desktop app with no config file. Settings > Models ("Override OpenAI Base URL", the
//! OpenAI API key, custom models) live in its SQLite settings database, `state.vscdb` under
//! `<Cursor user dir>/User/globalStorage/`, table `ItemTable(key, value)`: one row holds the
//! application-user settings as JSON (`openAIBaseUrl`, `useOpenAIKey`,
//! `aiSettings.userAddedModels`, `aiSettings.modelOverrideEnabled`), and older releases keep the
//! API key in plain text in the row `cursorAuth/openAIKey` (newer ones encrypt it elsewhere).
//! This layout is reverse-engineered, not documented, so agentgw reads it strictly and refuses
//! anything it does not recognise.

pub mod running;

use super::RouteSpec;
use crate::edit::{self, Change, Format, KeyPath, RowValue};
use crate::gateway::Wire;
use crate::profile::Profile;
use anyhow::{Result, anyhow, bail};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const ID: &str = "cursor";
pub const NAME: &str = "Cursor";
pub const DEFAULT_MODEL: &str = "databricks-claude-opus-4-6";
/// Cursor calls a custom OpenAI base URL with Chat Completions.
pub const WIRE: Wire = Wire::OpenAiChat;

/// Cursor's entry in `agents::ALL`.
pub static APP: super::DesktopApp = super::DesktopApp {
    id: ID,
    name: NAME,
    wire: WIRE,
    // `/cursor/v1` on the dedicated host, else the workspace-relative OpenAI-compatible
    // `/mlflow/v1`.
    route: RouteSpec {
        agent: ID,
        default: "/cursor/v1",
        candidates: &["/cursor/v1", "/mlflow/v1"],
        listing: "/models",
    },
};

/// The row whose JSON value holds Cursor's application-user settings.
pub const APP_USER_ROW: &str = "src.vs.platform.reactivestorage.browser.reactiveStorageServiceImpl.persistentStorage.applicationUser";
/// The row where older Cursor releases keep the OpenAI API key in plain text.
pub const KEY_ROW: &str = "cursorAuth/openAIKey";

pub const BASE_URL: &str = "openAIBaseUrl";
const USE_KEY: &str = "useOpenAIKey";
const AI_SETTINGS: &str = "aiSettings";
const MODELS: &str = "userAddedModels";
const ENABLED: &str = "modelOverrideEnabled";
const DISABLED: &str = "modelOverrideDisabled";

/// Cursor's user folder (the one holding `User/globalStorage/state.vscdb`): `--cursor-dir`, else
/// the platform's: `$XDG_CONFIG_HOME/Cursor` (default `~/.config/Cursor`) on Linux,
/// `~/Library/Application Support/Cursor` on macOS, `%APPDATA%\Cursor` on Windows.
pub fn user_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    dirs::config_dir()
        .map(|d| d.join("Cursor"))
        .ok_or_else(|| anyhow!("cannot find your home directory; pass --cursor-dir"))
}

/// Where Cursor keeps its settings database inside its user folder.
pub fn db_path(user_dir: &Path) -> PathBuf {
    user_dir
        .join("User")
        .join("globalStorage")
        .join("state.vscdb")
}

/// The database status, doctor and test look at: under `--cursor-dir` when given, else the one
/// agentgw wrote (which may have been under `--cursor-dir`), else the platform's.
pub fn find_db(flag: Option<&Path>, state: &edit::StateDir) -> Result<PathBuf> {
    if flag.is_none()
        && let Some(db) = edit::managed_files(state, ID)?.into_iter().next()
    {
        return Ok(db);
    }
    Ok(db_path(&user_dir(flag)?))
}

/// The user folder a database path lies in (the inverse of `db_path`).
pub fn user_dir_of(db: &Path) -> Option<&Path> {
    db.parent()?.parent()?.parent()
}

/// Cursor's URL on the gateway: `<gateway>/cursor/v1`, or the profile's base path for `cursor`.
pub fn base_url(gateway: &str, profile: &Profile) -> String {
    super::gateway_base_of(&APP.route, gateway, profile)
}

/// The profile's model for Cursor (`[profiles.NAME.models] cursor`), else the default.
pub fn profile_model(profile: &Profile) -> String {
    profile
        .models
        .get(ID)
        .cloned()
        .unwrap_or_else(|| DEFAULT_MODEL.to_string())
}

/// What Cursor's database says about its model settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub db: PathBuf,
    /// "Override OpenAI Base URL" (`None`: not set).
    pub base_url: Option<String>,
    /// The OpenAI API key switch.
    pub use_key: bool,
    /// The custom models, in Cursor's order.
    pub models: Vec<String>,
    /// The models switched on in the model list.
    pub enabled: Vec<String>,
    /// The models switched off in the model list.
    pub disabled: Vec<String>,
    pub key: KeyRow,
}

/// How the database keeps the OpenAI API key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyRow {
    /// No `cursorAuth/openAIKey` row: newer releases keep it encrypted elsewhere.
    Absent,
    /// In plain text (never shown).
    Plain(String),
    /// A row in a form agentgw does not recognise (encrypted, say): left alone.
    Unknown,
}

impl Settings {
    /// The override is on and points at `url`.
    pub fn points_at(&self, url: &str) -> bool {
        self.use_key && self.base_url.as_deref().map(trim_slash) == Some(trim_slash(url))
    }

    /// The models of `wanted` that Cursor does not list, or lists but has not switched on.
    pub fn missing<'a>(&self, wanted: &'a [String]) -> Vec<&'a str> {
        wanted
            .iter()
            .filter(|m| !self.models.contains(m) || !self.enabled.contains(m))
            .map(String::as_str)
            .collect()
    }

    /// The model to test Cursor's setup with: the profile's when Cursor lists it, else the
    /// first custom model Cursor lists.
    pub fn test_model(&self, profile: &Profile) -> String {
        let wanted = profile_model(profile);
        if self.models.contains(&wanted) || self.models.is_empty() {
            wanted
        } else {
            self.models[0].clone()
        }
    }
}

fn trim_slash(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// Reads Cursor's model settings, read-only (works while Cursor runs). `None` when the database
/// does not exist. A row agentgw cannot read safely is an error naming the database and row.
pub fn read_settings(db: &Path) -> Result<Option<Settings>> {
    let rows = [APP_USER_ROW.to_string(), KEY_ROW.to_string()];
    let Some(values) = edit::read_rows(db, &rows)? else {
        return Ok(None);
    };
    let shown = db.display();
    let text = match &values[0] {
        Some(RowValue::Text(text)) => text,
        Some(RowValue::Binary) => bail!(
            "{shown}: the row {APP_USER_ROW} holds binary data, not JSON text (a newer Cursor?); agentgw changed nothing.\n\
             Set Cursor up by hand with the steps `agentgw setup cursor` prints."
        ),
        None => bail!(
            "{shown}: Cursor has not saved its model settings yet (no row {APP_USER_ROW}); agentgw changed nothing.\n\
             Start Cursor, open Settings > Models once, quit Cursor, then run the command again."
        ),
    };
    let app: Value = serde_json::from_str(text).map_err(|e| {
        anyhow!(
            "{shown}: the row {APP_USER_ROW} is not valid JSON (line {}, column {}: {e}); agentgw changed nothing.\n\
             Let Cursor repair it (start and quit Cursor), or set Cursor up by hand: agentgw setup cursor",
            e.line(),
            e.column()
        )
    })?;
    let unknown = |what: String| {
        anyhow!(
            "{shown}: the row {APP_USER_ROW} has a layout agentgw does not know ({what}; a newer Cursor?); agentgw changed nothing.\n\
             Set Cursor up by hand with the steps `agentgw setup cursor` prints."
        )
    };
    let Some(app) = app.as_object() else {
        return Err(unknown(format!("{}, not a JSON object", kind(&app))));
    };
    let base_url = match app.get(BASE_URL) {
        None | Some(Value::Null) => None,
        // A cleared field: Cursor then calls OpenAI itself, so the override is not in use.
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(unknown(format!("{BASE_URL} is {}", kind(other)))),
    };
    let use_key = match app.get(USE_KEY) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(unknown(format!("{USE_KEY} is {}", kind(other)))),
    };
    let ai = match app.get(AI_SETTINGS) {
        None => None,
        Some(Value::Object(ai)) => Some(ai),
        Some(other) => return Err(unknown(format!("{AI_SETTINGS} is {}", kind(other)))),
    };
    let list = |name: &str| -> Result<Vec<String>> {
        match ai.and_then(|ai| ai.get(name)) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    unknown(format!("{AI_SETTINGS}.{name} is not a list of model names"))
                }),
            Some(other) => Err(unknown(format!("{AI_SETTINGS}.{name} is {}", kind(other)))),
        }
    };
    let key = match &values[1] {
        None => KeyRow::Absent,
        Some(RowValue::Text(value)) if is_plain_key(value) => KeyRow::Plain(value.clone()),
        // Encrypted, binary or JSON: left alone.
        Some(_) => KeyRow::Unknown,
    };
    Ok(Some(Settings {
        db: db.to_path_buf(),
        base_url,
        use_key,
        models: list(MODELS)?,
        enabled: list(ENABLED)?,
        disabled: list(DISABLED)?,
        key,
    }))
}

/// An API key as typed: printable ASCII, no spaces, not JSON (an encrypted entry is a JSON
/// buffer or binary). Empty counts: the field was cleared.
fn is_plain_key(value: &str) -> bool {
    value.chars().all(|c| c.is_ascii_graphic()) && !value.starts_with(['{', '[', '"'])
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// What agentgw writes: the override URL and switch, the models added to Cursor's custom models
/// and to the switched-on list (after Cursor's own, no duplicates), and the API key when the
/// database keeps it in plain text (`token`). Every other field and row stays as it is.
pub fn changes(
    settings: &Settings,
    base_url: &str,
    models: &[String],
    token: Option<&str>,
) -> Vec<Change> {
    let app = |path: &[&str]| -> KeyPath {
        std::iter::once(APP_USER_ROW)
            .chain(path.iter().copied())
            .map(str::to_string)
            .collect()
    };
    // `skip`: models not to add (the ones the user switched off stay off).
    let with = |existing: &[String], skip: &[String]| -> Value {
        let mut all = existing.to_vec();
        for m in models {
            if !all.contains(m) && !skip.contains(m) {
                all.push(m.clone());
            }
        }
        Value::from(all)
    };
    let mut changes = vec![
        Change::Set {
            key: app(&[BASE_URL]),
            value: base_url.into(),
        },
        Change::Set {
            key: app(&[USE_KEY]),
            value: true.into(),
        },
        Change::Set {
            key: app(&[AI_SETTINGS, MODELS]),
            value: with(&settings.models, &[]),
        },
        Change::Set {
            key: app(&[AI_SETTINGS, ENABLED]),
            value: with(&settings.enabled, &settings.disabled),
        },
    ];
    if let (KeyRow::Plain(_), Some(token)) = (&settings.key, token) {
        changes.push(Change::Set {
            key: vec![KEY_ROW.to_string()],
            value: token.into(),
        });
    }
    changes
}

/// The plan for `changes` in Cursor's database; it holds `profile`'s token when it writes the key.
pub fn plan(db: &Path, changes: &[Change], profile: &str) -> Result<edit::Plan> {
    let writes_key = changes
        .iter()
        .any(|c| matches!(c, Change::Set { key, .. } if key.len() == 1 && key[0] == KEY_ROW));
    let plan = edit::plan(db, Format::Sqlite, changes)?;
    Ok(match writes_key {
        true => plan.with_token(vec![KEY_ROW.to_string()], profile),
        false => plan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(models: &[&str], key: KeyRow) -> Settings {
        Settings {
            db: PathBuf::from("/x/state.vscdb"),
            base_url: None,
            use_key: false,
            models: models.iter().map(|m| m.to_string()).collect(),
            enabled: vec!["gpt-4o".into()],
            disabled: Vec::new(),
            key,
        }
    }

    /// The value a change list sets at the key ending in `name`.
    fn set_value(changes: &[Change], name: &str) -> Option<serde_json::Value> {
        changes.iter().find_map(|c| match c {
            Change::Set { key, value } if key.last().unwrap() == name => Some(value.clone()),
            _ => None,
        })
    }

    #[test]
    fn models_are_added_after_cursors_own_without_duplicates() {
        let s = settings(&["mine", "databricks-a"], KeyRow::Absent);
        let models = vec!["databricks-a".to_string(), "databricks-b".to_string()];
        let changes = changes(&s, "https://gw/cursor/v1", &models, Some("tok"));
        let value = |name: &str| set_value(&changes, name);
        assert_eq!(
            value(MODELS).unwrap(),
            serde_json::json!(["mine", "databricks-a", "databricks-b"])
        );
        assert_eq!(
            value(ENABLED).unwrap(),
            serde_json::json!(["gpt-4o", "databricks-a", "databricks-b"])
        );
        assert!(
            value(KEY_ROW).is_none(),
            "no plain key row: the key is not written"
        );
        let plain = settings(&[], KeyRow::Plain("sk-old".into()));
        assert_eq!(
            super::changes(&plain, "u", &models, Some("tok")).len(),
            5,
            "a plain key row gets the token"
        );
    }

    #[test]
    fn a_model_the_user_switched_off_is_listed_but_not_switched_on() {
        let mut s = settings(&[], KeyRow::Absent);
        s.disabled = vec!["databricks-b".into()];
        let models = vec!["databricks-a".to_string(), "databricks-b".to_string()];
        let changes = changes(&s, "u", &models, None);
        let value = |name: &str| set_value(&changes, name);
        assert_eq!(
            value(MODELS).unwrap(),
            serde_json::json!(["databricks-a", "databricks-b"])
        );
        assert_eq!(
            value(ENABLED).unwrap(),
            serde_json::json!(["gpt-4o", "databricks-a"])
        );
    }

    #[test]
    fn only_typed_keys_count_as_plain() {
        assert!(is_plain_key("sk-proj-abc_123"));
        assert!(is_plain_key(""));
        assert!(!is_plain_key(r#"{"type":"Buffer","data":[1]}"#));
        assert!(!is_plain_key("v10\u{1}\u{2}"));
        assert!(!is_plain_key("two words"));
    }

    #[test]
    fn the_database_lies_three_folders_below_the_user_dir() {
        let dir = Path::new("/home/u/.config/Cursor");
        assert_eq!(
            db_path(dir),
            Path::new("/home/u/.config/Cursor/User/globalStorage/state.vscdb")
        );
        assert_eq!(user_dir_of(&db_path(dir)), Some(dir));
    }
}
