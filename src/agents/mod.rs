//! One module per coding agent: where its config lives, what agentgw writes there (from the
//! templates), and the environment `agentgw exec` gives it.

mod claude;
mod codex;
pub mod copilot;
pub mod cursor;
mod detect;
mod gemini;
mod opencode;
mod pi;
pub mod template;

pub use claude::{
    TelemetryDrift, has_comments_or_trailing_commas, inline_token_refusal, is_agentgw_token_helper,
    telemetry_drift as claude_telemetry_drift,
};
pub use codex::check_profile_name as check_codex_profile_name;
pub use detect::{Installed, detect_installed, find_installed, find_on_path};

pub use crate::discovery::RouteSpec;
use crate::edit::{Change, Format, KeyPath};
use crate::gateway::Wire;
use crate::profile::Profile;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Everything an agent needs to say what its config should hold.
pub struct Context<'a> {
    pub profile: &'a Profile,
    /// Workspace URL, e.g. https://my-ws.cloud.databricks.com
    pub host: String,
    /// AI Gateway URL without a trailing slash.
    pub gateway: String,
    pub model: String,
    /// Claude Code: the models behind its opus, sonnet and haiku aliases.
    pub aliases: crate::models::Aliases,
    /// Absolute path of this agentgw binary: agents call it back for the token.
    pub agentgw: PathBuf,
    pub token: &'a str,
    pub options: &'a SetupOptions,
    /// The agent's installed version, when it is installed.
    pub version: Option<Version>,
    /// Short-lived sign-in (OAuth): how often an agent that caches its helper's token must ask
    /// again, so a cached token never outlives itself. `None` for a personal access token.
    pub helper_refresh: Option<std::time::Duration>,
    /// The workspace's served models of every family, when it could be asked (an agent that
    /// offers several families lists them: Pi).
    pub served: Option<crate::models::Served>,
}

#[derive(Debug, Default, Clone)]
pub struct SetupOptions {
    /// Claude: write the token into settings.json instead of the key helper.
    pub inline_token: bool,
    /// Claude: the Unity Catalog tables of the OpenTelemetry export.
    pub otel_tables: Option<crate::otel::Tables>,
    /// Claude, with `otel_tables`: OTEL_RESOURCE_ATTRIBUTES as (key, value) pairs.
    pub otel_resource_attributes: Vec<(String, String)>,
    /// Claude: keep Claude Code's experimental betas on (the gateway may reject their headers).
    pub keep_experimental_betas: bool,
    /// Codex: write `$CODEX_HOME/<NAME>.config.toml` instead of config.toml.
    pub codex_profile: Option<String>,
    /// Gemini: leave the token out of ~/.gemini/.env (for `agentgw exec gemini`).
    pub no_token_file: bool,
}

/// One file of an agent's config and the changes agentgw wants in it.
pub struct FileSpec {
    pub path: PathBuf,
    pub format: Format,
    pub changes: Vec<Change>,
    /// The key the changes put the profile's token in (the file must then be 0600).
    pub token_key: Option<KeyPath>,
}

