//! The whole command-line definition. `agentgw completions` and the completions test generate
//! from this same definition, so the committed scripts in completions/ cannot drift from it.

pub(crate) mod checks;

use crate::agents::{self, Target};
use checks::Checked;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  agentgw login --host https://my-workspace.cloud.databricks.com
  agentgw login --from-databrickscfg     # host and token of ~/.databrickscfg
  echo \"$PAT\" | agentgw login --host \"$HOST\" --token-stdin   # for scripts
  agentgw setup claude       # point Claude Code at the gateway, then test it
  agentgw setup all --yes    # every agent on PATH, no questions
  agentgw doctor             # what is wrong, and the command that fixes it
  agentgw test all           # one real request per agent
  agentgw remove all         # undo exactly what setup changed
  agentgw token              # print the stored token (agents call this)

Environment:
  AGENTGW_PROFILE       profile when --profile is not given (default: default)
  AGENTGW_TOKEN         a token that wins over the stored one (for CI)
  AGENTGW_HOST          workspace URL for login (same as --host)
  AGENTGW_GATEWAY_URL   AI Gateway URL for login (same as --gateway-url)
  AGENTGW_AUTH_STORAGE  keyring | file: where login stores the token
  AGENTGW_CONFIG_DIR    agentgw's config folder (profiles, plaintext tokens)
  AGENTGW_STATE_DIR     agentgw's state folder (backups of edited files)
  AGENTGW_HTTP_TIMEOUT  seconds a network request may take (default 15)";

/// Point coding agents at a Databricks AI Gateway.
///
/// agentgw keeps your Databricks personal access token in the OS keyring and hands it to coding
/// agents (Claude Code, Codex CLI, Gemini CLI, Pi, Copilot CLI, OpenCode, Cursor) without writing
/// it into their config files.
#[derive(Debug, Parser)]
#[command(name = "agentgw", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// Profile (workspace + gateway) to use [default: default]
    #[arg(
        long,
        short = 'p',
        global = true,
        env = "AGENTGW_PROFILE",
        value_name = "NAME",
        value_parser = Checked(checks::profile_name)
    )]
    pub profile: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// The command line of this process. A variable of agentgw's set to "" counts as unset, as a
/// shell treats `VAR=` in most places: `AGENTGW_PROFILE=` means the default profile. The flag
/// itself cannot be empty (`--profile ''` is refused), since there it is a script's mistake.
pub fn parse_from(args: &[OsString]) -> Result<Cli, clap::Error> {
    let mut command = empty_variables_unset(command());
    let matches = command.try_get_matches_from_mut(args)?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))?;
    if let Command::Man(man) = &cli.command {
        check_man_command(&mut command, &man.command)?;
    }
    Ok(cli)
}

/// `agentgw man WORDS...` names a command that has a page: refused like any other usage error
/// (exit 2) when it does not, here where clap's own errors are made.
fn check_man_command(command: &mut clap::Command, words: &[String]) -> Result<(), clap::Error> {
    if man_page_command(command, words).is_some() {
        return Ok(());
    }
    let typed = format!("agentgw {}", words.join(" "));
    let known = words
        .iter()
        .map_while({
            let mut at = &*command;
            move |word| {
                at = man_page_command(at, std::slice::from_ref(word))?;
                Some(word.as_str())
            }
        })
        .collect::<Vec<_>>();
    let lists = ["agentgw"]
        .into_iter()
        .chain(known)
        .collect::<Vec<_>>()
        .join(" ");
    let man = command
        .find_subcommand_mut("man")
        .expect("the definition has a man command");
    Err(man.error(
        clap::error::ErrorKind::InvalidValue,
        format!("there is no command '{typed}'; '{lists} --help' lists its commands"),
    ))
}

