//! Tests of the format-preserving edit engine (`agentgw::edit`): exact bytes in, exact bytes out.

mod dotenv;
mod errors;
mod files;
mod json;
mod props;
mod support;
mod toml;
mod undo;
