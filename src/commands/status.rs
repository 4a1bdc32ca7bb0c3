//! `agentgw status`: the profile (workspace, gateway, user, token storage) and, per agent, what is
//! installed, what its config says, how it gets its token, and which of agentgw's keys the user
//! has changed since setup. Read-only; never prints a secret.

use super::session::ProfileState;
use crate::agents::Target;
use crate::agents::cursor::{self, KeyRow};
use crate::agents::{self, Agent};
use crate::cli::StatusArgs;
use crate::credential::Freshness;
use crate::edit::{self, StateDir};
use crate::profile::{Auth, Profile, TokenStorage};
use crate::{credential, gateway, paths, ui};
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

/// What `status` knows: `--json` prints it as it is (the shape the README documents), the
/// human view is printed from it.
#[derive(Serialize)]
struct Report {
    profile: ProfileStatus,
    agents: Vec<AgentEntry>,
}

#[derive(Serialize)]
struct ProfileStatus {
    name: String,
    exists: bool,
    host: Option<String>,
    gateway: Option<String>,
    /// The workspace's name for the user, when it answered; else why not in `user_error`.
    user: Option<String>,
    user_error: Option<String>,
    /// Where the token is stored, in words.
    token: String,
    auth: Option<AuthStatus>,
    routes: Option<Routes>,
}

/// Each agent's base URL on the gateway, in the order of `discovery::ROUTES`: an object keyed by
/// agent id.
struct Routes(Vec<(&'static str, Route)>);

impl Serialize for Routes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(agent, route)| (agent, route)))
    }
}

#[derive(Serialize)]
struct Route {
    base_url: String,
    /// How it was found: login's route discovery, or the default path.
    found: String,
}

/// One agent's entry.
#[derive(Serialize)]
#[serde(untagged)]
enum AgentEntry {
    Read(Box<AgentStatus>),
    /// Cursor when not even its database can be located (no home folder, agentgw's state
    /// unreadable): only why.
    Unlocated {
        agent: &'static str,
        name: &'static str,
        config_error: String,
    },
}

#[derive(Serialize)]
struct AgentStatus {
    agent: &'static str,
    name: &'static str,
    /// A CLI agent: on PATH. Cursor: its user folder exists.
    installed: bool,
    version: Option<String>,
    /// The executable, or Cursor's user folder.
    path: Option<String>,
    configured: bool,
    file: Option<String>,
    /// The first line of why the config cannot be read.
    config_error: Option<String>,
    base_url: Option<String>,
    // Where each comes from: the file, or (Claude Code) the settings layer that wins here.
    base_url_from: Option<String>,
    model: Option<String>,
    model_from: Option<String>,
    /// Cursor's own fields, between `model_from` and `token_via`.
    #[serde(flatten)]
    cursor: Option<CursorFields>,
    token_via: String,
    changed_since_setup: Vec<String>,
    /// Not in the JSON: decides how the human view words "installed" and "not set up".
    #[serde(skip)]
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A command on PATH, with a version.
    Command,
    /// A desktop app (Cursor), known by its user folder: without it there is nothing to set up.
    DesktopApp,
}

#[derive(Serialize)]
struct CursorFields {
    /// Cursor's custom models.
    models: Vec<String>,
    /// The override URL is the profile's `<gateway>/cursor/v1` and the profile's model is
    /// listed; `None` when the override is off.
    matches_profile: Option<bool>,
}