/// The command `words` name below `command` (itself for none), if it has a manual page: every
/// command but clap's `help`.
pub fn man_page_command<'a>(
    command: &'a clap::Command,
    words: &[String],
) -> Option<&'a clap::Command> {
    words.iter().try_fold(command, |at, word| {
        at.get_subcommands()
            .find(|sub| sub.get_name() == word && sub.get_name() != "help")
    })
}

/// The whole command line definition: the derived one, plus what a derive cannot write — the
/// names of the agents `exec` starts, from `agents::ALL`. Help, completions and the man page
/// come from this.
pub fn command() -> clap::Command {
    let ids: Vec<&str> = agents::clis().map(|a| a.id()).collect();
    Cli::command().mut_subcommand("exec", |exec| {
        exec.mut_arg("command", |arg| {
            arg.help(format!(
                "The agent ({}), then its arguments, passed on unchanged",
                ids.join(", ")
            ))
        })
    })
}

fn empty_variables_unset(command: clap::Command) -> clap::Command {
    command
        .mut_args(|arg| {
            let empty = arg
                .get_env()
                .and_then(std::env::var_os)
                .is_some_and(|value| value.is_empty());
            if empty { arg.env(None) } else { arg }
        })
        .mut_subcommands(empty_variables_unset)
}

/// Whether the command line asks for JSON output (`--json` before any `--`), judged on the raw
/// words: a command line clap refuses still gets its error as JSON. `exec` passes its
/// arguments on to the agent, so a `--json` there is the agent's.
pub fn json_requested(args: &[OsString]) -> bool {
    for word in args.iter().skip(1).take_while(|a| *a != "--") {
        if word == "exec" {
            return false;
        }
        if word == "--json" {
            return true;
        }
    }
    false
}

/// The command a command line runs, as words (`agentgw otel create`), judged on the raw words
/// against clap's definition: for a usage error, whose own text does not always say which
/// subcommand it is about. An option's value is skipped (`--profile test status` is `status`).
pub fn command_words(args: &[OsString]) -> String {
    let mut command = command();
    command.build();
    let mut words = vec![command.get_name().to_string()];
    let mut rest = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = rest.next() {
        if word == "--" {
            break;
        }
        if let Some(option) = word.strip_prefix('-') {
            let takes_value = !word.contains('=')
                && command.get_arguments().any(|arg| {
                    let named = match option.strip_prefix('-') {
                        Some(long) => arg.get_long() == Some(long),
                        None => option.len() == 1 && arg.get_short() == option.chars().next(),
                    };
                    named
                        && arg.get_action().takes_values()
                        && arg.get_num_args().is_none_or(|n| n.min_values() > 0)
                });
            if takes_value {
                rest.next();
            }
            continue;
        }
        let Some(sub) = command.find_subcommand(word.as_ref()).cloned() else {
            break;
        };
        words.push(sub.get_name().to_string());
        command = sub;
    }
    words.join(" ")
}