/// A helper command described without showing it: a user's own helper may hold a key inline.
pub fn describe_helper(command_line: &str) -> String {
    match agentgw_helper(command_line) {
        Some(helper) => format!("helper: agentgw token --profile {}", helper.profile),
        None => {
            let words = shell_words(command_line);
            let name = words
                .first()
                .and_then(|program| Path::new(program).file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!("your own helper command ({name}; not shown)")
        }
    }
}

/// A helper command line that runs agentgw: `<program> <command> ... [--profile P]`.
pub struct AgentgwHelper {
    /// The program as written (an absolute path when setup wrote it).
    pub program: PathBuf,
    /// `token` or `otel-headers`.
    pub command: String,
    /// The profile it asks for (`default` when not named).
    pub profile: String,
}

/// The agentgw helper a command line runs, read the way the shell splits it (agents run
/// helpers through `sh -c`); `None` when its program is not agentgw.
pub fn agentgw_helper(command_line: &str) -> Option<AgentgwHelper> {
    let words = shell_words(command_line);
    let (program, args) = words.split_first()?;
    if Path::new(program).file_name()? != "agentgw" {
        return None;
    }
    let profile = args
        .iter()
        .skip_while(|w| *w != "--profile")
        .nth(1)
        .map_or("default", String::as_str);
    Some(AgentgwHelper {
        program: PathBuf::from(program),
        command: args.first().cloned().unwrap_or_default(),
        profile: profile.to_string(),
    })
}

/// An agent's helper command (as `Agent::token_helper` gives it) as one shell command line.
pub fn helper_command_line(command: &[String]) -> String {
    match command {
        [sh, dash_c, script] if sh == "sh" && dash_c == "-c" => script.clone(),
        words => words.join(" "),
    }
}

/// True when the agent's config runs `agentgw token` for `profile` to get its token.
pub fn calls_agentgw_for(agent: &dyn Agent, profile: &str) -> bool {
    let Ok(Some(command)) = agent.token_helper() else {
        return false;
    };
    agentgw_helper(&helper_command_line(&command)).is_some_and(|h| h.profile == profile)
}

/// The string values at `keys` of `file` (`None` where absent or not a string).
pub fn read_strings(
    file: &std::path::Path,
    format: Format,
    keys: &[&[&str]],
) -> Result<Vec<Option<String>>> {
    let keys: Vec<Vec<String>> = keys
        .iter()
        .map(|k| k.iter().map(|p| p.to_string()).collect())
        .collect();
    let values = crate::edit::read_values(file, format, &keys)?;
    Ok(values
        .into_iter()
        .map(|v| v.and_then(|v| v.as_str().map(str::to_string)))
        .collect())
}

/// The first of `names` set (non-empty) in agentgw's own environment.
fn env_var_set(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| std::env::var_os(n).is_some_and(|v| !v.is_empty()))
        .map(|n| n.to_string())
}

/// The gateway settings read back from an agent's config file.
pub struct Configured {
    /// The file agentgw manages for the agent.
    pub file: PathBuf,
    pub base_url: String,
    pub model: String,
    /// Where `base_url` and `model` come from, for messages: `file`, or for Claude Code the
    /// settings layer (or `environment`) that wins.
    pub base_url_from: String,
    pub model_from: String,
}

impl Configured {
    /// The fix when the base URL is not the one in the file setup writes but comes from a
    /// Claude Code settings layer that outranks it, or the environment: there setup cannot
    /// change it.
    pub fn base_url_fix(&self) -> Option<String> {
        let file = crate::paths::display(&self.file);
        match self.base_url_from.as_str() {
            from if from == file => None,
            "environment" => Some(
                "unset ANTHROPIC_BASE_URL (and remove its export from your shell startup files), \
                 or start Claude Code with `agentgw exec claude` (the gateway settings win for that run)"
                    .to_string(),
            ),
            from => Some(format!(
                "remove env.ANTHROPIC_BASE_URL from {from}, or start Claude Code here with \
                 `agentgw exec claude` (the gateway settings win for that run)"
            )),
        }
    }

    /// Reads two string keys (base URL, model) from `file`; `None` unless both are set.
    fn read(
        file: PathBuf,
        format: Format,
        base_url: &[&str],
        model: &[&str],
    ) -> Result<Option<Configured>> {
        let mut values = read_strings(&file, format, &[base_url, model])?.into_iter();
        Ok(match (values.next().flatten(), values.next().flatten()) {
            // A user:password in the URL must never reach a message (status, doctor and test
            // all show this URL).
            (Some(base_url), Some(model)) => Some(Configured {
                base_url_from: crate::paths::display(&file),
                model_from: crate::paths::display(&file),
                file,
                base_url: crate::urls::redact_userinfo(&base_url),
                model,
            }),
            _ => None,
        })
    }
}

/// An agent's part of `agentgw setup`: the files to change and what to tell the user.
pub struct Setup {
    pub files: Vec<FileSpec>,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    /// Why the agent will not use what setup writes (what happened, a newline, the fix): setup
    /// still writes the files, then exits 1 with these.
    pub problems: Vec<String>,
}

/// How `agentgw exec` starts an agent: the arguments (the user's included, possibly rewritten)
/// and the environment changes.
pub struct Launch {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub env_remove: Vec<String>,
    /// For an agent that reads one static key when it starts and has no helper command (Gemini),
    /// when the profile's tokens are short-lived: exec serves it through a loopback relay that
    /// puts a fresh token on every request. These variables get the relay's address and key.
    pub relay: Option<RelayVars>,
}

/// The variables of [`Launch::relay`]: `base_url` holds the gateway URL the relay forwards to
/// until exec replaces it with the relay's; `key` gets the relay's key.
pub struct RelayVars {
    pub base_url: &'static str,
    pub key: &'static str,
}

