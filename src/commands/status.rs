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
use serde_json::{Value, json};
use std::path::Path;

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
    let auth = profile
        .as_ref()
        .map(|p| AuthStatus::of(p, &loaded.config_dir));
    let state = StateDir::new(paths::state_dir()?);
    agents::detect_installed();
    let agents: Vec<Value> = agents::ALL
        .into_iter()
        .map(|target| match target {
            Target::Cli(agent) => agent_status(agent, &state),
            Target::DesktopApp(_) => cursor_status(&args, &state, &loaded),
        })
        .collect();
    let report = json!({
        "profile": {
            "name": name,
            "exists": profile.is_some(),
            "host": host,
            "gateway": gateway,
            "user": user.as_ref().and_then(|u| u.as_ref().ok()),
            "user_error": user.as_ref().and_then(|u| u.as_ref().err()),
            "token": storage,
            "auth": auth,
            "routes": profile.as_ref().and_then(|p| routes(p, name)),
        },
        "agents": agents,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&report);
    }
    Ok(())
}

/// Each agent's base URL on the gateway as the profile gives it, and how it was found (login's
/// route discovery, or the default path when discovery has not run).
fn routes(profile: &Profile, name: &str) -> Option<Value> {
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
        (
            spec.agent.to_string(),
            json!({"base_url": format!("{gateway}/{}", path.trim_matches('/')), "found": found}),
        )
    });
    Some(Value::Object(entries.collect()))
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
    /// OAuth: what gets the next access token, `refresh_token` (browser sign-in) or
    /// `client_secret` (service principal); `null` when nothing is stored that can.
    renewed_with: Option<&'static str>,
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
                    (_, Some(_)) if profile.auth == Auth::M2m => Some("client_secret"),
                    (Some(_), _) => Some("refresh_token"),
                    (None, Some(_)) => Some("client_secret"),
                    (None, None) => None,
                }
            }),
        }
    }
}

/// The human line for `auth`.
fn describe_auth(auth: &Value, profile: &str) -> String {
    let description = auth["description"].as_str().unwrap_or_default();
    if auth["method"] == "pat" {
        return description.to_string();
    }
    let renewal = match auth["renewed_with"].as_str() {
        Some("refresh_token") => "renewed with the stored refresh token".to_string(),
        Some(_) => "renewed with the stored client secret".to_string(),
        None => format!(
            "nothing stored can renew it: agentgw login --profile {profile} --auth {}",
            auth["method"].as_str().unwrap_or_default()
        ),
    };
    match (
        auth["expired"].as_bool(),
        auth["expires_in_seconds"].as_u64(),
    ) {
        (Some(true), _) => format!("{description}; access token expired ({renewal})"),
        (Some(false), Some(seconds)) => format!(
            "{description}; access token valid {} more ({renewal})",
            duration_words(seconds)
        ),
        _ => format!("{description}; no access token stored"),
    }
}

fn duration_words(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s => format!("{} min", s / 60),
    }
}