impl Cli {
    /// Whether the command prints its result as JSON, so its errors must be JSON too.
    pub fn json(&self) -> bool {
        match &self.command {
            Command::Test(args) => args.json,
            Command::Status(args) => args.json,
            Command::Doctor(args) => args.json,
            Command::Usage(args) => args.json,
            Command::Profiles(args) => args.json,
            Command::Apply(args) => args.json,
            _ => false,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to a workspace (token, browser or service principal) and store the credential
    #[command(after_help = "\
Examples:
  agentgw login             # asks for host and token on a terminal
  agentgw login --host https://my-workspace.cloud.databricks.com
  # the browser (OAuth; for workspaces without personal access tokens):
  agentgw login --auth oauth --host https://my-workspace.cloud.databricks.com
  # a service principal (CI): DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET set
  agentgw login --auth m2m --host \"$HOST\"
  agentgw login --from-databrickscfg staging --profile staging
  # no prompts, for scripts:
  printf %s \"$PAT\" | agentgw login --host \"$HOST\" --token-stdin

The credential is checked against <host>/api/2.0/preview/scim/v2/Me before
anything is stored. It goes to the OS keyring (macOS Keychain, Windows
Credential Manager, Secret Service on Linux); when no keyring is available it
is saved to a 0600 file instead, with a warning. With OAuth, agentgw keeps the
refresh token (or the service principal's secret) and `agentgw token` hands
agents access tokens, refreshed before they expire.")]
    Login(LoginArgs),

    /// Remove the stored token of a profile (the profile itself is kept)
    #[command(after_help = "Examples:\n  agentgw logout\n  agentgw logout --profile staging")]
    Logout,

    /// Print the profile's token (agents call this as their key helper)
    #[command(after_help = "\
Examples:
  agentgw token
  curl -H \"Authorization: Bearer $(agentgw token)\" \\
      \"$HOST/api/2.0/serving-endpoints\"

Prints the token and a newline, nothing else. AGENTGW_TOKEN wins over the
stored token.")]
    Token,

    /// Point an agent's config at the gateway (keeps everything else in the file)
    #[command(after_help = "\
Examples:
  agentgw setup claude             # show the change, ask, write, test it
  agentgw setup all --yes          # every agent on PATH, no questions
  agentgw setup codex --dry-run    # print the diff only
  # also export Claude Code's telemetry to Unity Catalog:
  agentgw setup claude --otel-tables main.agents.claude
  # a profile file; start Codex with `codex --profile databricks`:
  agentgw setup codex --codex-profile databricks
  # print Cursor's Settings > Models steps, values filled in:
  agentgw setup cursor
  # write them into Cursor's settings database (quit Cursor first):
  agentgw setup cursor --write-cursor-db
  agentgw setup cursor --model a,b --model c   # Cursor takes several
  # no file: remembers the model, prints the line for your shell's startup
  agentgw setup copilot

Every file gets a timestamped backup first, and `agentgw remove` puts back
exactly what was there.")]
    Setup(SetupArgs),

    /// Set up the agents a team policy file lists, or check they still are (--check)
    #[command(after_help = "\
Examples:
  agentgw apply ~/.dotfiles/agentgw.toml --yes     # dotfiles: one line
  agentgw apply team.toml --dry-run                # the combined diff
  agentgw apply team.toml --check                  # compliance: exit 1 on drift
  agentgw apply team.toml --check --json
  agentgw apply https://example.com/team/agentgw.toml --yes
  agentgw apply - --yes < team.toml
  # what the workspace's admins publish (the file, if given, wins per key):
  agentgw apply --from-workspace --yes
  agentgw apply team.toml --from-workspace --check

Each listed agent is set up as `agentgw setup <agent> --model M` would
(backups, undo records, a test request); `agentgw remove all` undoes it.
Agents not on PATH are skipped (--strict: fail). The policy's format is in
the README, \"Apply a team policy\".")]
    Apply(ApplyArgs),

    /// Undo what setup changed, keeping every change of your own
    #[command(after_help = "\
Examples:
  agentgw remove gemini
  agentgw remove all --yes
  agentgw remove claude --dry-run")]
    Remove(RemoveArgs),

    /// Run an agent with the gateway settings winning over its own config (left untouched)
    #[command(after_help = "\
Examples:
  agentgw exec claude -p \"explain this repo\"
  agentgw exec codex exec \"fix the failing test\"
  agentgw exec gemini       # works in folders Gemini does not trust, too
  agentgw exec copilot      # Copilot CLI takes the gateway from exec only
  agentgw exec opencode     # wins over a project's opencode.json too")]
    Exec(ExecArgs),

    /// Send one real request per agent through the gateway, as the agent would
    #[command(after_help = "\
Examples:
  agentgw test claude
  agentgw test all       # every agent in parallel
  agentgw test cursor    # <gateway>/cursor/v1, [profiles.NAME.models] cursor
  agentgw test codex --json

Uses the gateway URL and model from the agent's own config when it is set up,
else the profile's. Exit 1 when any request fails; the message names the cause
and the command that fixes it.")]
    Test(TestArgs),

    /// Show the profile and, per agent, what is installed, configured and how it gets its token
    #[command(after_help = "Examples:\n  agentgw status\n  agentgw status --json")]
    Status(StatusArgs),

    /// Check everything between you and the gateway and say how to fix what is wrong
    #[command(after_help = "\
Examples:
  agentgw doctor
  agentgw doctor --agent claude
  agentgw doctor --json --strict      # for scripts: warnings fail too

Read-only. Exit 1 when a check failed (with --strict: or warned).")]
    Doctor(DoctorArgs),

    /// Print {"Authorization":"Bearer <token>"} (Claude Code's otelHeadersHelper)
    #[command(after_help = "Examples:\n  agentgw otel-headers")]
    OtelHeaders,

    /// Create and check the Unity Catalog tables Claude Code's telemetry goes to
    #[command(after_help = "\
Examples:
  # the CREATE TABLE statements, to run yourself:
  agentgw otel sql --tables main.agents.claude
  # on a SQL warehouse it finds (or --warehouse-id ID):
  agentgw otel create --tables main.agents.claude
  agentgw otel check     # does the ingest endpoint accept our export?

Then each user: agentgw setup claude --otel-tables main.agents.claude
Later, what it cost: agentgw usage")]
    Otel(OtelArgs),

    /// What the agents cost: requests, tokens and estimated cost per day, agent, model or user
    #[command(after_help = "\
Examples:
  agentgw usage                      # this week, every agent, per day
  agentgw usage --by agent --days 30
  agentgw usage --by model --agent codex
  agentgw usage --by user --all-users --csv > usage.csv
  agentgw usage --json | jq '.total'
  # Claude Code's own telemetry (agentgw setup claude --otel-tables):
  agentgw usage --source otel --tables main.agents.claude

Reads the gateway's usage table system.ai_gateway.usage through a SQL
warehouse: --warehouse-id, else the one remembered in the profile, else one
the workspace lists (running first, serverless first; a stopped one is
started). The agent comes from each request's User-Agent; costs are estimates
from the workspace's list prices (blank where no price is known).")]
    Usage(UsageArgs),

    /// Create or open the usage dashboard (AI/BI) in the workspace
    #[command(after_help = "\
Examples:
  agentgw dashboard create                  # or update the one made before
  agentgw dashboard create --publish
  # add Claude Code's sessions, lines of code, commits and tool decisions:
  agentgw dashboard create --tables main.agents.claude
  agentgw dashboard create --dry-run > dashboard.lvdash.json
  agentgw dashboard open")]
    Dashboard(DashboardArgs),

    /// List profiles with their workspace, gateway and token storage
    #[command(after_help = "Examples:\n  agentgw profiles\n  agentgw profiles --json")]
    Profiles(ProfilesArgs),

    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  agentgw completions bash > ~/.local/share/bash-completion/completions/agentgw
  agentgw completions zsh > \"${fpath[1]}/_agentgw\"
  agentgw completions fish > ~/.config/fish/completions/agentgw.fish")]
    Completions(CompletionsArgs),

    /// Print the manual page (roff) of agentgw or of one of its commands
    #[command(after_help = "\
Examples:
  agentgw man | man -l -              # read it now (macOS: | mandoc -a)
  agentgw man otel create | man -l -
  # install every page where man finds it:
  agentgw man --out-dir ~/.local/share/man/man1")]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Workspace URL, e.g. https://my-workspace.cloud.databricks.com
    #[arg(long, env = "AGENTGW_HOST", value_name = "URL", value_parser = Checked(checks::host))]
    pub host: Option<String>,

    /// AI Gateway URL [default: <host>/ai-gateway]
    #[arg(
        long,
        env = "AGENTGW_GATEWAY_URL",
        value_name = "URL",
        value_parser = Checked(checks::gateway_url)
    )]
    pub gateway_url: Option<String>,

    /// How to sign in [default: the profile's method, else a personal access token]
    #[arg(long, value_enum, value_name = "METHOD")]
    pub auth: Option<AuthMethod>,

    /// Read the token from standard input (for scripts; nothing is echoed)
    #[arg(long, conflicts_with_all = ["from_databrickscfg", "client_secret_stdin"])]
    pub token_stdin: bool,

    /// OAuth client id: a workspace's own app connection (--auth oauth) or a service principal's
    /// application id (--auth m2m; else DATABRICKS_CLIENT_ID) [default for oauth: databricks-cli]
    #[arg(long, value_name = "ID", value_parser = Checked(checks::client_id))]
    pub client_id: Option<String>,

    /// Read the service principal's OAuth secret from standard input (--auth m2m; else
    /// DATABRICKS_CLIENT_SECRET)
    #[arg(long, conflicts_with = "from_databrickscfg")]
    pub client_secret_stdin: bool,

    /// Browser sign-in: the port of the http://localhost redirect registered for the client
    /// [default: 8020, the Databricks CLI's]
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub redirect_port: Option<u16>,

    /// Browser sign-in: print the sign-in URL instead of opening a browser, then wait
    #[arg(long)]
    pub no_browser: bool,

    /// Browser sign-in: how long to wait for the browser, e.g. 90s, 10m [default: 5m]
    #[arg(long, value_name = "DURATION", value_parser = Checked(checks::duration))]
    pub timeout: Option<std::time::Duration>,

    /// Take host and credential from ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), section NAME
    /// (auth_type pat, databricks-cli / oauth-u2m, or oauth-m2m)
    #[arg(
        long,
        value_name = "NAME",
        num_args = 0..=1,
        default_missing_value = "DEFAULT"
    )]
    pub from_databrickscfg: Option<String>,

    /// Store the token in a plaintext 0600 file instead of the OS keyring
    #[arg(long)]
    pub insecure_storage: bool,

    /// Store the token without checking it against the workspace first (and without finding
    /// the gateway's routes: agents get the default paths)
    #[arg(long)]
    pub no_verify: bool,

    /// Find the gateway and each agent's route again with the stored sign-in, without signing
    /// in (after an admin enabled the AI Gateway or changed its routes); with --gateway-url,
    /// look there
    #[arg(long, conflicts_with_all = [
        "auth", "token_stdin", "client_id", "client_secret_stdin", "redirect_port", "no_browser",
        "timeout", "from_databrickscfg", "insecure_storage", "no_verify", "ca_file",
    ])]
    pub refresh: bool,

    /// PEM file with extra CA certificates to trust (remembered in the profile)
    #[arg(long, value_name = "PATH", value_parser = Checked(checks::existing_file))]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The agent to configure, or all agents found on PATH (and Cursor when installed)
    #[arg(value_parser = agent_choice())]
    pub agent: AgentChoice,

    /// Model (gateway endpoint name) to use [default: the profile's while the workspace serves it,
    /// else the newest the workspace serves of the agent's family, else the product default].
    /// A name the workspace does not serve is refused (see --force). Cursor takes several:
    /// repeat the flag or separate names with commas
    #[arg(
        long,
        value_name = "NAME",
        value_delimiter = ',',
        value_parser = Checked(checks::model)
    )]
    pub model: Vec<String>,

    /// Print the diff of each file and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask; write the changes (the default without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Skip the test request through the gateway after writing
    #[arg(long)]
    pub no_test: bool,

    /// With `all`: configure agents that are not installed, too; also write a --model the
    /// workspace does not list
    #[arg(long)]
    pub force: bool,

    /// Claude: export OpenTelemetry metrics and logs to CATALOG.SCHEMA.PREFIX_otel_{metrics,logs}
    #[arg(long, value_name = "CATALOG.SCHEMA.PREFIX", value_parser = Checked(checks::tables))]
    pub otel_tables: Option<crate::otel::Tables>,

    /// Claude, with --otel-tables: an attribute on every metric and event, e.g. team=data-eng
    /// (OTEL_RESOURCE_ATTRIBUTES, for usage per team); repeat for more
    #[arg(
        long = "otel-resource-attribute",
        value_name = "KEY=VALUE",
        requires = "otel_tables",
        value_parser = Checked(checks::resource_attribute)
    )]
    pub otel_resource_attributes: Vec<(String, String)>,

    /// Claude: put the token in settings.json (0600) instead of calling `agentgw token`
    #[arg(long)]
    pub inline_token: bool,

    /// Claude: keep Claude Code's experimental betas (their headers may be refused by the gateway)
    #[arg(long)]
    pub keep_experimental_betas: bool,

    /// Codex: write $CODEX_HOME/NAME.config.toml instead of config.toml (start with `codex --profile NAME`)
    #[arg(long, value_name = "NAME", value_parser = Checked(checks::codex_profile))]
    pub codex_profile: Option<String>,

    /// Gemini: leave the token out of ~/.gemini/.env (start Gemini with `agentgw exec gemini`);
    /// remembered in the profile
    #[arg(long)]
    pub no_token_file: bool,

    /// Gemini: write the token into ~/.gemini/.env again after --no-token-file
    #[arg(long, conflicts_with = "no_token_file")]
    pub token_file: bool,

    /// Cursor: write its settings database (state.vscdb) instead of printing the steps; Cursor must be closed
    #[arg(long)]
    pub write_cursor_db: bool,

    #[command(flatten)]
    pub cursor: CursorDirArg,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The policy file (TOML), - to read it from standard input, or an https:// URL
    #[arg(value_name = "FILE|-|URL", required_unless_present = "from_workspace")]
    pub policy: Option<String>,

    /// Also take the agents and models the workspace's admins publish (the file wins per key)
    #[arg(long)]
    pub from_workspace: bool,

    /// Do not ask; write the changes (required without a terminal)
    #[arg(long, short = 'y', conflicts_with = "check")]
    pub yes: bool,

    /// Print the combined diff and change nothing
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,

    /// Change nothing; exit 1 with one line per setting not in place or not in force
    #[arg(long)]
    pub check: bool,

    /// With --check: print the result as JSON ({"ok", "drift", "skipped"})
    #[arg(long, requires = "check")]
    pub json: bool,

    /// Fail when a listed agent is not installed, instead of skipping it
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CursorDirArg {
    /// Cursor's user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor,
    /// ~/Library/Application Support/Cursor, %APPDATA%\Cursor]
    #[arg(long, value_name = "DIR", env = "AGENTGW_CURSOR_DIR")]
    pub cursor_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The agent whose settings to remove, or all
    #[arg(value_parser = agent_choice())]
    pub agent: AgentChoice,

    /// Print the diff of each file and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask (the default without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Model (gateway endpoint name) [default: the profile's, else the product default]
    #[arg(long, value_name = "NAME", value_parser = Checked(checks::model))]
    pub model: Option<String>,

    /// The agent, then its arguments, passed on unchanged
    // `command()` adds the agents' names to this help.
    // One list, so that everything after the agent's name is the agent's, even `-p` or `--profile`.
    #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    #[arg(value_name = "AGENT [ARGS]")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct OtelArgs {
    #[command(subcommand)]
    pub command: OtelCommand,
}