pub fn run(profile_flag: Option<&str>, args: StatusArgs) -> Result<()> {
    let loaded = ProfileState::load(profile_flag)?;
    let (name, profile, token) = (&loaded.name, &loaded.profile, &loaded.token);
    let storage = match (token, profile.as_ref().and_then(|p| p.token_storage)) {
        (Err(e), _) => format!("unreadable: {e}"),
        (Ok(Some((_, credential::TokenSource::Env))), _) => "AGENTGW_TOKEN (environment)".into(),
        (Ok(Some(_)), Some(TokenStorage::Keyring)) => "OS keyring".into(),
        (Ok(Some(_)), _) => format!(
            "plaintext file {}",
            paths::display(&credential::file_store_path(&loaded.config_dir))
        ),
        (Ok(None), _) => format!("not logged in (run: agentgw login --profile {name})"),
    };
    let host = profile.as_ref().and_then(|p| p.host.clone());
    let gateway = profile.as_ref().and_then(|p| p.gateway());
    let user = match (&host, token) {
        (Some(host), Ok(Some((token, _)))) => Some(
            gateway::Http::new(profile.as_ref().and_then(|p| p.ca_file.as_deref()))
                .map_err(|e| e.to_string())
                .and_then(|http| {
                    http.scim_me(host, token)
                        .map_err(|e| ui::message_and_fix(&e.explain(name)).0.to_string())
                })
                .map(|me| me.user_name),
        ),
        _ => None,
    };
    let (user, user_error) = match user {
        Some(Ok(user)) => (Some(user), None),
        Some(Err(error)) => (None, Some(error)),
        None => (None, None),
    };
    let state = StateDir::new(paths::state_dir()?);
    agents::detect_installed();
    let agents: Vec<AgentEntry> = agents::ALL
        .into_iter()
        .map(|target| match target {
            Target::Cli(agent) => {
                AgentEntry::Read(Box::new(agent_status(agent, &state, profile.as_ref())))
            }
            Target::DesktopApp(_) => cursor_status(&args, &state, &loaded),
        })
        .collect();
    let report = Report {
        profile: ProfileStatus {
            name: name.clone(),
            exists: profile.is_some(),
            host,
            gateway,
            user,
            user_error,
            token: storage,
            auth: profile
                .as_ref()
                .map(|p| AuthStatus::of(p, &loaded.config_dir)),
            routes: profile.as_ref().and_then(|p| routes(p, name)),
        },
        agents,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&report);
    }
    Ok(())
}

/// Each agent's base URL on the gateway as the profile gives it, and how it was found (login's
/// route discovery, or the default path when discovery has not run).
fn routes(profile: &Profile, name: &str) -> Option<Routes> {
    let gateway = profile.gateway()?;
    let entries = crate::discovery::route_specs().map(|spec| {
        let path = profile
            .base_paths
            .get(spec.agent)
            .map_or(spec.default, String::as_str);
        let found = profile
            .routes_found
            .get(spec.agent)
            .cloned()
            .unwrap_or_else(|| {
                format!(
                    "the default path (not discovered: agentgw login --profile {name} --refresh)"
                )
            });
        let base_url = format!("{gateway}/{}", path.trim_matches('/'));
        (spec.agent, Route { base_url, found })
    });
    Some(Routes(entries.collect()))
}

/// How the profile signs in, and for OAuth where its stored access token stands. Read from the
/// store as it is: status never refreshes a token itself.
#[derive(Serialize)]
struct AuthStatus {
    /// `pat`, `oauth` or `m2m`.
    method: &'static str,
    description: &'static str,
    /// OAuth: seconds the stored access token stays valid (0 once expired); `null` for a PAT
    /// or when no token is stored.
    expires_in_seconds: Option<u64>,
    expired: Option<bool>,
    /// OAuth: what gets the next access token; `null` when nothing is stored that can.
    renewed_with: Option<Renewal>,
    #[serde(skip)]
    auth: Auth,
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Renewal {
    /// Browser sign-in.
    RefreshToken,
    /// Service principal.
    ClientSecret,
}

impl AuthStatus {
    fn of(profile: &Profile, config_dir: &Path) -> AuthStatus {
        let tokens = credential::read_stored(config_dir, profile)
            .ok()
            .flatten()
            .and_then(|(secret, _)| secret.oauth().cloned());
        let expiry = tokens.as_ref().map(credential::expiry_of);
        AuthStatus {
            method: profile.auth.as_str(),
            description: profile.auth.describe(),
            expires_in_seconds: expiry.map(|e| match e {
                Freshness::Fresh { seconds_left } | Freshness::Expiring { seconds_left } => {
                    seconds_left
                }
                Freshness::Expired => 0,
            }),
            expired: expiry.map(|e| e == Freshness::Expired),
            renewed_with: tokens.as_ref().and_then(|t| {
                match (&t.refresh_token, &t.client_secret) {
                    (_, Some(_)) if profile.auth == Auth::M2m => Some(Renewal::ClientSecret),
                    (Some(_), _) => Some(Renewal::RefreshToken),
                    (None, Some(_)) => Some(Renewal::ClientSecret),
                    (None, None) => None,
                }
            }),
            auth: profile.auth,
        }
    }

