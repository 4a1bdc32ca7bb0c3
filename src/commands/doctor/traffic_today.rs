//! "Is my traffic arriving?": today's requests through the gateway per agent for this user, from
//! the gateway's usage table — the same query `agentgw usage` runs, for one day.
//!
//! Only on the SQL warehouse the profile remembers (`agentgw usage` remembers the one it used),
//! and only while it is running: doctor never starts a warehouse (that takes minutes and costs
//! money) and never lists the workspace's. Bounded by the HTTP timeout like every other check.
//! When the table cannot be read (no warehouse, not running, no grant, too slow) there is no
//! line: this is a convenience, and `agentgw usage` explains each of those failures.

use super::Check;
use crate::commands::session::ProfileState;
use crate::gateway::Http;
use crate::sql::Warehouse;
use crate::usage::query::{self, Users};
use crate::usage::report::{agent_name, agent_rank};
use crate::warehouses::{self, State};
use std::time::Instant;

const AREA: &str = "usage";

pub fn run(base: &ProfileState) -> Vec<Check> {
    requests_today(base)
        .map(|per_agent| vec![Check::ok(AREA, "traffic-today", message(&per_agent))])
        .unwrap_or_default()
}

/// (agent id, requests) for today, in `agents::ALL`'s order with `other` last; `None` when the
/// table could not be read.
fn requests_today(base: &ProfileState) -> Option<Vec<(String, u64)>> {
    let profile = base.profile.as_ref()?;
    let (host, token) = (profile.host.as_deref()?, base.token()?);
    let id = profile.warehouse_id.as_deref()?;
    let http = Http::new(profile.ca_file.as_deref()).ok()?;
    let warehouse = warehouses::get(&http, host, token, id).ok()??;
    if warehouse.state != State::Running {
        return None;
    }
    let sql = Warehouse {
        http: &http,
        host,
        token,
        id,
        deadline: Instant::now() + http.timeout(),
    };
    let result = sql
        .run_with(query::TEMPLATE, &query::parameters(1, Users::Me))
        .ok()?;
    let records = query::records(&result).ok()?.records;
    let mut per_agent: Vec<(String, u64)> = Vec::new();
    for record in records {
        match per_agent
            .iter_mut()
            .find(|(agent, _)| *agent == record.agent)
        {
            Some((_, n)) => *n += record.requests,
            None => per_agent.push((record.agent, record.requests)),
        }
    }
    per_agent.sort_by_key(|(agent, _)| agent_rank(agent));
    Some(per_agent)
}

fn message(per_agent: &[(String, u64)]) -> String {
    if per_agent.is_empty() {
        return "no requests from you through the gateway today yet (system.ai_gateway.usage; it can lag by some minutes)".into();
    }
    let counts: Vec<String> = per_agent
        .iter()
        .map(|(agent, n)| {
            format!(
                "{} {}",
                agent_name(agent),
                crate::ui::plural(*n as usize, "request")
            )
        })
        .collect();
    format!(
        "today through the gateway: {} (system.ai_gateway.usage)",
        counts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_named_per_agent_and_nothing_says_the_table_may_lag() {
        let counts = [("claude".to_string(), 12), ("other".to_string(), 1)];
        assert_eq!(
            message(&counts),
            "today through the gateway: Claude Code 12 requests, Other 1 request (system.ai_gateway.usage)"
        );
        assert!(message(&[]).starts_with("no requests from you through the gateway today yet"));
    }
}
