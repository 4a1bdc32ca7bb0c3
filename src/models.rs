//! The models the workspace serves, and which of them each agent gets.
//!
//! Served models are listed, in this order of trust: the Unity Catalog model services of
//! `system.ai` (what the Unity AI Gateway serves; agents send `system.ai.<model>`), the gateway's
//! Anthropic models list (Claude only), then the workspace's serving endpoints (legacy
//! `databricks-<model>` names). The gateway answers `system.ai.<m>` and `databricks-<m>` as the same
//! model, so a name is compared by its [`base`].
//!
//! Choosing: the newest model of the agent's family, newest by the numbers in its name
//! (`claude-opus-4-6` > `claude-opus-4-5` > `claude-3-7-sonnet`). Claude Code also gets its opus,
//! sonnet and haiku aliases (it sends background work, titles and subagents to them); a family the
//! workspace does not serve takes the nearest one that it does.

use crate::gateway::Http;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The schema of Unity Catalog holding the gateway's models.
const SYSTEM_AI: &str = "system.ai.";
/// The legacy serving-endpoint prefix of the same models.
const LEGACY: &str = "databricks-";
/// How many pages of model services to read at most (100 a page).
const MAX_PAGES: usize = 20;

/// Where a list of served models came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    ModelServices,
    ClaudeModels,
    ServingEndpoints,
}

impl Source {
    pub fn describe(self) -> &'static str {
        match self {
            Source::ModelServices => "the workspace's model services (system.ai)",
            Source::ClaudeModels => "the gateway's Claude models list",
            Source::ServingEndpoints => "the workspace's serving endpoints",
        }
    }
}

/// The served model names as one source listed them.
#[derive(Debug, Clone)]
pub struct Served {
    pub source: Source,
    pub names: Vec<String>,
}

impl Served {
    /// Whether `model` (under either of its names) is served.
    pub fn serves(&self, model: &str) -> bool {
        self.names.iter().any(|n| same_model(n, model))
    }

    /// The served names, for a message.
    pub fn shown(&self) -> String {
        self.names.join(", ")
    }
}

/// The model a name stands for: `system.ai.<m>` and `databricks-<m>` are both `<m>`
/// (`system.ai.databricks-<m>` is not `<m>`: the gateway has no such model).
pub fn base(name: &str) -> &str {
    name.strip_prefix(SYSTEM_AI)
        .or_else(|| name.strip_prefix(LEGACY))
        .unwrap_or(name)
}

/// Whether two names reach the same model on the gateway.
pub fn same_model(a: &str, b: &str) -> bool {
    base(a) == base(b)
}

/// The model families agentgw chooses for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Claude,
    Gpt,
    Gemini,
}

impl Family {
    /// The family a served model belongs to, by the words of its name (`claude`; a name
    /// starting with `gpt`, open-weights `gpt-oss` excepted; `gemini`): what an agent with one
    /// provider per family (OpenCode, Pi) routes it by. `None` for other models.
    pub fn of_model(model: &str) -> Option<Family> {
        let base = base(model).to_ascii_lowercase();
        let words: Vec<&str> = base.split(['-', '_', '.', '/']).collect();
        if words.contains(&"claude") {
            Some(Family::Claude)
        } else if words.first() == Some(&"gpt") && !words.contains(&"oss") {
            Some(Family::Gpt)
        } else if words.contains(&"gemini") {
            Some(Family::Gemini)
        } else {
            None
        }
    }

    /// The family an agent's models belong to, by agent id.
    pub fn of_agent(id: &str) -> Option<Family> {
        match id {
            // Copilot CLI: Claude, as the vendor's configurator chooses (it refuses Gemini models).
            "claude" | "copilot" => Some(Family::Claude),
            "codex" => Some(Family::Gpt),
            "gemini" => Some(Family::Gemini),
            // Pi speaks all three; its default is a Claude model.
            "pi" => Some(Family::Claude),
            // So does OpenCode.
            "opencode" => Some(Family::Claude),
            _ => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Family::Claude => "Claude",
            Family::Gpt => "GPT",
            Family::Gemini => "Gemini flash",
        }
    }
}