fn agent_status(agent: &dyn Agent, state: &StateDir) -> Value {
    let installed = agents::find_installed(agent);
    let configured = agent.configured();
    let (file, base_url, model, config_error) = match &configured {
        Ok(Some(c)) => (
            Some(paths::display(&c.file)),
            Some((c.base_url.clone(), c.base_url_from.clone())),
            Some((c.model.clone(), c.model_from.clone())),
            None,
        ),
        Ok(None) => (None, None, None, None),
        Err(e) => (
            None,
            None,
            None,
            Some(
                format!("{e:#}")
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
        ),
    };
    let drift = drift(state, agent.id());
    json!({
        "agent": agent.id(),
        "name": agent.info().name,
        "installed": installed.is_some(),
        "version": installed.as_ref().and_then(|i| i.version).map(|v| v.to_string()),
        "path": installed.as_ref().map(|i| i.path.display().to_string()),
        "configured": matches!(configured, Ok(Some(_))),
        "file": file,
        "config_error": config_error,
        "base_url": base_url.as_ref().map(|(url, _)| url),
        // Where each comes from: the file, or (Claude Code) the settings layer that wins here.
        "base_url_from": base_url.as_ref().map(|(_, from)| from),
        "model": model.as_ref().map(|(model, _)| model),
        "model_from": model.as_ref().map(|(_, from)| from),
        "token_via": agent.token_supply().unwrap_or_else(|e| format!("unknown ({e:#})")),
        "changed_since_setup": drift,
    })
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
fn cursor_status(args: &StatusArgs, state: &StateDir, loaded: &ProfileState) -> Value {
    let flag = args.cursor.cursor_dir.as_deref();
    let db = match cursor::find_db(flag, state) {
        Ok(db) => db,
        Err(e) => {
            return json!({"agent": cursor::ID, "name": cursor::NAME, "config_error": format!("{e:#}")});
        }
    };
    let user_dir = cursor::user_dir_of(&db)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let settings = cursor::read_settings(&db);
    let config_error = settings.as_ref().err().map(|e| {
        format!("{e:#}")
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    });
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
    json!({
        "agent": cursor::ID,
        "name": cursor::NAME,
        "installed": user_dir.is_dir(),
        "version": null,
        "path": paths::display(&user_dir),
        "configured": on.is_some(),
        "file": settings.as_ref().map(|_| paths::display(&db)),
        "config_error": config_error,
        "base_url": on.and_then(|s| s.base_url.clone()),
        "base_url_from": on.map(|_| paths::display(&db)),
        "model": on.and_then(|s| profile.map(|p| s.test_model(p))),
        "model_from": on.map(|_| paths::display(&db)),
        "models": settings.as_ref().map(|s| s.models.clone()).unwrap_or_default(),
        "matches_profile": matches,
        "token_via": token_via,
        "changed_since_setup": drift(state, cursor::ID),
    })
}

fn print_human(report: &Value) {
    let p = &report["profile"];
    let text = |v: &Value| v.as_str().map(str::to_string);
    println!(
        "Profile {}{}",
        p["name"].as_str().unwrap_or_default(),
        if p["exists"] == true {
            ""
        } else {
            " (does not exist: run agentgw login)"
        }
    );
    println!(
        "  host      {}",
        text(&p["host"]).unwrap_or_else(|| "-".into())
    );
    println!(
        "  gateway   {}",
        text(&p["gateway"]).unwrap_or_else(|| "-".into())
    );
    match (text(&p["user"]), text(&p["user_error"])) {
        (Some(user), _) => println!("  user      {user}"),
        (None, Some(err)) => println!("  user      unknown: {err}"),
        (None, None) => println!("  user      -"),
    }
    println!("  token     {}", text(&p["token"]).unwrap_or_default());
    if p["auth"].is_object() {
        println!(
            "  auth      {}",
            describe_auth(&p["auth"], p["name"].as_str().unwrap_or_default())
        );
    }
    if let Some(routes) = p["routes"].as_object() {
        println!("  routes");
        for (agent, route) in routes {
            println!(
                "    {agent:<7} {} ({})",
                text(&route["base_url"]).unwrap_or_default(),
                text(&route["found"]).unwrap_or_default()
            );
        }
    }
    for a in report["agents"].as_array().into_iter().flatten() {
        println!();
        println!("{}", a["name"].as_str().unwrap_or_default());
        let installed = match (a["installed"] == true, text(&a["version"])) {
            (true, None) if a["agent"] == cursor::ID => {
                format!("yes ({})", text(&a["path"]).unwrap_or_default())
            }
            (true, Some(v)) => format!("{v} ({})", text(&a["path"]).unwrap_or_default()),
            (true, None) => format!("version unknown ({})", text(&a["path"]).unwrap_or_default()),
            (false, _) if a["agent"] == cursor::ID => "no Cursor user folder".into(),
            (false, _) => "not on PATH".into(),
        };
        println!("  installed   {installed}");
        match (text(&a["file"]), text(&a["config_error"])) {
            (Some(file), _) => {
                println!("  configured  {file}");
                // The source is named where it is not the file above (Claude's other layers).
                let from = |key: &str| match text(&a[format!("{key}_from").as_str()]) {
                    Some(from) if from != file => format!(" (from {from})"),
                    _ => String::new(),
                };
                println!(
                    "  base URL    {}{}",
                    text(&a["base_url"]).unwrap_or_default(),
                    from("base_url")
                );
                println!(
                    "  model       {}{}",
                    text(&a["model"]).unwrap_or_default(),
                    from("model")
                );
                if let Some(models) = a["models"].as_array() {
                    let names: Vec<&str> = models.iter().filter_map(Value::as_str).collect();
                    println!("  models      {}", names.join(", "));
                }
                match a["matches_profile"].as_bool() {
                    Some(true) => println!("  profile     matches"),
                    Some(false) => println!(
                        "  profile     does not match (run: agentgw setup cursor --write-cursor-db)"
                    ),
                    None => {}
                }
            }
            (None, Some(err)) => println!("  configured  unreadable: {err}"),
            // Cursor is a desktop app: without it there is nothing to set up yet.
            (None, None) if a["agent"] == cursor::ID && a["installed"] != true => {
                println!("  configured  no")
            }
            (None, None) => println!(
                "  configured  no (run: agentgw setup {})",
                a["agent"].as_str().unwrap_or_default()
            ),
        }
        println!(
            "  token via   {}",
            text(&a["token_via"]).unwrap_or_default()
        );
        let drift: Vec<&str> = a["changed_since_setup"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !drift.is_empty() {
            println!("  changed by you since setup: {}", drift.join(", "));
        }
    }
}