/// A settings file for one `agentgw exec` run, which the agent is pointed at instead of being
/// given the settings on its command line: every user of the machine can read a command line
/// (`ps`, `/proc/PID/cmdline`), and the settings carry the user's own (headers from their files,
/// a settings file of theirs that may hold secrets). In agentgw's state folder, 0600, holding no
/// token. Named by its content: runs with the same settings share it, and none is ever deleted
/// under an agent that may read it again.
pub(crate) fn exec_file(prefix: &str, contents: &str) -> Result<PathBuf> {
    exec_file_as(prefix, "json", contents)
}

/// Like [`exec_file`], with the file name ending in `.<extension>` (an agent that loads code
/// by its file name, as Pi does its extensions).
pub(crate) fn exec_file_as(prefix: &str, extension: &str, contents: &str) -> Result<PathBuf> {
    use anyhow::Context as _;
    let state = crate::edit::StateDir::new(crate::paths::state_dir()?);
    let dir = state.subdir("exec")?;
    // 96 bits of the SHA-256: enough to tell settings apart.
    let digest = &crate::edit::digest_text(contents)[..24];
    let path = dir.join(format!("{prefix}-{digest}.{extension}"));
    if std::fs::read_to_string(&path).ok().as_deref() != Some(contents) {
        crate::edit::write::write_atomic(&path, contents.as_bytes(), Some(0o600))
            .with_context(|| format!("cannot write {}", crate::paths::display(&path)))?;
    }
    Ok(path)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Version {
    /// The first `X.Y.Z` in a `--version` line such as `codex-cli 0.171.0` or `2.1.332 (Claude Code)`.
    pub fn find_in(text: &str) -> Option<Version> {
        text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .find_map(|word| {
                let mut parts = word.split('.').map(|p| p.parse::<u64>().ok());
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(Some(a)), Some(Some(b)), Some(Some(c))) => Some(Version(a, b, c)),
                    _ => None,
                }
            })
    }
}

/// The facts about an agent that do not depend on the user.
pub struct AgentInfo {
    /// The name used on the command line: `claude`, `codex`, `gemini`.
    pub id: &'static str,
    /// The product name for messages.
    pub name: &'static str,
    /// The executable looked up on PATH.
    pub program: &'static str,
    pub default_model: &'static str,
    /// The agent's route on the gateway: the paths login tries, e.g. `/anthropic`. `None` for
    /// an agent with providers of several formats, which uses each format's route (see
    /// [`wire_base`]).
    pub route: Option<RouteSpec>,
    /// The request format the agent speaks.
    pub wire: Wire,
    /// The oldest release agentgw supports and the newest tested in CI (tests/agents/versions.txt).
    pub supported: (Version, Version),
    /// The npm package the agent is installed from.
    pub npm_package: &'static str,
}

pub trait Agent: Sync {
    fn info(&self) -> &'static AgentInfo;
    /// The files and keys agentgw manages for this agent.
    fn setup(&self, cx: &Context) -> Result<Setup>;
    /// What the agent's own config says now: the file, the gateway URL and the model it will
    /// use, when both are there.
    fn configured(&self) -> Result<Option<Configured>>;
    /// How the agent gets its token today, in words (`helper: …`, `inline in …`, `environment`, …).
    fn token_supply(&self) -> Result<String>;
    /// The command (program and arguments) the agent's config runs for its token, if any.
    fn token_helper(&self) -> Result<Option<Vec<String>>> {
        Ok(None)
    }
    /// How `agentgw exec` runs the agent with `args` so that the gateway's settings win over
    /// the agent's own config for that run (or an error naming what cannot be outranked). The
    /// token goes only to the profile's gateway.
    fn launch(&self, cx: &Context, args: &[String]) -> Result<Launch>;

    /// Files of agentgw's own, in its state folder, that the config setup writes names (path
    /// and contents; OpenCode's token plugin). Setup writes them when it writes the config (not
    /// on `--dry-run`), and again whenever one is missing.
    fn own_files(&self, _cx: &Context) -> Result<Vec<(PathBuf, String)>> {
        Ok(Vec::new())
    }

    /// Whether setup gives the agent every served model ([`Context::served`]): for an agent
    /// that lists the models of several families.
    fn offers_every_family(&self) -> bool {
        false
    }

