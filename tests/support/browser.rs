//! A headless browser for the sign-in tests. agentgw opens the authorize URL with `$BROWSER <url>`;
//! here `$BROWSER` is a /bin/sh script that appends the URL to a file, and a thread of the test
//! picks each URL up and does what a browser with an already signed-in user does: GET it, follow
//! the redirects (the stand-in's auto-consent sends it on to agentgw's loopback listener) and keep
//! the final page. Behaviours other than [`BrowserBehaviour::Follow`] play the user or the network
//! going wrong.
//!
//! Traffic goes to loopback only (see `http`); `localhost` is 127.0.0.1, where agentgw listens.

use super::encoding::{build_query, query_pairs};
use super::http;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How many redirects one visit follows before giving up (a loop).
const MAX_HOPS: usize = 10;
/// How often the follower looks for new URLs.
const POLL: Duration = Duration::from_millis(20);

/// What the browser does with a URL it is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BrowserBehaviour {
    /// Opens it and follows every redirect, to agentgw's listener too.
    #[default]
    Follow,
    /// Opens it (the stand-in sees the authorize request) but follows no redirect: the user
    /// closed the tab, and agentgw's listener never hears back.
    OpenOnly,
    /// Follows, but changes `state` on the way to agentgw's listener (a forged callback).
    ReplayWrongState,
    /// Follows, but leaves `code` out of the callback (a mangled redirect).
    DropCode,
    /// Follows, but puts an unknown `code` in the callback: agentgw's exchange gets invalid_grant.
    ForgeCode,
}

/// One URL the browser was given, and how it went.
#[derive(Clone, Debug)]
pub struct Visit {
    /// The URL agentgw opened.
    pub url: String,
    /// The status of the last page (0: it could not be loaded; `final_body` says why).
    pub final_status: u16,
    pub final_body: String,
    /// Every URL requested, in order: `url` first, then each redirect target as requested.
    pub hops: Vec<String>,
}

#[derive(Default)]
struct Shared {
    visits: Mutex<Vec<Visit>>,
    changed: Condvar,
    stop: AtomicBool,
}

pub struct Browser {
    script: PathBuf,
    inbox: PathBuf,
    shared: Arc<Shared>,
    /// How many visits `wait_for_visit` has handed out.
    handed_out: Mutex<usize>,
}

impl Browser {
    /// A browser that follows every redirect.
    pub fn start(dir: &Path) -> Browser {
        Browser::start_with(dir, BrowserBehaviour::Follow)
    }

    /// A browser whose script and inbox live in `dir` (which must exist).
    pub fn start_with(dir: &Path, behaviour: BrowserBehaviour) -> Browser {
        let dir = std::path::absolute(dir).expect("an absolute directory for the browser");
        let script = dir.join("browser.sh");
        let inbox = dir.join("browser-urls.txt");
        let inbox_text = inbox.to_string_lossy();
        assert!(
            !inbox_text.contains('\''),
            "the browser's folder must not contain a quote: {inbox_text}"
        );
        std::fs::write(&inbox, "").expect("create the browser's inbox");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\n\
                 # $BROWSER for agentgw's tests: hands each URL to the test's headless browser.\n\
                 for url in \"$@\"; do\n  printf '%s\\n' \"$url\" >> '{inbox_text}'\ndone\n"
            ),
        )
        .expect("write the browser script");
        make_executable(&script);
        let shared = Arc::new(Shared::default());
        let follower = Arc::clone(&shared);
        let watched = inbox.clone();
        thread::spawn(move || follow_inbox(&watched, behaviour, &follower));
        Browser {
            script,
            inbox,
            shared,
            handed_out: Mutex::new(0),
        }
    }

    /// The value for `BROWSER`: the script's absolute path.
    pub fn command(&self) -> String {
        self.script.to_string_lossy().into_owned()
    }

    /// Opens `url` as if agentgw had run the script (say, a URL agentgw printed with `--no-browser`).
    pub fn open(&self, url: &str) {
        use std::io::Write;
        let mut inbox = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.inbox)
            .expect("open the browser's inbox");
        writeln!(inbox, "{url}").expect("write to the browser's inbox");
    }

    /// The finished visits, in the order the URLs arrived.
    pub fn visits(&self) -> Vec<Visit> {
        self.shared.visits.lock().unwrap().clone()
    }

    /// The next finished visit this method has not returned yet, waiting up to `timeout` for it.
    pub fn wait_for_visit(&self, timeout: Duration) -> Option<Visit> {
        let mut handed_out = self.handed_out.lock().unwrap();
        let deadline = Instant::now() + timeout;
        let mut visits = self.shared.visits.lock().unwrap();
        while visits.len() <= *handed_out {
            let left = deadline.checked_duration_since(Instant::now())?;
            visits = self.shared.changed.wait_timeout(visits, left).unwrap().0;
        }
        *handed_out += 1;
        Some(visits[*handed_out - 1].clone())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("make the browser script executable");
}