/// Asks the workspace what it serves, each list at most once per run and only when needed.
pub struct Lister<'a> {
    http: &'a Http,
    host: &'a str,
    /// `<gateway><claude path>`, where `v1/models` lists the Claude models.
    claude_base: String,
    token: &'a str,
    services: OnceLock<Listed>,
    claude: OnceLock<Listed>,
    endpoints: OnceLock<Listed>,
}

impl<'a> Lister<'a> {
    pub fn new(http: &'a Http, host: &'a str, claude_base: String, token: &'a str) -> Self {
        Lister {
            http,
            host,
            claude_base,
            token,
            services: OnceLock::new(),
            claude: OnceLock::new(),
            endpoints: OnceLock::new(),
        }
    }

    /// The first source that lists models for `family`'s agent: model services, then (Claude
    /// only) the gateway's Claude list, then serving endpoints. `None` when none answered with
    /// a model: the workspace cannot be asked.
    pub fn served_for(&self, family: Family) -> Option<Served> {
        let found = |source, listed: &Listed| match listed {
            Listed::Names(names) if !names.is_empty() => Some(Served {
                source,
                names: names.clone(),
            }),
            _ => None,
        };
        self.ask_at_once(family == Family::Claude);
        let services = self.services.get_or_init(|| self.model_services());
        if let Some(served) = found(Source::ModelServices, services) {
            return Some(served);
        }
        if family == Family::Claude {
            let claude = self.claude.get_or_init(|| self.claude_models());
            if let Some(served) = found(Source::ClaudeModels, claude) {
                return Some(served);
            }
        }
        if *services == Listed::Unreachable {
            return None;
        }
        let endpoints = self
            .endpoints
            .get_or_init(|| listed(self.http.serving_endpoints(self.host, self.token)));
        found(Source::ServingEndpoints, endpoints)
    }

    /// What an agent may be given: its family's list (see [`Lister::served_for`]), and for
    /// Copilot CLI, which speaks Chat Completions to models of every family, every served model
    /// (model services, else serving endpoints; the gateway's Claude list would leave out GPT).
    pub fn served_to(&self, agent: &str) -> Option<Served> {
        match agent {
            "copilot" => self.served_any(),
            _ => self.served_for(Family::of_agent(agent)?),
        }
    }

    /// Every served model, of any family, for the model picker: model services, else serving
    /// endpoints.
    pub fn served_any(&self) -> Option<Served> {
        self.ask_at_once(false);
        let services = self.services.get_or_init(|| self.model_services());
        if let Listed::Names(names) = services
            && !names.is_empty()
        {
            return Some(Served {
                source: Source::ModelServices,
                names: names.clone(),
            });
        }
        if *services == Listed::Unreachable {
            return None;
        }
        match self
            .endpoints
            .get_or_init(|| listed(self.http.serving_endpoints(self.host, self.token)))
        {
            Listed::Names(names) if !names.is_empty() => Some(Served {
                source: Source::ServingEndpoints,
                names: names.clone(),
            }),
            _ => None,
        }
    }

    /// The first time a list is needed, every list that may be read after it is asked for at
    /// the same time (the Claude list only when `claude_list`): against a slow or unreachable
    /// workspace, a fallback waits for no earlier answer, so the lists take one round trip (or
    /// one timeout) instead of three. The answers a first list makes unneeded are the price.
    fn ask_at_once(&self, claude_list: bool) {
        if self.services.get().is_some() {
            return;
        }
        let (services, claude, endpoints) = std::thread::scope(|scope| {
            let claude = claude_list.then(|| scope.spawn(|| self.claude_models()));
            let endpoints =
                scope.spawn(|| listed(self.http.serving_endpoints(self.host, self.token)));
            let services = self.model_services();
            (
                services,
                claude.map(|t| t.join().expect("the Claude model list panicked")),
                endpoints
                    .join()
                    .expect("the serving endpoint list panicked"),
            )
        });
        let _ = self.services.set(services);
        if let Some(claude) = claude {
            let _ = self.claude.set(claude);
        }
        let _ = self.endpoints.set(endpoints);
    }

