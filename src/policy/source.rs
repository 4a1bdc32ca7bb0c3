//! Where a policy comes from: a file, or standard input for `-`. Its name in messages is the
//! path as given (or `-`), so an error points where the user can look.

use super::{Policy, PolicyError, parse};
use std::io::Read as _;

/// Reads and parses the policy named `source`. A file that cannot be read is a policy error
/// too (line 1): the command line named something unusable.
pub fn read(source: &str) -> Result<Policy, PolicyError> {
    let refused = |message: String| PolicyError {
        name: source.to_string(),
        line: 1,
        column: 1,
        message,
    };
    if source.starts_with("http://") || source.starts_with("https://") {
        // Not fetched: the policy names where tokens go, and reading it from the network
        // brings proxy, CA and timeout questions this release does not answer yet.
        return Err(refused(
            "a policy is read from a file or stdin, not a URL; download it first, e.g. \
             `curl -fsSL URL | agentgw apply -`"
                .to_string(),
        ));
    }
    let text = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| refused(format!("cannot read the policy from stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(source).map_err(|e| refused(format!("cannot read it: {e}")))?
    };
    parse(source, &text)
}
