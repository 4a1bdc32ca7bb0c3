//! Integration tests: the real `agentgw` binary in a temporary HOME against a stand-in gateway.
//! One test binary (modules below) so the suite links once.

#[path = "../support/mod.rs"]
mod support;

mod apply;
mod common;
mod completions;
mod concurrency;
mod copilot;
mod corpus_setup;
mod crash;
#[cfg(feature = "cursor")]
mod cursor;
mod dashboard;
mod discovery;
mod doctor;
mod doctor_traffic;
mod exec;
mod faults;
mod help;
mod hostile;
mod json_errors;
mod keyring;
mod login;
mod logout;
mod man;
mod models;
mod oauth_agents;
mod oauth_login;
mod oauth_secrets;
mod oauth_ux;
mod opencode;
mod otel;
mod pi;
mod prices;
mod profiles;
mod prompts;
mod relay;
mod rich_home;
mod secrets;
mod setup;
mod setup_requests;
mod stand_in_oidc;
mod status;
mod test_cmd;
mod token;
mod token_copies;
mod usage;
mod usage_errors;
mod usage_gateway;
mod versions;
mod warehouses;