    /// The human line.
    fn describe(&self, profile: &str) -> String {
        let description = self.description;
        if self.auth == Auth::Pat {
            return description.to_string();
        }
        let renewal = match self.renewed_with {
            Some(Renewal::RefreshToken) => "renewed with the stored refresh token".to_string(),
            Some(Renewal::ClientSecret) => "renewed with the stored client secret".to_string(),
            None => format!(
                "nothing stored can renew it: agentgw login --profile {profile} --auth {}",
                self.method
            ),
        };
        match (self.expired, self.expires_in_seconds) {
            (Some(true), _) => format!("{description}; access token expired ({renewal})"),
            (Some(false), Some(seconds)) => format!(
                "{description}; access token valid {} more ({renewal})",
                duration_words(seconds)
            ),
            _ => format!("{description}; no access token stored"),
        }
    }
}

fn duration_words(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s => format!("{} min", s / 60),
    }
}

fn agent_status(agent: &dyn Agent, state: &StateDir, profile: Option<&Profile>) -> AgentStatus {
    let installed = agents::find_installed(agent);
    let configured = match profile {
        Some(profile) => agent.configured_for(profile),
        None => agent.configured(),
    };
    let (configured_ok, config_error) = match &configured {
        Ok(c) => (c.as_ref(), None),
        Err(e) => (None, Some(first_line(e))),
    };
    AgentStatus {
        agent: agent.id(),
        name: agent.info().name,
        installed: installed.is_some(),
        version: installed
            .as_ref()
            .and_then(|i| i.version)
            .map(|v| v.to_string()),
        path: installed.as_ref().map(|i| i.path.display().to_string()),
        configured: configured_ok.is_some(),
        file: configured_ok.map(|c| paths::display(&c.file)),
        config_error,
        base_url: configured_ok.map(|c| c.base_url.clone()),
        base_url_from: configured_ok.map(|c| c.base_url_from.clone()),
        model: configured_ok.map(|c| c.model.clone()),
        model_from: configured_ok.map(|c| c.model_from.clone()),
        cursor: None,
        token_via: agent
            .token_supply()
            .unwrap_or_else(|e| format!("unknown ({e:#})")),
        changed_since_setup: drift(state, agent.id()),
        kind: Kind::Command,
    }
}

