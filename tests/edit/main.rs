//! Tests of the format-preserving edit engine (`agentgw::edit`): exact bytes in, exact bytes out.

#[path = "../../fuzz/src/check.rs"]
mod check;
mod corpus;
mod dotenv;
mod errors;
mod files;
mod json;
mod props;
mod support;
mod toml;
mod undo;
