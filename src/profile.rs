//! agentgw's own config file: named profiles, each a workspace, its AI Gateway, per-agent
//! overrides and where the profile's token is stored.
//!
//! ```toml
//! [profiles.default]
//! host = "https://my-workspace.cloud.databricks.com"
//! gateway_url = "https://my-workspace.cloud.databricks.com/ai-gateway"
//! token_storage = "keyring"            # or "file"; absent when logged out
//! auth = "oauth"                       # "pat" (the default), "oauth" (browser sign-in) or "m2m"
//! client_id = "databricks-cli"         # OAuth only: the app connection or service principal
//! token_endpoint = "https://my-workspace.cloud.databricks.com/oidc/v1/token"   # OAuth only
//! ca_file = "/etc/ssl/corp-ca.pem"     # optional
//!
//! otel_tables = "main.agents.claude"   # remembered by `agentgw otel` / `agentgw usage`
//! warehouse_id = "1234567890abcdef"    # remembered by `agentgw otel create` / `agentgw usage`
//! dashboard_id = "01ef0123456789abcdef0123456789ab"  # remembered by `agentgw dashboard create`
//! gemini_no_token_file = true          # remembered by `agentgw setup gemini --no-token-file`
//!
//! [profiles.default.models]            # the models setup chose or was given (--model)
//! claude = "system.ai.claude-opus-4-6"           # Claude Code's ANTHROPIC_MODEL
//! claude_opus = "system.ai.claude-opus-4-6"      # its opus alias (ANTHROPIC_DEFAULT_OPUS_MODEL)
//! claude_sonnet = "system.ai.claude-sonnet-4-5"  # its sonnet alias (ANTHROPIC_DEFAULT_SONNET_MODEL)
//! claude_haiku = "system.ai.claude-haiku-4-5"    # its haiku alias (ANTHROPIC_DEFAULT_HAIKU_MODEL)
//! codex = "system.ai.gpt-5-2"
//! gemini = "system.ai.gemini-2-5-flash"
//! cursor = "databricks-claude-opus-4-6"
//!
//! [profiles.default.base_paths]        # per-agent gateway path, where it is not the default
//! codex = "/codex/v1"                  # (written by login's route discovery; yours are tried first)
//!
//! [profiles.default.routes_found]      # how login found each agent's route
//! codex = "GET /ai-gateway/codex/v1/models answered 200 at login 2026-11-30"
//! ```
//! `gateway_problem = "not_enabled"` (or `"no_permission"`) records that login found the
//! workspace's AI Gateway unusable: `setup` refuses until `login --refresh` finds it usable.
//! The file is edited with toml_edit, so comments and keys the user added survive our writes.

use crate::errors::{Classified, Kind};
use crate::{edit, paths};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use toml_edit::{DocumentMut, Item, Table, value};

pub const DEFAULT_PROFILE: &str = "default";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStorage {
    Keyring,
    File,
}

impl TokenStorage {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenStorage::Keyring => "keyring",
            TokenStorage::File => "file",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "keyring" => Some(TokenStorage::Keyring),
            "file" => Some(TokenStorage::File),
            _ => None,
        }
    }
}

/// How a profile signs in to its workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth {
    /// A personal access token, used as it is until it is revoked.
    #[default]
    Pat,
    /// OAuth in the browser (U2M): a refresh token that gets short-lived access tokens.
    OAuth,
    /// A service principal's OAuth secret (M2M, client credentials).
    M2m,
}

impl Auth {
    pub fn as_str(self) -> &'static str {
        match self {
            Auth::Pat => "pat",
            Auth::OAuth => "oauth",
            Auth::M2m => "m2m",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pat" => Some(Auth::Pat),
            "oauth" => Some(Auth::OAuth),
            "m2m" => Some(Auth::M2m),
            _ => None,
        }
    }

    /// Whether agents get tokens that expire within the hour, so anything that holds a copy of
    /// one (a `.env` file, Cursor's database) stops working.
    pub fn is_short_lived(self) -> bool {
        self != Auth::Pat
    }

    /// How the user would name it.
    pub fn describe(self) -> &'static str {
        match self {
            Auth::Pat => "personal access token",
            Auth::OAuth => "OAuth (browser sign-in)",
            Auth::M2m => "OAuth service principal (M2M)",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub name: String,
    pub host: Option<String>,
    pub gateway_url: Option<String>,
    pub token_storage: Option<TokenStorage>,
    pub auth: Auth,
    /// OAuth: the client id (an app connection's, or a service principal's application id).
    pub client_id: Option<String>,
    /// OAuth: where access tokens are refreshed, found at login.
    pub token_endpoint: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub models: BTreeMap<String, String>,
    pub base_paths: BTreeMap<String, String>,
    /// How login's discovery found each agent's route (see `discovery`).
    pub routes_found: BTreeMap<String, String>,
    /// What login found wrong with the workspace's AI Gateway (`discovery::Enabled::problem`).
    pub gateway_problem: Option<String>,
    /// CATALOG.SCHEMA.PREFIX of the telemetry tables, remembered by `otel` and `usage`.
    pub otel_tables: Option<String>,
    /// SQL warehouse id, remembered by `otel create` and `usage`.
    pub warehouse_id: Option<String>,
    /// The usage dashboard `dashboard create` made (and updates on every run).
    pub dashboard_id: Option<String>,
    /// Gemini gets no token in `~/.gemini/.env` (`setup gemini --no-token-file`, remembered
    /// until `--token-file`).
    pub gemini_no_token_file: bool,
}