#[derive(Debug, Subcommand)]
pub enum OtelCommand {
    /// Print the two CREATE TABLE statements (metrics and logs) of the product page
    Sql(OtelTablesArg),

    /// Create both tables (if they do not exist) through a SQL warehouse
    Create(OtelCreateArgs),

    /// Send an empty OpenTelemetry export to both tables and say whether ingest accepts it
    Check(OtelTablesArg),
}

#[derive(Debug, Args)]
pub struct OtelTablesArg {
    /// CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile's]
    #[arg(long, value_name = "CATALOG.SCHEMA.PREFIX", value_parser = Checked(checks::tables))]
    pub tables: Option<crate::otel::Tables>,
}

#[derive(Debug, Args)]
pub struct OtelCreateArgs {
    #[command(flatten)]
    pub tables: OtelTablesArg,

    #[command(flatten)]
    pub warehouse: WarehouseArgs,

    /// Print the statements that would run and send nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct WarehouseArgs {
    /// SQL warehouse to run the statements on [default: the profile's, else one the workspace lists, a running one first]
    #[arg(long, value_name = "ID", value_parser = Checked(checks::warehouse_id))]
    pub warehouse_id: Option<String>,

    /// Seconds to wait for the warehouse (it may have to start) before cancelling
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// Where the numbers come from [default: gateway; otel when --tables is given]
    #[arg(long, value_enum, value_name = "SOURCE")]
    pub source: Option<UsageSource>,

