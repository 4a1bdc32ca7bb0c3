//! `model-served`: the model an agent's config names is one the workspace serves (under either
//! of its names), else the served names and the setup that chooses one; also the other models
//! the agent's config names (`Agent::other_models`: Claude Code's aliases, where its background
//! work goes).

use super::{Check, Status};
use crate::agents::{self, Agent, Configured};
use crate::commands::session::ProfileState;
use crate::models::{Family, Lister};

pub fn check(agent: &dyn Agent, base: &ProfileState, configured: &Configured) -> Option<Check> {
    let area = agent.id();
    // An agent agentgw chooses no model for has none to check.
    Family::of_agent(area)?;
    // No token or profile: the token and gateway checks say so already.
    let token = base.token()?;
    let profile = base.profile.as_ref()?;
    let host = profile.host.clone()?;
    let http = crate::gateway::Http::new(profile.ca_file.as_deref()).ok()?;
    let claude_base = agents::by_id("claude").map_or_else(String::new, |claude| {
        agents::gateway_base(claude, &profile.gateway().unwrap_or_default(), profile)
    });
    let lister = Lister::new(&http, &host, claude_base, token);
    let model = &configured.model;
    let Some(served) = lister.served_to(area) else {
        return Some(Check::ok(
            area,
            "model-served",
            format!("{model}: the workspace lists no models to check it against"),
        ));
    };
    // Each model the agent will name, with where it is set.
    let mut named = vec![(model.clone(), configured.model_from.clone())];
    named.extend(agent.other_models(configured));
    let not_served: Vec<String> = named
        .iter()
        .filter(|(m, _)| !served.serves(m))
        .map(|(m, from)| format!("{m} ({from})"))
        .collect();
    let distinct: std::collections::BTreeSet<&str> =
        named.iter().map(|(m, _)| m.as_str()).collect();
    Some(if not_served.is_empty() {
        let verb = if distinct.len() > 1 { "are" } else { "is" };
        Check::ok(
            area,
            "model-served",
            format!(
                "{} {verb} served ({})",
                distinct.into_iter().collect::<Vec<_>>().join(", "),
                served.source.describe()
            ),
        )
    } else {
        Check::new(
            area,
            "model-served",
            Status::Fail,
            format!(
                "{} {} not served by this workspace; {} lists: {}",
                not_served.join(", "),
                if not_served.len() > 1 { "are" } else { "is" },
                served.source.describe(),
                served.shown()
            ),
            format!(
                "agentgw setup {area} (chooses a served model), or agentgw setup {area} --model <one of those>"
            ),
        )
    })
}