impl Profile {
    /// The gateway URL, defaulting to `<host>/ai-gateway`.
    pub fn gateway(&self) -> Option<String> {
        self.gateway_url
            .clone()
            .or_else(|| self.host.as_ref().map(|h| default_gateway(h)))
    }
}

pub fn default_gateway(host: &str) -> String {
    format!("{host}/ai-gateway")
}

/// Profile names become keyring account names and TOML keys: keep them plain.
pub fn validate_name(name: &str) -> Result<()> {
    parse_name(name, "--profile").map(|_| ())
}

/// `text` as a profile name; `source` (the flag or variable it came from) names it in the error.
/// Empty is an error, not the default profile: `--profile ""` is a script's unset variable,
/// and quietly using another profile's workspace and token would be worse than stopping.
pub fn parse_name(text: &str, source: &str) -> Result<String> {
    let rule = "use 1-64 letters, digits, '-', '_' or '.'";
    if text.is_empty() {
        bail!(
            "{source} is empty: name a profile ({rule}), or leave it out for the default profile"
        );
    }
    let plain = text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !plain {
        bail!("{source} {text:?} is not a profile name: {rule}");
    }
    Ok(text.to_string())
}

/// The profile name chosen by --profile / AGENTGW_PROFILE (clap folds both into one value, and
/// has checked it: see cli.rs), else the default.
pub fn selected_name(flag: Option<&str>) -> Result<String> {
    let name = flag.unwrap_or(DEFAULT_PROFILE);
    validate_name(name)?;
    Ok(name.to_string())
}

pub struct Config {
    path: PathBuf,
    doc: DocumentMut,
}