/// The follower thread: visits each complete line appended to `inbox`, until the Browser is dropped.
fn follow_inbox(inbox: &Path, behaviour: BrowserBehaviour, shared: &Shared) {
    let mut seen = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        let text = std::fs::read_to_string(inbox).unwrap_or_default();
        // Only lines the script finished writing (ending in a newline).
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        let urls: Vec<&str> = complete.lines().filter(|l| !l.trim().is_empty()).collect();
        for url in urls.iter().skip(seen) {
            let visit = visit(url.trim(), behaviour);
            shared.visits.lock().unwrap().push(visit);
            shared.changed.notify_all();
        }
        seen = urls.len();
        thread::sleep(POLL);
    }
}

fn visit(url: &str, behaviour: BrowserBehaviour) -> Visit {
    let mut hops = vec![url.to_string()];
    let mut current = url.to_string();
    loop {
        let response = match http::get(&current) {
            Ok(response) => response,
            Err(error) => {
                return Visit {
                    url: url.to_string(),
                    final_status: 0,
                    final_body: format!("could not load {current}: {error}"),
                    hops,
                };
            }
        };
        let location = response.header("Location").map(str::to_string);
        let redirected = matches!(response.status, 301 | 302 | 303 | 307 | 308);
        let stop_here = behaviour == BrowserBehaviour::OpenOnly || hops.len() > MAX_HOPS;
        match location.filter(|_| redirected && !stop_here) {
            Some(location) => {
                current = tamper(&resolve(&current, &location), behaviour);
                hops.push(current.clone());
            }
            None => {
                return Visit {
                    url: url.to_string(),
                    final_status: response.status,
                    final_body: response.body,
                    hops,
                };
            }
        }
    }
}

/// A redirect target as an absolute URL (a `/path` Location is relative to the current origin).
fn resolve(current: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    let origin_end = current
        .strip_prefix("http://")
        .and_then(|rest| rest.find('/'))
        .map_or(current.len(), |at| at + "http://".len());
    format!("{}{}", &current[..origin_end], location)
}

/// Applies the behaviour to a redirect that carries OAuth's `state` back to the client (the
/// callback to agentgw's listener); other redirects pass untouched.
fn tamper(url: &str, behaviour: BrowserBehaviour) -> String {
    let mut pairs = query_pairs(url);
    if !pairs.iter().any(|(k, _)| k == "state") {
        return url.to_string();
    }
    match behaviour {
        BrowserBehaviour::ReplayWrongState => {
            for (k, v) in &mut pairs {
                if k == "state" {
                    *v = format!("forged-{v}");
                }
            }
        }
        BrowserBehaviour::DropCode => pairs.retain(|(k, _)| k != "code"),
        BrowserBehaviour::ForgeCode => {
            for (k, v) in &mut pairs {
                if k == "code" {
                    *v = "forged-code-0000000000000000".to_string();
                }
            }
        }
        BrowserBehaviour::Follow | BrowserBehaviour::OpenOnly => return url.to_string(),
    }
    let base = url.split(['?', '#']).next().unwrap_or_default();
    format!("{base}?{}", build_query(&pairs))
}
