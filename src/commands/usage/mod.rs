//! `agentgw usage`: what the agents cost. By default from the gateway's own usage table (every
//! agent's requests); with `--source otel` from Claude Code's telemetry metrics table.

mod gateway;
mod otel;

use crate::cli::{UsageArgs, UsageSource};
use crate::errors::{Classified, Kind};
use anyhow::Result;

pub fn run(profile_flag: Option<&str>, args: UsageArgs) -> Result<()> {
    match source(&args)? {
        UsageSource::Gateway => gateway::run(profile_flag, args),
        UsageSource::Otel => otel::run(profile_flag, args),
    }
}

/// `--source`, else `otel` when telemetry tables are named (`--tables` alone keeps meaning what
/// it meant before the gateway's table existed), else `gateway`. Flags of the other source are
/// usage errors, named.
fn source(args: &UsageArgs) -> Result<UsageSource> {
    let source = args.source.unwrap_or(match args.tables.tables {
        Some(_) => UsageSource::Otel,
        None => UsageSource::Gateway,
    });
    let refused = match source {
        UsageSource::Gateway if args.tables.tables.is_some() => Some((
            "--tables",
            "names telemetry tables, which only --source otel reads",
        )),
        UsageSource::Otel if args.agent.is_some() => Some((
            "--agent",
            "filters the gateway's table; the telemetry tables hold Claude Code's numbers only",
        )),
        UsageSource::Otel if args.all_users => Some((
            "--all-users",
            "is for the gateway's table; the telemetry tables hold everyone's numbers already",
        )),
        UsageSource::Otel if args.by == crate::cli::UsageBy::Agent => Some((
            "--by agent",
            "needs the gateway's table; the telemetry tables hold Claude Code's numbers only",
        )),
        UsageSource::Otel if args.csv => Some((
            "--csv",
            "is for the gateway's table; use --json with --source otel",
        )),
        _ => None,
    };
    match refused {
        Some((flag, why)) => Err(Classified::explained(
            Kind::Usage,
            format!("{flag} {why}\nDrop {flag}, or choose the other --source."),
        )
        .into()),
        None => Ok(source),
    }
}