    #[command(flatten)]
    pub tables: OtelTablesArg,

    #[command(flatten)]
    pub warehouse: WarehouseArgs,

    /// How many days back, today included
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,

    /// One row per day, agent, model or user
    #[arg(long, value_enum, default_value_t = UsageBy::Day)]
    pub by: UsageBy,

    /// Only one agent's requests (`other`: requests no agent is known by)
    #[arg(long, value_name = "AGENT", value_parser = usage_agent_parser())]
    pub agent: Option<String>,

    /// Everyone's requests, not only yours (needs SELECT on the whole table)
    #[arg(long)]
    pub all_users: bool,

    /// Print JSON (shape in the README)
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,

    /// Print CSV: a header line, one line per row, no total
    #[arg(long)]
    pub csv: bool,
}

/// Where `agentgw usage` reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UsageSource {
    /// The AI Gateway's usage table: every agent's requests
    Gateway,
    /// Claude Code's OpenTelemetry metrics table (--tables)
    Otel,
}

/// The rows of a usage report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UsageBy {
    Day,
    Agent,
    Model,
    User,
}

impl UsageBy {
    pub fn name(self) -> &'static str {
        match self {
            UsageBy::Day => "day",
            UsageBy::Agent => "agent",
            UsageBy::Model => "model",
            UsageBy::User => "user",
        }
    }
}