    /// `system.ai.<model>` for each model service of `system.ai`, every page.
    fn model_services(&self) -> Listed {
        let mut names = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url = format!(
                "{}/api/2.1/unity-catalog/model-services?parent=schemas/system.ai&page_size=100",
                self.host
            );
            if let Some(next) = &page_token {
                url.push_str("&page_token=");
                url.push_str(&crate::urls::encode_component(next));
            }
            let page = match self.http.get_json(&url, self.token) {
                Ok(page) => page,
                Err(e) => return listed(Err(e)),
            };
            names.extend(
                page["model_services"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["name"].as_str())
                    .map(|n| n.strip_prefix("model-services/").unwrap_or(n).to_string()),
            );
            page_token = page["next_page_token"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if page_token.is_none() {
                break;
            }
        }
        Listed::Names(names)
    }

    /// `data[].id` of `GET <gateway>/anthropic/v1/models`.
    fn claude_models(&self) -> Listed {
        let url = format!("{}/v1/models?limit=1000", self.claude_base);
        listed(self.http.get_json(&url, self.token).map(|list| {
            list["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m["id"].as_str().map(str::to_string))
                .collect()
        }))
    }
}

/// What one listing answered.
#[derive(Debug, PartialEq, Eq)]
enum Listed {
    Names(Vec<String>),
    /// An HTTP answer that is not a list (404: no such listing here; 403: no permission).
    Refused,
    /// No HTTP answer at all (DNS, connection, TLS, timeout).
    Unreachable,
}

fn listed(result: Result<Vec<String>, crate::gateway::RequestError>) -> Listed {
    match result {
        Ok(names) => Listed::Names(names),
        Err(e) if e.status.is_some() => Listed::Refused,
        Err(_) => Listed::Unreachable,
    }
}

/// The version in a model's name: what "newer" compares (`claude-opus-4-6` → [4, 6],
/// `claude-3-7-sonnet` → [3, 7], `gpt-5` → [5], `gpt-4o` → [4]). It is the first run of words
/// that start with a digit, up to a number of four or more digits: that is a snapshot date
/// (`claude-sonnet-4-20250514`), and the words after the run are a variant
/// (`gemini-2-5-flash-preview-05-20`), so neither makes a model newer than a higher version.
pub fn version(name: &str) -> Vec<u64> {
    /// The smallest number read as a date or snapshot rather than a version part.
    const SNAPSHOT: u64 = 1000;
    let leading_number = |word: &str| -> Option<u64> {
        let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        word[..digits].parse().ok()
    };
    base(name)
        .split(['-', '_', '.', '/'])
        .skip_while(|word| leading_number(word).is_none())
        .map_while(leading_number)
        .take_while(|n| *n < SNAPSHOT)
        .collect()
}

fn words(name: &str) -> Vec<String> {
    base(name)
        .to_ascii_lowercase()
        .split(['-', '_', '.', '/'])
        .map(str::to_string)
        .collect()
}

/// Whether a name marks a model not yet released (`-preview`, `-exp`).
fn is_preview(name: &str) -> bool {
    words(name)
        .iter()
        .any(|w| w == "preview" || w == "exp" || w == "experimental")
}

/// The newest of `names` (by [`version`]); among equals, the one `rank` puts first (lower rank
/// wins), then a released model before a preview of it, then the first listed.
fn newest<'n>(
    names: impl Iterator<Item = &'n String>,
    rank: impl Fn(&str) -> u8,
) -> Option<&'n String> {
    use std::cmp::Reverse;
    let key = |name: &str| {
        (
            version(name),
            Reverse(rank(name)),
            Reverse(is_preview(name)),
        )
    };
    let mut best: Option<&String> = None;
    for name in names {
        let better = match best {
            None => true,
            Some(b) => key(name) > key(b),
        };
        if better {
            best = Some(name);
        }
    }
    best
}

