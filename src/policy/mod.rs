//! A team's policy file for `agentgw apply`: which workspace to be logged in to, and which agents
//! to set up with which model. `model` holds what it asks for; `parse` reads the TOML and refuses
//! anything it does not know, pointing at the line; `source` reads the file (or stdin);
//! `published` adds what the workspace's admins publish (`apply --from-workspace`).

mod model;
mod parse;
mod published;
mod source;

pub use model::{AgentPolicy, Policy, Workspace};
pub use parse::{PolicyError, parse};
pub use published::with_published;
pub use source::read;