/// `--agent`'s values: every agent in `agents::ALL`, and `other`.
fn usage_agent_parser() -> clap::builder::PossibleValuesParser {
    let agents = crate::agents::ALL
        .iter()
        .map(|target| clap::builder::PossibleValue::new(target.id()).help(target.name()));
    let other = clap::builder::PossibleValue::new("other").help("requests no agent is known by");
    clap::builder::PossibleValuesParser::new(agents.chain([other]))
}

#[derive(Debug, Args)]
pub struct DashboardArgs {
    #[command(subcommand)]
    pub command: DashboardCommand,
}

#[derive(Debug, Subcommand)]
pub enum DashboardCommand {
    /// Create the dashboard, or update the one this profile created before
    Create(DashboardCreateArgs),

    /// Open the profile's dashboard in the browser (and print its URL)
    Open(DashboardOpenArgs),
}

#[derive(Debug, Args)]
pub struct DashboardCreateArgs {
    #[command(flatten)]
    pub tables: OtelTablesArg,

    /// SQL warehouse the dashboard's queries run on [default: as `agentgw usage` finds one]
    #[arg(long, value_name = "ID", value_parser = Checked(checks::warehouse_id))]
    pub warehouse_id: Option<String>,

    /// The dashboard's name in the workspace
    #[arg(long, value_name = "NAME", default_value = "Coding agents usage")]
    pub name: String,