/// The three Claude families Claude Code has aliases for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Opus,
    Sonnet,
    Haiku,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Opus, Tier::Sonnet, Tier::Haiku];

    pub fn word(self) -> &'static str {
        match self {
            Tier::Opus => "opus",
            Tier::Sonnet => "sonnet",
            Tier::Haiku => "haiku",
        }
    }

    /// The key in `[profiles.P.models]` that remembers this alias.
    pub fn profile_key(self) -> &'static str {
        match self {
            Tier::Opus => "claude_opus",
            Tier::Sonnet => "claude_sonnet",
            Tier::Haiku => "claude_haiku",
        }
    }

    /// Claude Code's variable naming the model behind this alias.
    pub fn variable(self) -> &'static str {
        match self {
            Tier::Opus => "ANTHROPIC_DEFAULT_OPUS_MODEL",
            Tier::Sonnet => "ANTHROPIC_DEFAULT_SONNET_MODEL",
            Tier::Haiku => "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        }
    }

    /// The families to try, this one first, then the nearest: a missing haiku takes sonnet
    /// before opus (cheap work stays on the cheaper model), a missing opus takes sonnet before
    /// haiku, a missing sonnet takes opus before haiku.
    fn nearest(self) -> [Tier; 3] {
        match self {
            Tier::Opus => [Tier::Opus, Tier::Sonnet, Tier::Haiku],
            Tier::Sonnet => [Tier::Sonnet, Tier::Opus, Tier::Haiku],
            Tier::Haiku => [Tier::Haiku, Tier::Sonnet, Tier::Opus],
        }
    }
}

fn is_claude_tier(name: &str, tier: Tier) -> bool {
    let words = words(name);
    words.iter().any(|w| w == "claude") && words.iter().any(|w| w == tier.word())
}

/// The newest served model of `tier`, else of the nearest served tier.
pub fn claude_alias(names: &[String], tier: Tier) -> Option<String> {
    tier.nearest()
        .into_iter()
        .find_map(|t| newest(names.iter().filter(|n| is_claude_tier(n, t)), |_| 0))
        .cloned()
}

/// Codex's model: the newest GPT. Among one version the general model comes first (the
/// gateway's own setup page names it), then its `codex` variant, then `mini`/`nano`. `gpt-oss`
/// (open weights, served for chat completions, not the Responses API Codex speaks) is left out.
pub fn newest_gpt(names: &[String]) -> Option<String> {
    let is_gpt = |n: &&String| {
        let words = words(n);
        words.first().is_some_and(|w| w == "gpt") && !words.iter().any(|w| w == "oss")
    };
    let rank = |n: &str| {
        let words = words(n);
        if words.iter().any(|w| w == "mini" || w == "nano") {
            2
        } else if words.iter().any(|w| w.starts_with("codex")) {
            1
        } else {
            0
        }
    };
    newest(names.iter().filter(is_gpt), rank).cloned()
}

/// Gemini's model: the newest Gemini flash (`flash-lite` only when no full flash of that
/// version is served), else the newest Gemini of any kind.
pub fn newest_gemini(names: &[String]) -> Option<String> {
    let gemini = |n: &&String| words(n).iter().any(|w| w == "gemini");
    let flash = |n: &&String| words(n).iter().any(|w| w == "flash");
    let lite = |n: &str| u8::from(words(n).iter().any(|w| w == "lite"));
    newest(names.iter().filter(gemini).filter(flash), lite)
        .or_else(|| newest(names.iter().filter(gemini), lite))
        .cloned()
}

/// Whether a served model answers chat requests (what Cursor's custom models must be): every
/// model in `system.ai` does but the embedding ones (`gte-…`, `bge-…`, `…embed…`).
pub fn is_chat_model(name: &str) -> bool {
    let base = base(name).to_ascii_lowercase();
    !(base.starts_with("gte-") || base.starts_with("bge-") || base.contains("embed"))
}

/// The model of `family` agentgw would choose from `names`.
pub fn choose(family: Family, names: &[String]) -> Option<String> {
    match family {
        Family::Claude => claude_alias(names, Tier::Opus),
        Family::Gpt => newest_gpt(names),
        Family::Gemini => newest_gemini(names),
    }
}

/// Why no served model of `family` was chosen, for the note on stderr.
pub fn none_of_family(family: Family, served: &Served) -> String {
    format!(
        "{} lists no {} model",
        served.source.describe(),
        family.describe()
    )
}

/// The models behind Claude Code's three aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aliases {
    pub opus: String,
    pub sonnet: String,
    pub haiku: String,
}

