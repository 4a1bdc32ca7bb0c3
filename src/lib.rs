//! agentgw: point coding agents at a Databricks AI Gateway.

pub mod edit;
