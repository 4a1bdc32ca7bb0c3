//! The real agent CLIs (pinned in versions.txt, installed by scripts/install-agents.sh) run headless
//! against the stand-in gateway, with their config files written by hand in the shapes `agentgw setup`
//! writes; the assertions read the stand-in's request log.

#[path = "../support/mod.rs"]
mod support;

mod claude;
mod codex;
mod gemini;
mod harness;
mod stand_in;
mod versions;