impl Aliases {
    /// All three the same model: what Claude Code gets when nothing better is known, so its
    /// background requests go where its main ones do.
    pub fn all(model: &str) -> Aliases {
        Aliases {
            opus: model.to_string(),
            sonnet: model.to_string(),
            haiku: model.to_string(),
        }
    }

    /// The remembered aliases of a profile, each falling back to `model`.
    pub fn remembered(models: &BTreeMap<String, String>, model: &str) -> Aliases {
        let get = |tier: Tier| {
            models
                .get(tier.profile_key())
                .cloned()
                .unwrap_or_else(|| model.to_string())
        };
        Aliases {
            opus: get(Tier::Opus),
            sonnet: get(Tier::Sonnet),
            haiku: get(Tier::Haiku),
        }
    }

    pub fn get(&self, tier: Tier) -> &str {
        match tier {
            Tier::Opus => &self.opus,
            Tier::Sonnet => &self.sonnet,
            Tier::Haiku => &self.haiku,
        }
    }

    fn get_mut(&mut self, tier: Tier) -> &mut String {
        match tier {
            Tier::Opus => &mut self.opus,
            Tier::Sonnet => &mut self.sonnet,
            Tier::Haiku => &mut self.haiku,
        }
    }
}

/// What one agent gets, and what to remember of it.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub model: String,
    /// Claude Code's aliases (`None` for the other agents).
    pub aliases: Option<Aliases>,
    /// Said on stderr: a default used because the workspace could not be asked, a remembered
    /// model replaced because it is no longer served.
    pub notes: Vec<String>,
    /// `[profiles.P.models]` keys and values to store once the agent's files are written.
    pub remember: Vec<(String, String)>,
}

/// What the user asked for and what the workspace said, for [`resolve`].
pub struct Request<'a> {
    /// The agent's id (`claude`, `codex`, `gemini`).
    pub agent: &'a str,
    /// Used when the workspace cannot be asked (the product page's names).
    pub default_model: &'a str,
    /// `--model`.
    pub flag: Option<&'a str>,
    /// `--force`: write a `--model` the workspace does not list.
    pub force: bool,
    /// The profile's `[models]` table.
    pub remembered: &'a BTreeMap<String, String>,
    /// What the workspace serves, `None` when it could not be asked.
    pub served: Option<&'a Served>,
}

/// A `--model` the workspace does not serve: refused with the served names, unless `--force`.
#[derive(Debug)]
pub struct NotServed {
    pub model: String,
    pub served: Served,
}

impl std::fmt::Display for NotServed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--model {} is not served by this workspace; {} lists: {}\n\
             fix: pass one of those with --model, or add --force to write it anyway",
            self.model,
            self.served.source.describe(),
            self.served.shown()
        )
    }
}

impl std::error::Error for NotServed {}