    /// The request format and base URL of a test request for `model` (setup's, and `agentgw
    /// test`'s): to `configured` (the base URL the agent's config names) when given, else to the
    /// agent's route on the gateway. The agent's own format, unless it speaks several (Pi: the
    /// one of the model's family).
    fn probe_route(
        &self,
        configured: Option<&str>,
        gateway: &str,
        profile: &Profile,
        model: &str,
    ) -> (Wire, String) {
        let _ = model;
        let info = self.info();
        let url = configured.map_or_else(|| base_of(info, gateway, profile), str::to_string);
        (info.wire, url)
    }

    /// An agent with no config file that can point it at the gateway (Copilot CLI takes its
    /// provider from environment variables only): setup writes no file and remembers its model in
    /// the profile (`[profiles.P.models] <id>`), `remove` forgets it, and the agent runs through
    /// `agentgw exec`.
    fn keeps_no_file(&self) -> bool {
        false
    }
    /// [`Agent::configured`] for commands that know the profile: an agent whose settings live in
    /// the profile ([`Agent::keeps_no_file`]) reads them there.
    fn configured_for(&self, profile: &Profile) -> Result<Option<Configured>> {
        let _ = profile;
        self.configured()
    }
    /// Why the agent cannot use `model` through the gateway (Copilot CLI: Gemini models reject a
    /// field it always sends), or `None`. Setup's model picker leaves such models out.
    fn model_refused(&self, model: &str) -> Option<String> {
        let _ = model;
        None
    }

    fn id(&self) -> &'static str {
        self.info().id
    }
    fn name(&self) -> &'static str {
        self.info().name
    }
    fn program(&self) -> &'static str {
        self.info().program
    }

    // What `agentgw doctor` knows of the agent beyond the checks every agent gets. The defaults
    // say "nothing particular": an agent implements only the traps it has.

    /// Environment variables that outrank what setup writes (the agent's base URL, key or model),
    /// each with what it does; doctor looks for them in the shell and its startup files.
    fn overriding_variables(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// The key (in the format of the configured file) that holds the profile's token when setup
    /// writes it into the file; doctor checks it is still the profile's current token.
    fn inline_token_key(&self) -> Option<(Format, &'static [&'static str])> {
        None
    }

    /// With a short-lived sign-in (OAuth): a token the agent's config holds (or makes it read
    /// once), which expires under it (`short-lived-token`); `None` when there is none.
    fn short_lived_token_check(
        &self,
        _cx: &DoctorContext,
        _configured: &Configured,
    ) -> Option<crate::check::Check> {
        None
    }

    /// The agent's own traps, read from local files (Claude Code's other settings layers,
    /// Codex's legacy profile selector, Gemini's folder trust).
    fn doctor_checks(
        &self,
        _cx: &DoctorContext,
        _configured: &Configured,
    ) -> Vec<crate::check::Check> {
        Vec::new()
    }

    /// The agent's checks that ask the network besides the gateway request (Claude Code's
    /// telemetry export); doctor runs them beside that request.
    fn remote_checks(
        &self,
        _cx: &DoctorContext,
        _configured: &Configured,
    ) -> Vec<crate::check::Check> {
        Vec::new()
    }

    /// The models the agent's config names besides `configured.model`, each with where it is set
    /// (Claude Code's opus/sonnet/haiku aliases): doctor checks the workspace serves them too.
    fn other_models(&self, _configured: &Configured) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// Everything agentgw sets up, in the order every command lists them. The one list: clap's values
/// for `setup`, `remove`, `test`, `exec` and `doctor --agent`, the completions, the order of
/// `status` and `doctor`, and the environment checks all come from here. Adding an agent is its
/// module, its templates and one line here.
pub const ALL: [Target; 7] = [
    Target::Cli(&claude::Claude),
    Target::Cli(&codex::Codex),
    Target::Cli(&gemini::Gemini),
    Target::Cli(&pi::Pi),
    Target::Cli(&copilot::Copilot),
    Target::Cli(&opencode::OpenCode),
    Target::DesktopApp(&cursor::APP),
];

