//! `agentgw test <agent|all>`: one real request per agent, in the agent's wire format, with the
//! URL and model the agent will really use — read back from its config when it is set up.

use super::AlreadyReported;
use super::session::Session;
use crate::agents::Target;
use crate::agents::{self, cursor};
use crate::cli::{AgentChoice, TestArgs};
use crate::edit::StateDir;
use crate::errors::{Classified, Kind};
use crate::gateway::{self, Failure, Http, RequestError, Wire};
use crate::profile::{Auth, Profile};
use crate::{paths, ui};
use anyhow::Result;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

/// What one test talks to, and where those settings came from.
struct Probe {
    id: &'static str,
    name: &'static str,
    wire: Wire,
    url: String,
    model: String,
    /// The agent's file, or the profile.
    source: String,
    /// The fix for a URL off the gateway when setup cannot change it (see `Configured`).
    url_fix: Option<String>,
}

struct Outcome {
    target: Probe,
    latency_ms: u128,
    result: Result<String, RequestError>,
}

pub fn run(profile_flag: Option<&str>, args: TestArgs) -> Result<()> {
    let session = Session::load(profile_flag)?;
    let http = session.http()?;
    let targets: Vec<Target> = match args.agent {
        AgentChoice::One(target) => vec![target],
        AgentChoice::All => agents::ALL.to_vec(),
    };
    // An agent whose config cannot be used is reported as failed; the others are still tested.
    let planned: Vec<Result<Probe, Box<Report>>> = targets
        .into_iter()
        .map(|t| probe(t, &session, args.cursor.cursor_dir.as_deref()))
        .collect();
    // In parallel: `test all` takes as long as the slowest agent, not the sum.
    let outcomes: Vec<Result<Outcome, Box<Report>>> = std::thread::scope(|scope| {
        let running: Vec<_> = planned
            .into_iter()
            .map(|planned| planned.map(|target| scope.spawn(|| send(target, &session, &http))))
            .collect();
        running
            .into_iter()
            .map(|r| r.map(|t| t.join().expect("a test thread panicked")))
            .collect()
    });
    // A 404 is most useful with the names that do exist; asked once, only when needed.
    let endpoints = outcomes
        .iter()
        .flatten()
        .any(|o| matches!(&o.result, Err(e) if e.failure == Failure::NotFound))
        .then(|| http.serving_endpoints(&session.host, &session.token).ok())
        .flatten();
    let reports: Vec<Report> = outcomes
        .into_iter()
        .map(|o| match o {
            Ok(outcome) => {
                let mut report = Report::of(&outcome, &session, endpoints.as_deref());
                if let Some((message, fix)) = moved_route(&outcome, &session, &http) {
                    report.fix = Some(format!("{message}. Run: {fix}"));
                }
                report
            }
            Err(unusable) => *unusable,
        })
        .collect();
    if args.json {
        let list: Vec<_> = reports.iter().map(Report::json).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for report in &reports {
            report.print();
        }
    }
    if reports.iter().any(|r| !r.ok) {
        return Err(AlreadyReported.into());
    }
    Ok(())
}

/// The URL and model the agent will really use: its own config when set up, else the profile's;
/// when its config cannot be read, the agent's failed report.
fn probe(
    target: Target,
    session: &Session,
    cursor_dir: Option<&Path>,
) -> Result<Probe, Box<Report>> {
    let planned = match target {
        Target::Cli(agent) => agent_probe(agent, session),
        Target::DesktopApp(_) => cursor_probe(session, cursor_dir),
    };
    planned.map_err(|e| Box::new(Report::unusable(target.id(), target.name(), &e)))
}

fn agent_probe(agent: &dyn agents::Agent, session: &Session) -> Result<Probe> {
    let (id, profile) = (agent.id(), &session.profile);
    let info = agent.info();
    let configured = agent
        .configured_for(profile)
        .map_err(|e| Classified::explained(Kind::ConfigFile, format!("{e:#}")))?;
    let url_fix = configured.as_ref().and_then(|c| c.base_url_fix());
    let (url, model, source) = match configured {
        // Claude's may come from two different settings layers.
        Some(c) if c.base_url_from == c.model_from => (Some(c.base_url), c.model, c.model_from),
        Some(c) => {
            let source = format!(
                "base URL from {}, model from {}",
                c.base_url_from, c.model_from
            );
            (Some(c.base_url), c.model, source)
        }
        None => (
            None,
            agents::model_for(agent, None, profile),
            format!("profile '{}' (not set up)", profile.name),
        ),
    };
    let (wire, url) = agent.probe_route(url.as_deref(), &session.gateway, profile, &model);
    Ok(Probe {
        id,
        name: info.name,
        wire,
        url,
        model,
        source,
        url_fix,
    })
}

