//! `agentgw usage` (the default source): the gateway's usage table. Being built (issue 15).

use crate::cli::UsageArgs;
use anyhow::{Result, bail};

pub fn run(_profile_flag: Option<&str>, _args: UsageArgs) -> Result<()> {
    bail!("agentgw usage --source gateway is being built")
}
