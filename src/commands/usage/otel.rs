//! `agentgw usage --source otel`: Claude Code's cost and tokens from the telemetry metrics
//! table, per day, model or user, through a SQL warehouse.

use crate::cli::{UsageArgs, UsageBy};
use crate::commands::otel::{remember, tables, warehouse};
use crate::commands::session::Session;
use crate::errors::{Classified, Kind};
use crate::otel::{Signal, usage};
use crate::sql::Needs;
use anyhow::Result;

pub fn run(profile_flag: Option<&str>, args: UsageArgs) -> Result<()> {
    let by = match args.by {
        UsageBy::Day => usage::GroupBy::Day,
        UsageBy::Model => usage::GroupBy::Model,
        UsageBy::User => usage::GroupBy::User,
        UsageBy::Agent => unreachable!("refused by usage::source"),
    };
    let session = Session::load(profile_flag)?;
    let tables = tables(&args.tables, Some(&session.profile))?;
    let http = session.http()?;
    let warehouse_id = crate::commands::warehouse::choose(
        &session,
        &http,
        args.warehouse.warehouse_id.as_deref(),
    )?;
    let result = warehouse(&session, &http, &warehouse_id, &args.warehouse)
        .run(&usage::query(&tables, args.days, by))
        .map_err(|e| {
            let needs = Needs {
                privilege: "SELECT",
                schema: tables.sql_schema(),
            };
            Classified::explained(
                Kind::from(&e),
                e.explain(&session.profile.name, &session.host, &warehouse_id, &needs),
            )
        })?;
    let (mut rows, today) = usage::rows(&result)?;
    if by == usage::GroupBy::Day {
        rows = usage::fill_days(rows, args.days, today.as_deref());
    }
    let table = tables.table(Signal::Metrics);
    if args.json {
        let report = usage::to_json(&rows, by, args.days, &table);
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", usage::render(&rows, by, args.days, &table));
        if rows.is_empty() {
            crate::ui::note(&format!(
                "Nothing recorded yet? Telemetry is sent by `agentgw setup claude --otel-tables '{tables}'`; \
                 `agentgw otel check` tells whether the tables accept it."
            ));
        }
    }
    remember(
        &session.profile.name,
        &[
            ("otel_tables", &tables.to_string()),
            ("warehouse_id", &warehouse_id),
        ],
    );
    Ok(())
}