/// One thing `agentgw setup` configures.
#[derive(Clone, Copy)]
pub enum Target {
    /// A terminal agent: config files agentgw merges into, a token helper or a launcher
    /// (`agentgw exec`), a version read from its install.
    Cli(&'static dyn Agent),
    /// A desktop app agentgw cannot start or read a version from: its settings live in the
    /// app's own store (Cursor's settings database), which setup writes only when asked.
    DesktopApp(&'static DesktopApp),
}

/// The facts about a desktop app that every command needs; what is particular to one app stays
/// in its module (see `cursor`).
pub struct DesktopApp {
    pub id: &'static str,
    pub name: &'static str,
    /// The request format the app sends to a custom base URL.
    pub wire: Wire,
    pub route: RouteSpec,
}

impl Target {
    pub fn id(self) -> &'static str {
        match self {
            Target::Cli(agent) => agent.id(),
            Target::DesktopApp(app) => app.id,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::Cli(agent) => agent.name(),
            Target::DesktopApp(app) => app.name,
        }
    }

    /// Its own route on the gateway (`None`: it uses other agents' routes).
    pub fn route(self) -> Option<&'static RouteSpec> {
        match self {
            Target::Cli(agent) => agent.info().route.as_ref(),
            Target::DesktopApp(app) => Some(&app.route),
        }
    }

    /// The terminal agent, `None` for a desktop app.
    pub fn cli(self) -> Option<&'static dyn Agent> {
        match self {
            Target::Cli(agent) => Some(agent),
            Target::DesktopApp(_) => None,
        }
    }
}

impl PartialEq for Target {
    fn eq(&self, other: &Target) -> bool {
        self.id() == other.id()
    }
}

impl Eq for Target {}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The target named `id` on the command line.
pub fn target(id: &str) -> Option<Target> {
    ALL.into_iter().find(|t| t.id() == id)
}

/// The terminal agents, in `ALL`'s order.
pub fn clis() -> impl Iterator<Item = &'static dyn Agent> {
    ALL.into_iter().filter_map(Target::cli)
}

/// The terminal agent named `id`.
pub fn by_id(id: &str) -> Option<&'static dyn Agent> {
    target(id).and_then(Target::cli)
}

/// The agent's URL on the gateway: `<gateway><base path>`; the profile may override the path.
pub fn gateway_base(agent: &dyn Agent, gateway: &str, profile: &Profile) -> String {
    base_of(agent.info(), gateway, profile)
}

fn base_of(info: &AgentInfo, gateway: &str, profile: &Profile) -> String {
    match &info.route {
        Some(route) => gateway_base_of(route, gateway, profile),
        None => wire_base(info.wire, gateway, profile),
    }
}

/// The URL of the gateway route that speaks `wire`, for an agent with providers of several
/// formats (one per model family): the route discovered for the first agent of `ALL` with a
/// route of its own that speaks that format (Anthropic Messages: Claude Code's; OpenAI
/// Responses: Codex's; Gemini: Gemini CLI's; Chat Completions: Copilot CLI's), and for a format
/// no terminal agent speaks, Cursor's.
pub fn wire_base(wire: Wire, gateway: &str, profile: &Profile) -> String {
    match clis().find(|a| a.info().wire == wire && a.info().route.is_some()) {
        Some(agent) => gateway_base(agent, gateway, profile),
        None => cursor::base_url(gateway, profile),
    }
}

fn gateway_base_of(route: &RouteSpec, gateway: &str, profile: &Profile) -> String {
    let path = profile
        .base_paths
        .get(route.agent)
        .map(String::as_str)
        .unwrap_or(route.default);
    format!("{gateway}/{}", path.trim_matches('/'))
}

/// The model for the agent: `--model`, else the profile's, else the default.
pub fn model_for(agent: &dyn Agent, flag: Option<&str>, profile: &Profile) -> String {
    flag.map(str::to_string)
        .or_else(|| profile.models.get(agent.id()).cloned())
        .unwrap_or_else(|| agent.info().default_model.to_string())
}

/// A command line for the shell (Claude runs helper commands through `sh -c`): words that need
/// it are single-quoted.
pub fn shell_command(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c));
            if plain {
                w.to_string()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of a simple shell command line: whitespace separates, quotes group, a backslash
/// outside single quotes takes the next character (enough to read back what `shell_command`
/// writes).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => {
                word.get_or_insert_default().extend(chars.next());
            }
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    words
}

/// The folder an agent keeps its config in: `$VAR` when set, else `~/<default>`.
fn config_dir(var: &str, default_in_home: &str) -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let home = dirs::home_dir()
        .ok_or_else(|| anyhow::anyhow!("cannot find your home directory (HOME)"))?;
    Ok(home.join(default_in_home))
}