    /// Print the dashboard (Lakeview JSON) and send nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Also publish it, so people without access to the tables can view it
    #[arg(long)]
    pub publish: bool,
}

#[derive(Debug, Args)]
pub struct DashboardOpenArgs {
    /// The published version
    #[arg(long)]
    pub published: bool,
}

/// How `login` signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMethod {
    /// A personal access token
    Pat,
    /// OAuth in the browser (authorization code with PKCE)
    Oauth,
    /// A service principal's OAuth secret (client credentials)
    M2m,
}

impl AuthMethod {
    pub fn auth(self) -> crate::profile::Auth {
        match self {
            AuthMethod::Pat => crate::profile::Auth::Pat,
            AuthMethod::Oauth => crate::profile::Auth::OAuth,
            AuthMethod::M2m => crate::profile::Auth::M2m,
        }
    }
}

/// An agent named on the command line: one of `agents::ALL`, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentChoice {
    One(Target),
    All,
}

impl AgentChoice {
    /// The one agent named, or `None` for `all`.
    pub fn single(self) -> Option<&'static str> {
        match self {
            AgentChoice::One(target) => Some(target.id()),
            AgentChoice::All => None,
        }
    }

    /// True when `id` is the agent named.
    pub fn is(self, id: &str) -> bool {
        self.single() == Some(id)
    }
}

