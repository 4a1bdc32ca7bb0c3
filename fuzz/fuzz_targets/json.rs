//! The json editor on arbitrary input: see fuzz/src/check.rs for the property.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| agentgw_fuzz::run(agentgw::edit::Format::Json, data));