/// What an agent's doctor checks know of the profile: plain values, so that the agents need
/// nothing of the commands that run them.
pub struct DoctorContext<'a> {
    /// The profile's name, for messages and fixes.
    pub profile: &'a str,
    /// How the profile signs in (the default when the profile does not exist).
    pub auth: crate::profile::Auth,
    /// The profile's AI Gateway URL and workspace URL; empty when the profile has none.
    pub gateway: String,
    pub host: String,
    /// The profile's token, `None` when it has none to give. It goes only to the profile's own
    /// gateway or workspace.
    pub token: Option<&'a str>,
    /// The profile's CA bundle, for HTTPS.
    pub ca_file: Option<&'a Path>,
}

impl DoctorContext<'_> {
    /// Why a token written into a file goes stale: said the same way by every agent.
    pub fn short_lived_sign_in(&self) -> String {
        format!(
            "profile '{}' signs in with {}, whose tokens expire within the hour",
            self.profile,
            self.auth.describe()
        )
    }
}

/// The string at `key` of `file`, `None` where the file or the key is absent or the value is
/// not a string.
fn read_string(file: &Path, format: Format, key: &[&str]) -> Option<String> {
    read_strings(file, format, &[key])
        .ok()
        .and_then(|mut values| values.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's command table and its table of what setup writes name every agent of `ALL`,
    /// in its order: adding an agent without documenting it fails here.
    #[test]
    fn the_readme_names_every_agent_in_order() {
        let readme = include_str!("../../README.md");
        let ids: Vec<&str> = ALL.iter().map(|t| t.id()).collect();
        for command in ["setup", "test"] {
            let usage = format!("`agentgw {command} <{}\\|all>", ids.join("\\|"));
            assert!(readme.contains(&usage), "README lacks {usage}");
        }
        let table = readme
            .split("| agent | file | keys | token |")
            .nth(1)
            .expect("README's table of what setup writes");
        let first_cells: Vec<&str> = table
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| l.split('|').nth(1))
            .map(str::trim)
            .collect();
        let named: Vec<&str> = ALL
            .iter()
            .filter_map(|t| {
                first_cells
                    .iter()
                    .find(|cell| cell.starts_with(t.name()))
                    .map(|_| t.name())
            })
            .collect();
        let all: Vec<&str> = ALL.iter().map(|t| t.name()).collect();
        assert_eq!(named, all, "rows of the table: {first_cells:?}");
        let order: Vec<usize> = all
            .iter()
            .map(|name| {
                first_cells
                    .iter()
                    .position(|c| c.starts_with(name))
                    .unwrap()
            })
            .collect();
        assert!(
            order.is_sorted(),
            "rows out of ALL's order: {first_cells:?}"
        );
    }

    #[test]
    fn every_target_has_one_id_and_its_route_is_filed_under_it() {
        let mut ids: Vec<&str> = ALL.iter().map(|t| t.id()).collect();
        for target in ALL {
            if let Some(route) = target.route() {
                assert_eq!(route.agent, target.id());
            }
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len(), "an id used twice");
    }

    #[test]
    fn an_agent_with_several_formats_uses_the_routes_found_for_each() {
        let mut profile = Profile::default();
        profile
            .base_paths
            .insert("codex".into(), "/codex/v1".into());
        let gateway = "https://ws.example/ai-gateway";
        let base = |wire| wire_base(wire, gateway, &profile);
        assert_eq!(base(Wire::Anthropic), format!("{gateway}/anthropic"));
        assert_eq!(base(Wire::OpenAiResponses), format!("{gateway}/codex/v1"));
        assert_eq!(base(Wire::Gemini), format!("{gateway}/gemini"));
        // Copilot CLI's route, `/mlflow/v1`: Chat Completions for any model family.
        assert_eq!(base(Wire::OpenAiChat), format!("{gateway}/mlflow/v1"));
    }

    #[test]
    fn versions_are_found_in_version_lines() {
        assert_eq!(
            Version::find_in("codex-cli 0.171.0"),
            Some(Version(0, 171, 0))
        );
        assert_eq!(
            Version::find_in("2.1.332 (Claude Code)"),
            Some(Version(2, 1, 332))
        );
        assert_eq!(Version::find_in("0.61.0\n"), Some(Version(0, 61, 0)));
        assert_eq!(Version::find_in("nothing"), None);
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(
            shell_command(&["/usr/bin/agentgw", "token", "--profile", "default"]),
            "/usr/bin/agentgw token --profile default"
        );
        assert_eq!(
            shell_command(&["/My Apps/agentgw", "it's"]),
            r"'/My Apps/agentgw' 'it'\''s'"
        );
    }
}