/// The agent's model (and Claude's aliases): `--model`, else the remembered one while the
/// workspace still serves it, else the newest served model of the agent's family, else the
/// default (and a note saying why).
pub fn resolve(request: &Request) -> Result<Chosen, NotServed> {
    let family = Family::of_agent(request.agent);
    let mut notes = Vec::new();
    let mut remember = Vec::new();
    let served = request.served;
    let still_served = |m: &str| served.is_none_or(|s| s.serves(m));
    let from_workspace = || Some(choose(family?, &served?.names)).flatten();
    let model = match (request.flag, request.remembered.get(request.agent)) {
        (Some(flag), _) => {
            if let Some(s) = served.filter(|s| !s.serves(flag))
                && !request.force
            {
                return Err(NotServed {
                    model: flag.to_string(),
                    served: s.clone(),
                });
            }
            remember.push((request.agent.to_string(), flag.to_string()));
            flag.to_string()
        }
        (None, Some(kept)) if still_served(kept) => kept.clone(),
        (None, kept) => {
            let chosen = from_workspace();
            match (&chosen, kept, served) {
                (Some(c), Some(old), Some(s)) => notes.push(format!(
                    "the remembered model {old} is no longer served ({} does not list it); using {c}",
                    s.source.describe()
                )),
                (None, _, Some(s)) => notes.push(format!(
                    "{}; using the default {}",
                    none_of_family(family.unwrap_or(Family::Claude), s),
                    request.default_model
                )),
                (None, _, None) => notes.push(format!(
                    "could not ask the workspace which models it serves; using the default {}",
                    request.default_model
                )),
                (Some(_), None, _) | (Some(_), Some(_), None) => {}
            }
            if let Some(c) = &chosen {
                remember.push((request.agent.to_string(), c.clone()));
            }
            chosen.unwrap_or_else(|| request.default_model.to_string())
        }
    };
    // Claude Code's aliases (Copilot CLI, given a Claude model too, has none).
    let aliases = (request.agent == "claude").then(|| {
        let mut aliases = Aliases::remembered(request.remembered, &model);
        for tier in Tier::ALL {
            let key = tier.profile_key();
            let kept = request.remembered.get(key);
            if kept.is_some_and(|k| still_served(k)) {
                continue;
            }
            let Some(chosen) = served.and_then(|s| claude_alias(&s.names, tier)) else {
                // Nothing better known: the alias follows the main model.
                *aliases.get_mut(tier) = model.clone();
                continue;
            };
            if let (Some(old), Some(s)) = (kept, served) {
                notes.push(format!(
                    "the remembered {} model {old} is no longer served ({} does not list it); using {chosen}",
                    tier.word(),
                    s.source.describe()
                ));
            }
            remember.push((key.to_string(), chosen.clone()));
            *aliases.get_mut(tier) = chosen;
        }
        aliases
    });
    Ok(Chosen {
        model,
        aliases,
        notes,
        remember,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn newer_means_larger_numbers_in_the_name() {
        assert!(version("claude-opus-4-6") > version("claude-opus-4-5"));
        assert!(version("system.ai.claude-opus-4-5") > version("databricks-claude-opus-4-1"));
        assert!(version("claude-sonnet-4") > version("claude-3-7-sonnet"));
        assert!(version("gpt-5-2") > version("gpt-5-1"));
        assert!(version("gpt-5-1") > version("gpt-5"));
        assert_eq!(version("gemini-2-5-flash"), [2, 5]);
    }

    #[test]
    fn a_date_or_snapshot_in_the_name_does_not_make_a_model_newer() {
        // The gateway's Claude list may give Anthropic's dated ids: Sonnet 4.5 is newer than
        // Sonnet 4 whatever their snapshot dates say.
        let dated = names(&[
            "claude-sonnet-4-20250514",
            "claude-sonnet-4-5-20250929",
            "claude-opus-4-20250514",
            "claude-opus-4-1-20250805",
            "claude-3-5-haiku-20241022",
            "claude-haiku-4-5-20251001",
        ]);
        assert_eq!(
            claude_alias(&dated, Tier::Sonnet).unwrap(),
            "claude-sonnet-4-5-20250929"
        );
        assert_eq!(
            claude_alias(&dated, Tier::Opus).unwrap(),
            "claude-opus-4-1-20250805"
        );
        assert_eq!(
            claude_alias(&dated, Tier::Haiku).unwrap(),
            "claude-haiku-4-5-20251001"
        );
        assert_eq!(
            newest_gpt(&names(&["gpt-4o-2024-08-06", "gpt-4-1", "gpt-5"])).unwrap(),
            "gpt-5"
        );
        // A preview's date is not a newer version: the released flash of 2.5 first.
        assert_eq!(
            newest_gemini(&names(&[
                "gemini-2-5-flash-preview-05-20",
                "gemini-2-5-flash"
            ]))
            .unwrap(),
            "gemini-2-5-flash"
        );
        assert_eq!(version("claude-opus-4-1-20250805"), [4, 1]);
        assert_eq!(version("gemini-2-5-flash-preview-05-20"), [2, 5]);
        assert_eq!(
            version("databricks-meta-llama-3-3-70b-instruct"),
            [3, 3, 70]
        );
        assert_eq!(version("gpt-4o-2024-08-06"), [4]);
    }

    #[test]
    fn both_names_of_a_model_are_the_same_model() {
        assert!(same_model(
            "system.ai.claude-opus-4-6",
            "databricks-claude-opus-4-6"
        ));
        assert!(!same_model(
            "system.ai.databricks-claude-opus-4-6",
            "databricks-claude-opus-4-6"
        ));
        assert!(!same_model("system.ai.gpt-5-2", "system.ai.gpt-5-1"));
    }

    #[test]
    fn each_claude_alias_is_the_newest_of_its_family() {
        let served = names(&[
            "system.ai.claude-3-7-sonnet",
            "system.ai.claude-opus-4-5",
            "system.ai.claude-opus-4-6",
            "system.ai.claude-sonnet-4-5",
            "system.ai.claude-haiku-4-5",
            "system.ai.claude-sonnet-4",
        ]);
        assert_eq!(
            claude_alias(&served, Tier::Opus).unwrap(),
            "system.ai.claude-opus-4-6"
        );
        assert_eq!(
            claude_alias(&served, Tier::Sonnet).unwrap(),
            "system.ai.claude-sonnet-4-5"
        );
        assert_eq!(
            claude_alias(&served, Tier::Haiku).unwrap(),
            "system.ai.claude-haiku-4-5"
        );
    }

    #[test]
    fn a_missing_claude_family_takes_the_nearest_served_one() {
        let no_haiku = names(&["claude-opus-4-6", "claude-sonnet-4-5"]);
        assert_eq!(
            claude_alias(&no_haiku, Tier::Haiku).unwrap(),
            "claude-sonnet-4-5"
        );
        let no_opus = names(&["claude-haiku-4-5", "claude-sonnet-4-5"]);
        assert_eq!(
            claude_alias(&no_opus, Tier::Opus).unwrap(),
            "claude-sonnet-4-5"
        );
        let only_haiku = names(&["claude-haiku-4-5", "gpt-5-2"]);
        assert_eq!(
            claude_alias(&only_haiku, Tier::Opus).unwrap(),
            "claude-haiku-4-5"
        );
        let only_opus = names(&["claude-opus-4-1"]);
        assert_eq!(
            claude_alias(&only_opus, Tier::Haiku).unwrap(),
            "claude-opus-4-1"
        );
        assert_eq!(claude_alias(&names(&["gpt-5-2"]), Tier::Sonnet), None);
    }

    #[test]
    fn codex_gets_the_newest_general_gpt() {
        let served = names(&[
            "databricks-gpt-5",
            "databricks-gpt-5-1-codex-max",
            "databricks-gpt-5-2-codex",
            "databricks-gpt-5-2",
            "databricks-gpt-5-mini",
            "databricks-gpt-oss-120b",
            "databricks-claude-opus-4-6",
        ]);
        assert_eq!(newest_gpt(&served).unwrap(), "databricks-gpt-5-2");
        let only_codex = names(&["gpt-5-1-codex-max", "gpt-5", "gpt-oss-120b"]);
        assert_eq!(newest_gpt(&only_codex).unwrap(), "gpt-5-1-codex-max");
        assert_eq!(newest_gpt(&names(&["gpt-oss-20b"])), None);
    }

    #[test]
    fn embedding_models_are_not_chat_models() {
        assert!(is_chat_model("system.ai.claude-opus-4-6"));
        assert!(is_chat_model("databricks-meta-llama-3-3-70b-instruct"));
        assert!(!is_chat_model("system.ai.gte-large-en"));
        assert!(!is_chat_model("databricks-bge-large-en"));
        assert!(!is_chat_model("system.ai.qwen3-embedding-0-6b"));
    }

    #[test]
    fn gemini_gets_the_newest_flash() {
        let served = names(&[
            "system.ai.gemini-2-5-pro",
            "system.ai.gemini-2-5-flash",
            "system.ai.gemini-2-0-flash",
            "system.ai.gemini-2-5-flash-lite",
        ]);
        assert_eq!(
            newest_gemini(&served).unwrap(),
            "system.ai.gemini-2-5-flash"
        );
        let only_pro = names(&["gemini-2-5-pro", "gemini-1-5-pro"]);
        assert_eq!(newest_gemini(&only_pro).unwrap(), "gemini-2-5-pro");
    }
}