/// Cursor's override URL and a model it lists, from its database (read-only) when the
/// override is on; else the profile's (`[profiles.NAME.models] cursor`,
/// `[profiles.NAME.base_paths] cursor`).
fn cursor_probe(session: &Session, flag: Option<&Path>) -> Result<Probe> {
    let profile = &session.profile;
    let db = cursor::find_db(flag, &StateDir::new(paths::state_dir()?))?;
    let settings = cursor::read_settings(&db).unwrap_or_else(|e| {
        ui::warn(&format!("{}: {e:#}", cursor::NAME));
        None
    });
    let (url, model, source) = match settings.filter(|s| s.use_key) {
        Some(s) if s.base_url.is_some() => (
            s.base_url.clone().unwrap_or_default(),
            s.test_model(profile),
            paths::display(&db),
        ),
        _ => (
            cursor::base_url(&session.gateway, profile),
            cursor::profile_model(profile),
            format!("profile '{}' (Cursor's override is not on)", profile.name),
        ),
    };
    Ok(Probe {
        id: cursor::ID,
        name: cursor::NAME,
        wire: cursor::WIRE,
        url: url.trim_end_matches('/').to_string(),
        model,
        source,
        url_fix: None,
    })
}

fn send(target: Probe, session: &Session, http: &Http) -> Outcome {
    let started = Instant::now();
    // The token goes only to this profile's gateway or workspace, whatever the file says.
    let result = if gateway::is_ours(&target.url, &session.gateway, &session.host) {
        http.probe(target.wire, &target.url, &target.model, &session.token)
            .map(|reply| reply.text)
    } else {
        Err(RequestError::foreign(
            &target.url,
            &session.gateway,
            target.id,
            target.url_fix.clone(),
        ))
    };
    let latency_ms = started.elapsed().as_millis();
    Outcome {
        target,
        latency_ms,
        result,
    }
}

/// One agent's result, in words: what happened and the fix.
struct Report {
    id: &'static str,
    name: &'static str,
    ok: bool,
    status: Option<u16>,
    latency_ms: u128,
    /// `None` when the agent's config could not be read.
    model: Option<String>,
    url: Option<String>,
    source: String,
    reply: Option<String>,
    error_kind: Option<&'static str>,
    message: Option<String>,
    fix: Option<String>,
}

impl Report {
    /// An agent not tested because its config (or Cursor's database) cannot be used: `error`
    /// says which file and what to do.
    fn unusable(id: &'static str, name: &'static str, error: &anyhow::Error) -> Report {
        let (message, fix) = crate::errors::message_and_fix(error);
        Report {
            id,
            name,
            ok: false,
            status: None,
            latency_ms: 0,
            model: None,
            url: None,
            source: String::new(),
            reply: None,
            error_kind: Some(Kind::of(error).name()),
            message: Some(message),
            fix,
        }
    }

    fn of(outcome: &Outcome, session: &Session, endpoints: Option<&[String]>) -> Report {
        let target = &outcome.target;
        let mut report = Report {
            id: target.id,
            name: target.name,
            ok: outcome.result.is_ok(),
            status: Some(200),
            latency_ms: outcome.latency_ms,
            model: Some(target.model.clone()),
            url: Some(target.url.clone()),
            source: target.source.clone(),
            reply: None,
            error_kind: None,
            message: None,
            fix: None,
        };
        match &outcome.result {
            Ok(text) => report.reply = Some(first_words(text)),
            Err(e) => {
                let explained = explain_for(e, &session.profile);
                let (message, fix) = ui::message_and_fix(&explained);
                let mut fix = fix.to_string();
                if e.failure == Failure::NotFound {
                    fix = not_found_fix(target.id, &target.model, endpoints);
                }
                report.status = e.status;
                report.error_kind = Some(e.failure.kind());
                report.message = Some(message.to_string());
                report.fix = Some(fix);
            }
        }
        report
    }

