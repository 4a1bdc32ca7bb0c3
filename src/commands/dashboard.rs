//! `agentgw dashboard create|open`. Being built (issue 15).

use crate::cli::DashboardArgs;
use anyhow::{Result, bail};

pub fn run(_profile_flag: Option<&str>, _args: DashboardArgs) -> Result<()> {
    bail!("agentgw dashboard is being built")
}
