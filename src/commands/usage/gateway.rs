//! `agentgw usage` (the default source): every agent's requests, tokens and estimated cost from
//! the gateway's usage table, through a SQL warehouse. The workspace's price list is read
//! meanwhile: the two do not depend on each other, so the user waits for the slower one only.

use crate::cli::UsageArgs;
use crate::commands::otel::{remember, warehouse};
use crate::commands::session::Session;
use crate::errors::{Classified, Kind};
use crate::gateway::{Http, RequestError};
use crate::prices::Catalog;
use crate::sql::{Needs, SqlError};
use crate::ui;
use crate::usage::query::{self, Users};
use crate::usage::report::{self, Estimate, Options, Report};
use crate::usage::{access, render};
use anyhow::Result;
use std::thread::{self, JoinHandle};

pub fn run(profile_flag: Option<&str>, args: UsageArgs) -> Result<()> {
    let session = Session::load(profile_flag)?;
    let http = session.http()?;
    let warehouse_id = crate::commands::warehouse::choose(
        &session,
        &http,
        args.warehouse.warehouse_id.as_deref(),
    )?;
    let users = match args.all_users {
        true => Users::All,
        false => Users::Me,
    };
    // Every page of the price list within one request's time: prices are a nicety, never the
    // reason the report waits.
    let bounded = http.until(std::time::Instant::now() + http.timeout());
    let prices = in_background(&session, &bounded, Catalog::fetch);
    // Who "you" are, to tell whether --all-users saw anyone else's rows.
    let me = args
        .all_users
        .then(|| in_background(&session, &http, Http::scim_me));
    let result = warehouse(&session, &http, &warehouse_id, &args.warehouse)
        .run_with(query::TEMPLATE, &query::parameters(args.days, users))
        .map_err(|e| failure(&e, &session, &http, &warehouse_id))?;
    let answer = query::records(&result)?;
    let catalog = prices.join().unwrap_or_else(|_| Err(panicked()));
    let priced = |model: &str, input, output, cached| {
        catalog
            .as_ref()
            .ok()?
            .estimate(model, input, output, cached)
    };
    let estimate: Result<Estimate, String> = match &catalog {
        Ok(_) => Ok(&priced),
        Err(e) => Err(reason(e)),
    };
    let options = Options {
        by: args.by,
        days: args.days,
        users,
        agent: args.agent.as_deref(),
    };
    let report = report::build(&answer.records, answer.today.as_deref(), &options, estimate);
    print(&report, &args, &warehouse_id)?;
    let me = me
        .and_then(|me| me.join().ok()?.ok())
        .map(|me| me.user_name);
    let machine = args.json || args.csv;
    for note in notes(&report, &answer.records, me.as_deref(), machine) {
        ui::note(&note);
    }
    remember(&session.profile.name, &[("warehouse_id", &warehouse_id)]);
    Ok(())
}

/// The report on stdout, as asked: JSON, CSV or the table.
fn print(report: &Report, args: &UsageArgs, warehouse_id: &str) -> Result<()> {
    if args.json {
        let json = render::json(report, warehouse_id);
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else if args.csv {
        print!("{}", render::csv(report));
    } else {
        print!("{}", render::terminal(report));
    }
    Ok(())
}

/// `fetch(http, host, token)` on a thread of its own.
fn in_background<T: Send + 'static>(
    session: &Session,
    http: &Http,
    fetch: fn(&Http, &str, &str) -> Result<T, RequestError>,
) -> JoinHandle<Result<T, RequestError>> {
    let (http, host, token) = (http.clone(), session.host.clone(), session.token.clone());
    thread::spawn(move || fetch(&http, &host, &token))
}

fn panicked() -> RequestError {
    RequestError {
        failure: crate::gateway::Failure::Other,
        status: None,
        url: String::new(),
        detail: "reading it failed unexpectedly".into(),
        timeout: std::time::Duration::ZERO,
    }
}

/// Why the price list could not be read, in a few words (`HTTP 403: …`, `timeout: …`).
fn reason(e: &RequestError) -> String {
    let (status, detail) = e.said();
    match status.is_empty() {
        true => format!("{}{detail}", e.failure.kind()),
        false => format!("{status}{detail}"),
    }
}

/// The failed statement explained: the usage table's own failures with the grants or what
/// enables it, the rest (warehouse, network) as for any statement.
fn failure(e: &SqlError, session: &Session, http: &Http, warehouse_id: &str) -> anyhow::Error {
    let user = match e {
        SqlError::PermissionDenied(_) => http
            .scim_me(&session.host, &session.token)
            .ok()
            .map(|me| me.user_name)
            .filter(|name| name != "unknown user"),
        _ => None,
    };
    let text = access::explain(e, user.as_deref()).unwrap_or_else(|| {
        let needs = Needs {
            privilege: "SELECT",
            schema: "system.ai_gateway".into(),
        };
        e.explain(&session.profile.name, &session.host, warehouse_id, &needs)
    });
    Classified::explained(Kind::from(e), text).into()
}

/// What the user may want to know beyond the table, said on stderr: why it may be empty, and
/// whether `--all-users` saw anyone else. Without a price list, a machine-readable report says
/// that here (the terminal table says it under the table).
fn notes(
    report: &Report,
    records: &[query::Record],
    me: Option<&str>,
    machine: bool,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let (true, report::Pricing::Unavailable(why)) = (machine, &report.pricing) {
        notes.push(format!(
            "No cost estimates: the workspace's price list could not be read ({why})."
        ));
    }
    if !report.answered {
        let requests = match report.users {
            Users::Me => "requests of yours",
            Users::All => "requests",
        };
        notes.push(format!(
            "No {requests} went through the gateway in these days. Agents not set up yet? agentgw setup all. \
             Set up, but their requests go elsewhere? agentgw doctor."
        ));
    } else if report.total.requests == 0
        && let Some(agent) = &report.agent
    {
        let name = report::agent_name(agent);
        notes.push(match agent.as_str() {
            "other" => "No requests from agents other than agentgw's in these days.".to_string(),
            id => format!(
                "No requests from {name} in these days. Not set up yet? agentgw setup {id}. \
                 Set up, but its requests go elsewhere? agentgw doctor --agent {id}."
            ),
        });
    }
    if report.users == Users::All
        && let Some(me) = me
        && !records.is_empty()
        && records.iter().all(|r| r.user == me)
    {
        notes.push(format!(
            "Only your own requests ({me}) came back for --all-users: either nobody else used the gateway in these days, \
             or the table shows you only the rows your rights allow (it is filtered by row-level rights); \
             an account admin sees everyone's."
        ));
    }
    notes
}