    fn print(&self) {
        let name = self.name;
        if self.ok {
            println!(
                "✓ {name}: {} answered in {} ms: {}",
                self.model.as_deref().unwrap_or_default(),
                self.latency_ms,
                self.reply.as_deref().unwrap_or_default()
            );
        } else {
            println!("✗ {name}: {}", self.message.as_deref().unwrap_or_default());
            if let Some(fix) = self.fix.as_deref().filter(|f| !f.is_empty()) {
                println!("  fix: {fix}");
            }
        }
        if let (Some(model), Some(url)) = (&self.model, &self.url) {
            ui::note(&format!("  ({model} via {url}, from {})", self.source));
        }
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "agent": self.id,
            "ok": self.ok,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "model": self.model,
            "url": self.url,
            "reply": self.reply,
            "error_kind": self.error_kind,
            "message": self.message,
            "fix": self.fix,
        })
    }
}

/// `e` explained for the way `profile` signs in: a workspace refusing personal access tokens
/// points at OAuth, and a rejected OAuth access token at signing in again — not at creating a
/// personal access token, which such a workspace may not even allow. (doctor and setup say the
/// same.)
pub(crate) fn explain_for(e: &RequestError, profile: &Profile) -> String {
    match profile.auth {
        Auth::Pat if gateway::refuses_pats(e) => pats_refused(e, profile),
        Auth::OAuth | Auth::M2m if e.failure == Failure::InvalidToken => {
            let (status, detail) = e.said();
            format!(
                "the workspace rejected the token ({status}{detail})\n\
                 The OAuth access token of profile '{}' was refused before its expiry (the sign-in \
                 was revoked, or the account lost its access); sign in again: {}",
                profile.name,
                crate::credential::login_command(profile)
            )
        }
        _ => e.explain(&profile.name),
    }
}

/// What to say when a workspace answers a personal access token with the 403 of a workspace
/// whose admins turned such tokens off: the fix is another way to sign in, not a permission.
/// (doctor says the same for its token check.)
pub(super) fn pats_refused(e: &RequestError, profile: &Profile) -> String {
    let (status, detail) = e.said();
    let oauth = Profile {
        auth: Auth::OAuth,
        ..profile.clone()
    };
    format!(
        "this workspace does not accept personal access tokens ({status}{detail})\n{}",
        crate::credential::login_command(&oauth)
    )
}

/// A 404 may be the route, not the model: when the agent's route itself is gone (its model
/// listing 404s too), say so and which of the agent's routes answers instead.
fn moved_route(outcome: &Outcome, session: &Session, http: &Http) -> Option<(String, String)> {
    let target = &outcome.target;
    let not_found = matches!(&outcome.result, Err(e) if e.failure == Failure::NotFound);
    if !not_found
        || !gateway::is_ours(&target.url, &session.gateway, &session.host)
        || crate::discovery::route_missing(http, &target.url, &session.token, target.id)
            != Some(true)
    {
        return None;
    }
    let instead = crate::discovery::answering(http, &session.gateway, &session.token, target.id);
    Some(crate::discovery::route_gone(
        target.id,
        &target.url,
        &instead,
        &session.profile.name,
    ))
}

fn not_found_fix(agent: &str, model: &str, endpoints: Option<&[String]>) -> String {
    let pick = if agent == cursor::ID {
        "agentgw setup cursor --model NAME (or set [profiles.NAME.models] cursor = \"NAME\" in agentgw's config.toml)".to_string()
    } else {
        format!("agentgw setup {agent} --model NAME")
    };
    match endpoints {
        Some(names) if !names.is_empty() => {
            let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
            let more = if names.len() > shown.len() {
                ", …"
            } else {
                ""
            };
            format!(
                "no endpoint named {model}; the workspace has: {}{more}. Pick one: {pick}",
                shown.join(", ")
            )
        }
        _ => format!(
            "no endpoint named {model} (or the gateway URL is wrong); check the names under Serving in the workspace, then: {pick}"
        ),
    }
}

fn first_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(12).collect();
    words.join(" ")
}
