//! What the agent commands share: the logged-in profile and its token, and an agent's context.

use crate::agents::{self, Context, SetupOptions};
use crate::profile::{self, Config, Profile};
use crate::{credential, paths};
use anyhow::{Context as _, Result, anyhow, bail};
use std::path::PathBuf;

pub struct Session {
    pub profile: Profile,
    pub host: String,
    pub gateway: String,
    pub token: String,
    pub agentgw: PathBuf,
}

impl Session {
    /// The selected profile with a readable token, or an error naming `agentgw login`.
    pub fn load(profile_flag: Option<&str>) -> Result<Session> {
        let name = profile::selected_name(profile_flag)?;
        let config_dir = paths::config_dir()?;
        let login = format!("agentgw login --profile {name}");
        let profile = Config::load(&config_dir)?
            .profile(&name)?
            .ok_or_else(|| anyhow!("no profile '{name}' yet; run: {login}"))?;
        let host = profile
            .host
            .clone()
            .ok_or_else(|| anyhow!("profile '{name}' has no workspace host; run: {login}"))?;
        let gateway = profile
            .gateway()
            .unwrap_or_else(|| profile::default_gateway(&host));
        let Some((token, _)) = credential::read(&config_dir, Some(&profile))? else {
            bail!("not logged in (profile '{name}'); run: {login}");
        };
        // Agents call this very binary back for the token: name it by an absolute, resolved path.
        let agentgw = std::env::current_exe()
            .and_then(std::fs::canonicalize)
            .context("cannot find the path of the agentgw binary")?;
        Ok(Session {
            profile,
            host,
            gateway,
            token,
            agentgw,
        })
    }

    pub fn context<'a>(
        &'a self,
        model: String,
        options: &'a SetupOptions,
        version: Option<agents::Version>,
    ) -> Context<'a> {
        Context {
            profile: &self.profile,
            host: self.host.clone(),
            gateway: self.gateway.clone(),
            model,
            agentgw: self.agentgw.clone(),
            token: &self.token,
            options,
            version,
        }
    }

    pub fn http(&self) -> Result<crate::gateway::Http> {
        crate::gateway::Http::new(self.profile.ca_file.as_deref())
    }
}