impl Config {
    pub fn load(config_dir: &Path) -> Result<Config> {
        let path = paths::config_file(config_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let doc = text.parse::<DocumentMut>().map_err(|e| {
            // One line saying where and what (toml_edit's own text is a multi-line excerpt),
            // then the fix.
            let before = e
                .span()
                .and_then(|span| text.get(..span.start))
                .unwrap_or_default();
            let line = before.matches('\n').count() + 1;
            let col = before
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .chars()
                .count()
                + 1;
            let what = e.message().lines().next().unwrap_or("invalid TOML");
            Classified::explained(
                Kind::Config,
                format!(
                    "{}:{line}:{col}: agentgw's config file does not parse: {what}\n\
                     fix it by hand, or move it aside and run `agentgw login` again",
                    path.display(),
                ),
            )
        })?;
        Ok(Config { path, doc })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn profile_names(&self) -> Vec<String> {
        self.profiles_table()
            .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default()
    }

    pub fn profile(&self, name: &str) -> Result<Option<Profile>> {
        self.read_profile(name)
            .map_err(|e| Classified::explained(Kind::Config, format!("{e:#}")).into())
    }

    fn read_profile(&self, name: &str) -> Result<Option<Profile>> {
        let Some(table) = self
            .profiles_table()
            .and_then(|t| t.get(name))
            .and_then(Item::as_table_like)
        else {
            return Ok(None);
        };
        let key = |k: &str| format!("profiles.{name}.{k}");
        let string = |k: &str| -> Result<Option<String>> {
            match table.get(k) {
                None => Ok(None),
                Some(item) => match item.as_str() {
                    Some(s) => Ok(Some(s.to_string())),
                    None => bail!("{}: {} must be a string", self.path.display(), key(k)),
                },
            }
        };
        let map = |k: &str| -> Result<BTreeMap<String, String>> {
            let Some(item) = table.get(k) else {
                return Ok(BTreeMap::new());
            };
            let Some(t) = item.as_table_like() else {
                bail!(
                    "{}: {} must be a table of strings",
                    self.path.display(),
                    key(k)
                )
            };
            t.iter()
                .map(|(agent, v)| match v.as_str() {
                    Some(s) => Ok((agent.to_string(), s.to_string())),
                    None => bail!(
                        "{}: {}.{agent} must be a string",
                        self.path.display(),
                        key(k)
                    ),
                })
                .collect()
        };
        let token_storage = match string("token_storage")? {
            None => None,
            Some(s) => Some(TokenStorage::parse(&s).with_context(|| {
                format!(
                    "{}: {} must be \"keyring\" or \"file\", not {s:?}",
                    self.path.display(),
                    key("token_storage")
                )
            })?),
        };
        let auth = match string("auth")? {
            None => Auth::Pat,
            Some(s) => Auth::parse(&s).with_context(|| {
                format!(
                    "{}: {} must be \"pat\", \"oauth\" or \"m2m\", not {s:?}",
                    self.path.display(),
                    key("auth")
                )
            })?,
        };
        Ok(Some(Profile {
            name: name.to_string(),
            host: string("host")?,
            gateway_url: string("gateway_url")?,
            token_storage,
            auth,
            client_id: string("client_id")?,
            token_endpoint: string("token_endpoint")?,
            ca_file: string("ca_file")?.map(PathBuf::from),
            models: map("models")?,
            base_paths: map("base_paths")?,
            routes_found: map("routes_found")?,
            gateway_problem: string("gateway_problem")?,
            otel_tables: string("otel_tables")?,
            warehouse_id: string("warehouse_id")?,
            dashboard_id: string("dashboard_id")?,
            gemini_no_token_file: match table.get("gemini_no_token_file") {
                None => false,
                Some(item) => item.as_bool().with_context(|| {
                    format!(
                        "{}: {} must be true or false",
                        self.path.display(),
                        key("gemini_no_token_file")
                    )
                })?,
            },
        }))
    }

    /// Sets a profile's flag to `true`, or removes it (false is the default of every flag).
    pub fn set_flag(&mut self, profile: &str, field: &str, on: bool) {
        self.set_value(profile, field, on.then(|| true.into()));
    }

    /// Sets (Some) or removes (None) a plain string field of a profile, creating the profile.
    pub fn set_field(&mut self, profile: &str, field: &str, new: Option<&str>) {
        self.set_value(profile, field, new.map(Into::into));
    }

    fn set_value(&mut self, profile: &str, field: &str, new: Option<toml_edit::Value>) {
        let profiles = self.doc.entry("profiles").or_insert_with(implicit_table);
        let Some(profiles) = profiles.as_table_like_mut() else {
            return;
        };
        let table = profiles
            .entry(profile)
            .or_insert_with(|| Item::Table(Table::new()));
        let Some(table) = table.as_table_like_mut() else {
            return;
        };
        match new {
            Some(v) => match table.get_mut(field) {
                // Keep the user's inline comment on the line we change.
                Some(Item::Value(existing)) => {
                    let decor = existing.decor().clone();
                    *existing = v;
                    *existing.decor_mut() = decor;
                }
                _ => {
                    table.insert(field, value(v));
                }
            },
            None => {
                table.remove(field);
            }
        }
    }

    /// Sets (Some) or removes (None) `key` in the profile's sub-table `table` (say `base_paths`),
    /// dropping the sub-table once it is empty. Other keys and comments stay as they are.
    pub fn set_in_table(&mut self, profile: &str, table: &str, key: &str, new: Option<&str>) {
        let profiles = self.doc.entry("profiles").or_insert_with(implicit_table);
        let Some(profile) = profiles
            .as_table_like_mut()
            .map(|p| {
                p.entry(profile)
                    .or_insert_with(|| Item::Table(Table::new()))
            })
            .and_then(Item::as_table_like_mut)
        else {
            return;
        };
        let Some(sub) = profile
            .entry(table)
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_like_mut()
        else {
            return;
        };
        match new {
            Some(v) => match sub.get_mut(key) {
                Some(Item::Value(existing)) if existing.as_str() == Some(v) => {}
                // Keep the user's comment on a line that changes.
                Some(Item::Value(existing)) => {
                    let decor = existing.decor().clone();
                    *existing = v.into();
                    *existing.decor_mut() = decor;
                }
                _ => {
                    sub.insert(key, value(v));
                }
            },
            None => {
                sub.remove(key);
            }
        }
        if sub.is_empty() {
            profile.remove(table);
        }
    }

    /// Sets `[profiles.P.models] key = model`.
    pub fn set_model(&mut self, profile: &str, key: &str, model: &str) {
        self.set_in_table(profile, "models", key, Some(model));
    }

    /// Writes the file atomically if it changed, under a lock so two logins cannot interleave.
    pub fn save(&self) -> Result<()> {
        let text = self.doc.to_string();
        let current = std::fs::read_to_string(&self.path).unwrap_or_default();
        if text == current {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            paths::ensure_private_dir(dir)?;
        }
        edit::write::write_atomic(&self.path, text.as_bytes(), None)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    fn profiles_table(&self) -> Option<&dyn toml_edit::TableLike> {
        self.doc.get("profiles").and_then(Item::as_table_like)
    }
}

fn implicit_table() -> Item {
    let mut t = Table::new();
    t.set_implicit(true);
    Item::Table(t)
}

/// Serialises read-modify-write cycles of agentgw's config folder across processes.
pub fn lock_config_dir(config_dir: &Path) -> Result<File> {
    paths::ensure_private_dir(config_dir)?;
    let lock = config_dir.join(".lock");
    edit::write::exclusive_lock(&lock).with_context(|| format!("cannot lock {}", lock.display()))
}
