//! `agentgw test <agent|all>`: one real request per agent, in the agent's wire format, with the
//! URL and model the agent will really use — read back from its config when it is set up.

use super::AlreadyReported;
use super::session::Session;
use crate::agents::{self, Agent};
use crate::cli::TestArgs;
use crate::gateway::{Failure, Http, RequestError};
use crate::{paths, ui};
use anyhow::Result;
use serde_json::json;
use std::time::Instant;

struct Outcome {
    agent: &'static dyn Agent,
    url: String,
    model: String,
    /// Where the URL and model came from: the agent's file, or the profile.
    source: String,
    latency_ms: u128,
    result: Result<String, RequestError>,
}

pub fn run(profile_flag: Option<&str>, args: TestArgs) -> Result<()> {
    let session = Session::load(profile_flag)?;
    let http = session.http()?;
    let selected: Vec<&dyn Agent> = match args.agent.single() {
        Some(id) => agents::by_id(id).into_iter().collect(),
        None => agents::ALL.to_vec(),
    };
    // In parallel: `test all` takes as long as the slowest agent, not the sum.
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let running: Vec<_> = selected
            .into_iter()
            .map(|agent| scope.spawn(|| test_one(agent, &session, &http)))
            .collect();
        running
            .into_iter()
            .map(|t| t.join().expect("a test thread panicked"))
            .collect::<Result<_>>()
    })?;
    // A 404 is most useful with the names that do exist; asked once, only when needed.
    let endpoints = outcomes
        .iter()
        .any(|o| matches!(&o.result, Err(e) if e.failure == Failure::NotFound))
        .then(|| http.serving_endpoints(&session.host, &session.token).ok())
        .flatten();
    let reports: Vec<Report> = outcomes
        .iter()
        .map(|o| Report::of(o, &session, endpoints.as_deref()))
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

fn test_one(agent: &'static dyn Agent, session: &Session, http: &Http) -> Result<Outcome> {
    let (url, model, source) = match agent.configured()? {
        Some(c) => (c.base_url, c.model, paths::display(&c.file)),
        None => (
            agents::gateway_base(agent, &session.gateway, &session.profile),
            agents::model_for(agent, None, &session.profile),
            format!("profile '{}' (not set up)", session.profile.name),
        ),
    };
    let started = Instant::now();
    let result = http
        .probe(agent.info().wire, &url, &model, &session.token)
        .map(|reply| reply.text);
    let latency_ms = started.elapsed().as_millis();
    Ok(Outcome {
        agent,
        url,
        model,
        source,
        latency_ms,
        result,
    })
}

/// One agent's result, in words: what happened and the fix.
struct Report {
    agent: &'static dyn Agent,
    ok: bool,
    status: Option<u16>,
    latency_ms: u128,
    model: String,
    url: String,
    source: String,
    reply: Option<String>,
    error_kind: Option<&'static str>,
    message: Option<String>,
    fix: Option<String>,
}

impl Report {
    fn of(outcome: &Outcome, session: &Session, endpoints: Option<&[String]>) -> Report {
        let mut report = Report {
            agent: outcome.agent,
            ok: outcome.result.is_ok(),
            status: Some(200),
            latency_ms: outcome.latency_ms,
            model: outcome.model.clone(),
            url: outcome.url.clone(),
            source: outcome.source.clone(),
            reply: None,
            error_kind: None,
            message: None,
            fix: None,
        };
        match &outcome.result {
            Ok(text) => report.reply = Some(first_words(text)),
            Err(e) => {
                let explained = e.explain(&session.profile.name);
                let (message, fix) = explained.split_once('\n').unwrap_or((&explained, ""));
                let mut fix = fix.to_string();
                if e.failure == Failure::NotFound {
                    fix = not_found_fix(outcome.agent.id(), &outcome.model, endpoints);
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
        let name = self.agent.info().name;
        if self.ok {
            println!(
                "✓ {name}: {} answered in {} ms: {}",
                self.model,
                self.latency_ms,
                self.reply.as_deref().unwrap_or_default()
            );
        } else {
            println!("✗ {name}: {}", self.message.as_deref().unwrap_or_default());
            if let Some(fix) = self.fix.as_deref().filter(|f| !f.is_empty()) {
                println!("  fix: {fix}");
            }
        }
        ui::note(&format!(
            "  ({} via {}, from {})",
            self.model, self.url, self.source
        ));
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "agent": self.agent.id(),
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

fn not_found_fix(agent: &str, model: &str, endpoints: Option<&[String]>) -> String {
    match endpoints {
        Some(names) if !names.is_empty() => {
            let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
            let more = if names.len() > shown.len() {
                ", …"
            } else {
                ""
            };
            format!(
                "no endpoint named {model}; the workspace has: {}{more}. Pick one: agentgw setup {agent} --model NAME",
                shown.join(", ")
            )
        }
        _ => format!(
            "no endpoint named {model} (or the gateway URL is wrong); check the names under Serving in the workspace, then: agentgw setup {agent} --model NAME"
        ),
    }
}

fn first_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(12).collect();
    words.join(" ")
}
