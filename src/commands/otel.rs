//! `agentgw otel sql|create|check`: the Unity Catalog tables Claude Code's telemetry goes to —
//! print their DDL, create them through a SQL warehouse, and prove the ingest path accepts an
//! export for them.

use super::AlreadyReported;
use super::session::Session;
use crate::cli::{OtelArgs, OtelCommand, OtelCreateArgs, OtelTablesArg, WarehouseArgs};
use crate::errors::{Classified, Kind};
use crate::otel::{self, Signal, Tables, ddl};
use crate::profile::{self, Config, Profile};
use crate::sql::{Needs, Warehouse};
use crate::{paths, ui};
use anyhow::{Result, anyhow};
use std::time::{Duration, Instant};

pub fn run(profile_flag: Option<&str>, args: OtelArgs) -> Result<()> {
    match args.command {
        OtelCommand::Sql(tables) => print_sql(profile_flag, &tables),
        OtelCommand::Create(args) => create(profile_flag, &args),
        OtelCommand::Check(tables) => check(profile_flag, &tables),
    }
}

fn print_sql(profile_flag: Option<&str>, flag: &OtelTablesArg) -> Result<()> {
    let saved = saved_profile(profile_flag)?;
    let tables = tables(flag, saved.as_ref())?;
    for signal in Signal::BOTH {
        println!("{};\n", ddl::create_table(&tables, signal));
    }
    Ok(())
}

fn create(profile_flag: Option<&str>, args: &OtelCreateArgs) -> Result<()> {
    if args.dry_run {
        let saved = saved_profile(profile_flag)?;
        let tables = tables(&args.tables, saved.as_ref())?;
        let flag = args.warehouse.warehouse_id.as_deref();
        let on = match super::warehouse::given(flag, saved.as_ref())? {
            Some(id) if flag.is_some() => format!("SQL warehouse {id}"),
            Some(id) => format!("SQL warehouse {id} (remembered in the profile)"),
            None => "the SQL warehouse found when it runs".to_string(),
        };
        ui::note(&format!("Would run on {on}; nothing sent:"));
        println!("{};\n", ddl::existing_tables(&tables));
        for signal in Signal::BOTH {
            println!("{};\n", ddl::create_table_if_not_exists(&tables, signal));
        }
        return Ok(());
    }
    let session = Session::load(profile_flag)?;
    let tables = tables(&args.tables, Some(&session.profile))?;
    let http = session.http()?;
    let warehouse_id =
        super::warehouse::choose(&session, &http, args.warehouse.warehouse_id.as_deref())?;
    let warehouse = warehouse(&session, &http, &warehouse_id, &args.warehouse);
    let needs = Needs {
        privilege: "CREATE TABLE",
        schema: tables.sql_schema(),
    };
    let explain = |e: crate::sql::SqlError| {
        e.explain(&session.profile.name, &session.host, &warehouse_id, &needs)
    };
    let existing = warehouse
        .run(&ddl::existing_tables(&tables))
        .map_err(|e| anyhow!(explain(e)))?;
    let exists = |signal: Signal| {
        let name = tables.table_name(signal).to_lowercase();
        existing
            .rows
            .iter()
            .any(|row| row.first().and_then(Option::as_deref) == Some(name.as_str()))
    };
    let mut failed = false;
    for signal in Signal::BOTH {
        let table = tables.table(signal);
        if exists(signal) {
            println!("✓ {table}  already there");
            continue;
        }
        match warehouse.run(&ddl::create_table_if_not_exists(&tables, signal)) {
            Ok(_) => println!("✓ {table}  created"),
            Err(e) => {
                failed = true;
                print_failure(&table, &explain(e));
            }
        }
    }
    if failed {
        return Err(AlreadyReported.into());
    }
    remember(
        &session.profile.name,
        &[
            ("otel_tables", &tables.to_string()),
            ("warehouse_id", &warehouse_id),
        ],
    );
    ui::note(&format!(
        "Next: agentgw setup claude --otel-tables '{tables}', then: agentgw otel check"
    ));
    Ok(())
}

fn check(profile_flag: Option<&str>, flag: &OtelTablesArg) -> Result<()> {
    let session = Session::load(profile_flag)?;
    let tables = tables(flag, Some(&session.profile))?;
    let http = session.http()?;
    let mut failed = false;
    for signal in Signal::BOTH {
        let table = tables.table(signal);
        let url = otel::ingest_url(&session.host, signal);
        match otel::check_ingest(&http, &url, &session.token, &table) {
            Ok(latency) => println!(
                "✓ {table}  accepts {} exports ({} ms)",
                signal.path(),
                latency.as_millis()
            ),
            Err(e) => {
                failed = true;
                print_failure(
                    &table,
                    &otel::explain_ingest_failure(&e, &table, Some(&tables), &session.profile.name),
                );
            }
        }
    }
    if failed {
        return Err(AlreadyReported.into());
    }
    remember(
        &session.profile.name,
        &[("otel_tables", &tables.to_string())],
    );
    Ok(())
}

/// `✗ table  what happened` then `  fix: what to do`, on stdout with the ✓ lines.
fn print_failure(table: &str, explained: &str) {
    let (message, fix) = ui::message_and_fix(explained);
    println!("✗ {table}  {message}");
    if !fix.is_empty() {
        println!("  fix: {fix}");
    }
}

/// The profile as saved, if there is one (for commands that need no login).
pub(super) fn saved_profile(profile_flag: Option<&str>) -> Result<Option<Profile>> {
    let name = profile::selected_name(profile_flag)?;
    Config::load(&paths::config_dir()?)?.profile(&name)
}

/// The tables from --tables, else the ones remembered in the profile.
pub(super) fn tables(flag: &OtelTablesArg, profile: Option<&Profile>) -> Result<Tables> {
    match (&flag.tables, profile.and_then(|p| p.otel_tables.as_ref())) {
        (Some(tables), _) => Ok(tables.clone()),
        (None, Some(saved)) => Tables::parse(saved, "otel_tables in agentgw's config.toml"),
        (None, None) => Err(Classified::explained(
            Kind::MissingInput,
            "no telemetry tables given, and none remembered in the profile\n\
             Pass --tables CATALOG.SCHEMA.PREFIX (e.g. main.agents.claude); it is remembered in the profile afterwards.",
        )
        .into()),
    }
}

pub(super) fn warehouse<'a>(
    session: &'a Session,
    http: &'a crate::gateway::Http,
    id: &'a str,
    flag: &WarehouseArgs,
) -> Warehouse<'a> {
    Warehouse {
        http,
        host: &session.host,
        token: &session.token,
        id,
        deadline: Instant::now() + Duration::from_secs(flag.timeout),
    }
}

/// Saves fields of the profile that worked, so the next run needs no flags. The command itself
/// succeeded: a config that cannot be saved is a warning, not a failure.
pub(super) fn remember(profile_name: &str, fields: &[(&str, &str)]) {
    let saved = super::session::update_config(|config| {
        for (field, value) in fields {
            config.set_field(profile_name, field, Some(value));
        }
    });
    if let Err(e) = saved {
        let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
        ui::warn(&format!(
            "could not remember {} in the profile ({e:#}); pass them again next time",
            names.join(" and ")
        ));
    }
}