/// The value parser of an agent argument: the ids of `agents::ALL` (each with its product name
/// as help, which the completions show), and `all` when `with_all`.
fn agent_values(with_all: bool) -> PossibleValuesParser {
    let agents = agents::ALL
        .into_iter()
        .map(|t| PossibleValue::new(t.id()).help(t.name()));
    let all = with_all.then(|| PossibleValue::new("all").help("every agent"));
    PossibleValuesParser::new(agents.chain(all))
}

fn agent_choice() -> impl TypedValueParser<Value = AgentChoice> {
    agent_values(true).map(|id| agents::target(&id).map_or(AgentChoice::All, AgentChoice::One))
}

fn one_agent() -> impl TypedValueParser<Value = Target> {
    agent_values(false)
        .map(|id| agents::target(&id).expect("clap only passes the ids of agents::ALL"))
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The agent to test, or all
    #[arg(value_parser = agent_choice())]
    pub agent: AgentChoice,

    /// Print JSON: [{"agent","ok","status","latency_ms","model","url","reply","error_kind","message","fix"}]
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub cursor: CursorDirArg,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON: {"checks":[{"id","area","status":"ok|warn|fail","message","fix"}],"verdict"}
    #[arg(long)]
    pub json: bool,

    /// Check only this agent, and fail if it is not set up
    #[arg(long, value_name = "AGENT", value_parser = one_agent())]
    pub agent: Option<Target>,

    /// Exit 1 on warnings too
    #[arg(long)]
    pub strict: bool,

    #[command(flatten)]
    pub cursor: CursorDirArg,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON: {"profile":{...},"agents":[{...}]} (see README)
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub cursor: CursorDirArg,
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Print JSON: {"profiles":[{"name","host","gateway_url","token_storage","active"}]}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate the script for
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print, as typed (e.g. `otel create`) [default: agentgw's own]
    #[arg(value_name = "COMMAND", conflicts_with = "out_dir")]
    pub command: Vec<String>,

    /// Write every page (agentgw.1, agentgw-<command>.1, ...) into DIR instead, creating it
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

impl Shell {
    pub fn generator(self) -> clap_complete::Shell {
        match self {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
            Shell::Powershell => clap_complete::Shell::PowerShell,
            Shell::Elvish => clap_complete::Shell::Elvish,
        }
    }

    /// The file name used under completions/ (the conventional name each shell looks for).
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "agentgw.bash",
            Shell::Zsh => "_agentgw",
            Shell::Fish => "agentgw.fish",
            Shell::Powershell => "_agentgw.ps1",
            Shell::Elvish => "agentgw.elv",
        }
    }

    pub const ALL: [Shell; 5] = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Powershell,
        Shell::Elvish,
    ];
}