/// The first line of an error with its causes.
fn first_line(error: &anyhow::Error) -> String {
    format!("{error:#}")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Keys agentgw set that hold something else now: the user's edits since setup.
fn drift(state: &StateDir, owner: &str) -> Vec<String> {
    edit::plan_undo(state, owner)
        .map(|undos| {
            undos
                .iter()
                .flat_map(|u| {
                    u.kept_user_values.iter().map(move |k| {
                        format!("{} in {}", edit::display_key(k), paths::display(u.path()))
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Cursor, from its settings database read read-only (works while Cursor runs). Besides the
/// fields every agent has: `models` (Cursor's custom models) and `matches_profile` (the override
/// URL is `<gateway>/cursor/v1` and the profile's model is among the models).
fn cursor_status(args: &StatusArgs, state: &StateDir, loaded: &ProfileState) -> AgentEntry {
    let flag = args.cursor.cursor_dir.as_deref();
    let db = match cursor::find_db(flag, state) {
        Ok(db) => db,
        Err(e) => {
            return AgentEntry::Unlocated {
                agent: cursor::ID,
                name: cursor::NAME,
                config_error: format!("{e:#}"),
            };
        }
    };
    let user_dir = cursor::user_dir_of(&db)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let settings = cursor::read_settings(&db);
    let config_error = settings.as_ref().err().map(first_line);
    let settings = settings.ok().flatten();
    let on = settings
        .as_ref()
        .filter(|s| s.use_key && s.base_url.is_some());
    let profile = loaded.profile.as_ref();
    let matches = match (on, profile, profile.and_then(|p| p.gateway())) {
        (Some(s), Some(p), Some(gateway)) => Some(
            s.points_at(&cursor::base_url(&gateway, p))
                && s.models.contains(&cursor::profile_model(p)),
        ),
        _ => None,
    };
    let token_via = match settings.as_ref().map(|s| &s.key) {
        Some(KeyRow::Plain(key)) if Some(key.as_str()) == loaded.token() => {
            format!("inline in {} ({})", paths::display(&db), cursor::KEY_ROW)
        }
        Some(KeyRow::Plain(key)) if !key.is_empty() => format!(
            "inline in {}, but not the profile's current token",
            paths::display(&db)
        ),
        Some(_) => "not in a form agentgw can read; paste it once in Cursor Settings > Models if you have not".into(),
        None => "none".into(),
    };
    let shown = paths::display(&db);
    AgentEntry::Read(Box::new(AgentStatus {
        agent: cursor::ID,
        name: cursor::NAME,
        installed: user_dir.is_dir(),
        version: None,
        path: Some(paths::display(&user_dir)),
        configured: on.is_some(),
        file: settings.as_ref().map(|_| shown.clone()),
        config_error,
        base_url: on.and_then(|s| s.base_url.clone()),
        base_url_from: on.map(|_| shown.clone()),
        model: on.and_then(|s| profile.map(|p| s.test_model(p))),
        model_from: on.map(|_| shown.clone()),
        cursor: Some(CursorFields {
            models: settings
                .as_ref()
                .map(|s| s.models.clone())
                .unwrap_or_default(),
            matches_profile: matches,
        }),
        token_via,
        changed_since_setup: drift(state, cursor::ID),
        kind: Kind::DesktopApp,
    }))
}

fn print_human(report: &Report) {
    let p = &report.profile;
    println!(
        "Profile {}{}",
        p.name,
        if p.exists {
            ""
        } else {
            " (does not exist: run agentgw login)"
        }
    );
    println!("  host      {}", p.host.as_deref().unwrap_or("-"));
    println!("  gateway   {}", p.gateway.as_deref().unwrap_or("-"));
    match (&p.user, &p.user_error) {
        (Some(user), _) => println!("  user      {user}"),
        (None, Some(err)) => println!("  user      unknown: {err}"),
        (None, None) => println!("  user      -"),
    }
    println!("  token     {}", p.token);
    if let Some(auth) = &p.auth {
        println!("  auth      {}", auth.describe(&p.name));
    }
    if let Some(routes) = &p.routes {
        println!("  routes");
        for (agent, route) in &routes.0 {
            println!("    {agent:<7} {} ({})", route.base_url, route.found);
        }
    }
    for entry in &report.agents {
        println!();
        match entry {
            AgentEntry::Read(agent) => print_agent(agent),
            AgentEntry::Unlocated {
                name, config_error, ..
            } => {
                // Where its user folder is, and so everything else, is unknown.
                println!("{name}");
                println!("  installed   unknown");
                println!("  configured  unreadable: {config_error}");
                println!("  token via   unknown");
            }
        }
    }
}

fn print_agent(a: &AgentStatus) {
    println!("{}", a.name);
    let path = a.path.as_deref().unwrap_or_default();
    let installed = match (a.installed, &a.version, a.kind) {
        (true, Some(v), _) => format!("{v} ({path})"),
        (true, None, Kind::DesktopApp) => format!("yes ({path})"),
        (true, None, Kind::Command) => format!("version unknown ({path})"),
        (false, _, Kind::DesktopApp) => format!("no {} user folder", a.name),
        (false, _, Kind::Command) => "not on PATH".into(),
    };
    println!("  installed   {installed}");
    match (&a.file, &a.config_error) {
        (Some(file), _) => {
            println!("  configured  {file}");
            // The source is named where it is not the file above (Claude's other layers).
            let from = |from: &Option<String>| match from {
                Some(from) if from != file => format!(" (from {from})"),
                _ => String::new(),
            };
            println!(
                "  base URL    {}{}",
                a.base_url.as_deref().unwrap_or_default(),
                from(&a.base_url_from)
            );
            println!(
                "  model       {}{}",
                a.model.as_deref().unwrap_or_default(),
                from(&a.model_from)
            );
            if let Some(cursor) = &a.cursor {
                println!("  models      {}", cursor.models.join(", "));
                match cursor.matches_profile {
                    Some(true) => println!("  profile     matches"),
                    Some(false) => println!(
                        "  profile     does not match (run: agentgw setup {} --write-cursor-db)",
                        a.agent
                    ),
                    None => {}
                }
            }
        }
        (None, Some(err)) => println!("  configured  unreadable: {err}"),
        // A desktop app: without it there is nothing to set up yet.
        (None, None) if a.kind == Kind::DesktopApp && !a.installed => {
            println!("  configured  no")
        }
        (None, None) => println!("  configured  no (run: agentgw setup {})", a.agent),
    }
    println!("  token via   {}", a.token_via);
    if !a.changed_since_setup.is_empty() {
        println!(
            "  changed by you since setup: {}",
            a.changed_since_setup.join(", ")
        );
    }
}
