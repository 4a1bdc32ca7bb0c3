//! agentgw: point coding agents at a Databricks AI Gateway.
//!
//! The binary (src/main.rs) only parses arguments and maps errors to exit codes; everything else
//! lives here so integration tests can drive the edit engine directly.

pub mod agents;
pub mod bounded;
pub mod check;
pub mod cli;
pub mod commands;
pub mod credential;
pub mod dashboard;
pub mod databrickscfg;
pub mod discovery;
pub mod edit;
pub mod errors;
pub mod gateway;
pub mod models;
pub mod oauth;
pub mod otel;
pub mod paths;
pub mod policy;
pub mod prices;
pub mod profile;
pub mod relay;
pub mod sql;
pub mod ui;
pub mod urls;
pub mod usage;
pub mod warehouses;
pub mod workspace_configs;
