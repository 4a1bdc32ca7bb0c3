//! The real agent CLIs (pinned in versions.txt, installed by scripts/install-agents.sh) run headless
//! against the stand-in gateway, with their config files written by hand in the shapes `agentgw setup`
//! writes; the assertions read the stand-in's request log.
//!
//! - `scripts/install-agents.sh` first (once; reruns are free). `AGENTGW_AGENTS_DIR` moves the installs.
//!   Without them these tests print "skipped: ..." and pass, except under `CI`, where they fail.
//! - `AGENTGW_AGENT_LOG=1 cargo test --test agents -- --nocapture --test-threads=1` prints each run and
//!   every request the agent sent; `AGENTGW_AGENT_LOG=trace` also runs the agents under strace and
//!   lists their connections off loopback (DNS lookups included).
//! - Each run gets a fresh HOME, a bounded time (harness::RUN_TIMEOUT) and is killed with its children.

#[path = "../support/mod.rs"]
mod support;

mod claude;
mod codex;
mod copilot;
mod exec;
mod folders;
mod gemini;
mod harness;
mod models;
mod oauth;
mod opencode;
mod pi;
mod relay;
mod routes;
mod setup;
mod stand_in;
mod versions;
