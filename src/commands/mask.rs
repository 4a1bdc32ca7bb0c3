//! Secrets out of the diffs that `setup`, `remove` and `--dry-run` print: the token wherever it
//! is, the value of every key whose name says it holds a credential, a helper command that is
//! not agentgw's (it may hold the key it prints), and a URL's password — and nothing else, so a
//! diff still shows what will be written (`GEMINI_API_KEY_AUTH_MECHANISM=bearer`,
//! `"selectedType": "gemini-api-key"`, agentgw's helper command and its arguments).

/// `text` fit for the terminal: `token` replaced by `[token]`, and the values of secret-named
/// keys (see [`is_secret_name`]) by `[hidden]` — in `KEY=value` and `KEY = "value"` lines,
/// `"KEY": "value"` pairs, inline tables and header maps, and header lines inside a value
/// (`"Authorization: Bearer x"`, `Authorization=Bearer x`). A diff's `+`/`-` markers stay.
pub fn mask_secrets(text: &str, token: Option<&str>) -> String {
    let text = match token.filter(|t| !t.is_empty()) {
        Some(token) => text.replace(token, "[token]"),
        None => text.to_string(),
    };
    let mut out = String::with_capacity(text.len());
    // The closing quote of a secret value that runs over more than one line.
    let mut open: Option<&'static str> = None;
    for line in text.split_inclusive('\n') {
        match open {
            Some(close) => {
                let (marker, body) = split_marker(line);
                out.push_str(marker);
                match body.find(close) {
                    Some(end) => {
                        open = None;
                        out.push_str(&body[end..]);
                    }
                    None => {
                        out.push_str(HIDDEN);
                        if line.ends_with('\n') {
                            out.push('\n');
                        }
                    }
                }
            }
            None => {
                let (masked, still_open) = mask_line(line);
                out.push_str(&masked);
                open = still_open;
            }
        }
    }
    out
}

const HIDDEN: &str = "[hidden]";

/// Whether a key's name says its value is a credential: its last word is token, secret,
/// password, authorization, ..., or it ends in "api key" (`GEMINI_API_KEY`, `x-api-key`,
/// `openAIKey`). Words are split at `_`, `-`, `.`, `/`, spaces and camelCase humps, so
/// `CLAUDE_CODE_API_KEY_HELPER_TTL_MS` (ms), `GEMINI_API_KEY_AUTH_MECHANISM` (mechanism),
/// `selectedType` (type), `apiKeyHelper` (helper) and `env_key` are not secret.
pub fn is_secret_name(name: &str) -> bool {
    const LAST: [&str; 11] = [
        "token",
        "secret",
        "password",
        "passwd",
        "passphrase",
        "credential",
        "credentials",
        "authorization",
        "bearer",
        "cookie",
        "apikey",
    ];
    const BEFORE_KEY: [&str; 7] = [
        "api",
        "ai",
        "private",
        "access",
        "secret",
        "signing",
        "encryption",
    ];
    let words = words(name);
    // `useOpenAIKey`, `enable_api_key`: a switch about a credential, not one.
    if words
        .first()
        .is_some_and(|w| matches!(w.as_str(), "use" | "enable" | "disable" | "has" | "is"))
    {
        return false;
    }
    match words.as_slice() {
        [.., before, last] if last == "key" => BEFORE_KEY.contains(&before.as_str()),
        [.., last] => LAST.contains(&last.as_str()),
        [] => false,
    }
}

/// Lower-case words of an identifier: split at non-alphanumerics and at camelCase humps
/// (`openAIKey` → open, ai, key).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let hump = c.is_uppercase()
            && previous.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if hump && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A diff line's `+`, `-` or ` ` marker, and the rest.
fn split_marker(line: &str) -> (&str, &str) {
    match line.chars().next() {
        Some('+' | '-' | ' ') if !line.starts_with("+++") && !line.starts_with("---") => {
            line.split_at(1)
        }
        _ => ("", line),
    }
}

/// Masks one line; also returns the closing quote when a secret value goes on past it.
fn mask_line(line: &str) -> (String, Option<&'static str>) {
    let mut scanner = Scanner {
        text: line,
        pos: 0,
        out: String::with_capacity(line.len()),
        after_separator: false,
    };
    let mut key: Option<String> = None;
    while let Some(c) = scanner.peek() {
        match c {
            '"' | '\'' => {
                let quoted = scanner.quoted();
                match key.take() {
                    // A value: `KEY = "..."` / `"KEY": "..."`.
                    Some(name) if scanner.after_separator => {
                        scanner.after_separator = false;
                        let shown = quoted.unclosed.is_none() && is_shown_anyway(&quoted.content);
                        if hides(&name, &quoted.content) && !shown {
                            scanner.push_hidden(&quoted);
                            if let Some(close) = quoted.unclosed {
                                return (scanner.finish(), Some(close));
                            }
                        } else {
                            scanner.push_masked_string(&quoted);
                        }
                    }
                    _ => {
                        // A key (quoted), or a string in a list.
                        scanner.push_masked_string(&quoted);
                        key = Some(quoted.content.clone());
                    }
                }
            }
            '=' | ':' if key.is_some() && !scanner.after_separator => {
                scanner.copy(1);
                scanner.copy_while(|c| c == ' ' || c == '\t');
                scanner.after_separator = true;
                if !matches!(scanner.peek(), Some('"' | '\'' | '{' | '[') | None) {
                    // A bare value: to the end of the line (dotenv), or of its inline table.
                    let name = key.take().unwrap_or_default();
                    scanner.after_separator = false;
                    let value = scanner.bare_value();
                    if hides(&name, value.trim()) && !is_shown_anyway(value.trim()) {
                        let trimmed = value.trim_end();
                        scanner.out.push_str(HIDDEN);
                        scanner.out.push_str(&value[trimmed.len()..]);
                    } else {
                        scanner.out.push_str(&mask_embedded(value));
                    }
                }
            }
            c if is_bare_key_char(c) => {
                let start = scanner.pos;
                scanner.copy_while(is_bare_key_char);
                let word = &line[start..scanner.pos];
                // `export KEY=...` (dotenv): the key is the word after `export`.
                if word != "export" {
                    key = Some(word.rsplit('.').next().unwrap_or(word).to_string());
                    scanner.after_separator = false;
                }
            }
            ' ' | '\t' => scanner.copy(1),
            _ => {
                // Punctuation between pairs ends whatever key was pending.
                key = None;
                scanner.after_separator = false;
                scanner.copy(1);
            }
        }
    }
    (scanner.finish(), None)
}

/// Values that are never secret however their key is called: nothing, a flag, or a value
/// already masked — also as both sides of a Cursor change (`false → true`).
/// Whether the value of key `name` is hidden: a credential by its name, or a helper command that
/// is not agentgw's (`"apiKeyHelper": "echo sk-..."` would show the key it prints).
fn hides(name: &str, value: &str) -> bool {
    let helper = words(name).last().is_some_and(|w| w == "helper");
    is_secret_name(name) || (helper && crate::agents::agentgw_helper(value).is_none())
}

fn is_shown_anyway(value: &str) -> bool {
    value.split(" → ").all(|side| {
        matches!(
            side.trim(),
            "" | "true" | "false" | "null" | "[token]" | HIDDEN
        )
    })
}

fn is_bare_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// A quoted string as found: its quotes, its raw content, and — when it does not end on this
/// line — the quote that will end it.
struct Quoted {
    open: &'static str,
    content: String,
    close: &'static str,
    unclosed: Option<&'static str>,
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    out: String,
    /// A `=` or `:` came after the pending key: the next string is its value.
    after_separator: bool,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn copy(&mut self, chars: usize) {
        let end = self.text[self.pos..]
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| self.pos + i);
        self.out.push_str(&self.text[self.pos..end]);
        self.pos = end;
    }

    fn copy_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&keep) {
            self.copy(1);
        }
    }

    /// The text up to a `,`, `}` or `]` outside quotes, or the end of the line (without its
    /// line break), consumed but not copied.
    fn bare_value(&mut self) -> &'a str {
        let rest: &'a str = &self.text[self.pos..];
        let body = rest.trim_end_matches(['\n', '\r']);
        let end = body.find([',', '}', ']']).unwrap_or(body.len());
        let value = &rest[..end];
        self.pos += end;
        value
    }

    fn quoted(&mut self) -> Quoted {
        let rest = &self.text[self.pos..];
        let (open, close): (&'static str, &'static str) = if rest.starts_with("\"\"\"") {
            ("\"\"\"", "\"\"\"")
        } else if rest.starts_with("'''") {
            ("'''", "'''")
        } else if rest.starts_with('"') {
            ("\"", "\"")
        } else {
            ("'", "'")
        };
        let body = &rest[open.len()..];
        let escapes = close == "\"" || close == "\"\"\"";
        let mut end = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            if escaped {
                escaped = false;
            } else if escapes && c == '\\' {
                escaped = true;
            } else if body[i..].starts_with(close) {
                end = Some(i);
                break;
            }
        }
        match end {
            Some(end) => {
                self.pos += open.len() + end + close.len();
                Quoted {
                    open,
                    content: body[..end].to_string(),
                    close,
                    unclosed: None,
                }
            }
            None => {
                let content = body.trim_end_matches(['\n', '\r']);
                self.pos += open.len() + content.len();
                Quoted {
                    open,
                    content: content.to_string(),
                    close: "",
                    unclosed: Some(close),
                }
            }
        }
    }

    fn push_hidden(&mut self, quoted: &Quoted) {
        self.out.push_str(quoted.open);
        self.out.push_str(HIDDEN);
        self.out.push_str(quoted.close);
    }

    fn push_masked_string(&mut self, quoted: &Quoted) {
        self.out.push_str(quoted.open);
        self.out.push_str(&mask_embedded(&quoted.content));
        self.out.push_str(quoted.close);
    }

    fn finish(mut self) -> String {
        self.out.push_str(&self.text[self.pos..]);
        self.out
    }
}

/// Header lines and `k=v` lists inside one value (Claude's `ANTHROPIC_CUSTOM_HEADERS`, the
/// OTLP `..._HEADERS` variables): each `Name: value` / `Name=value` whose name is secret loses
/// its value, and so does any `Bearer <credential>`.
fn mask_embedded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while !rest.is_empty() {
        // Segments end at a line break, written out (`\n` in JSON) or real, or a comma.
        let end = ["\\n", "\n", ","]
            .iter()
            .filter_map(|sep| rest.find(sep).map(|i| (i, sep.len())))
            .min();
        let (segment, separator, after) = match end {
            Some((i, len)) => (&rest[..i], &rest[i..i + len], &rest[i + len..]),
            None => (rest, "", ""),
        };
        out.push_str(&mask_segment(segment));
        out.push_str(separator);
        rest = after;
    }
    out
}

fn mask_segment(segment: &str) -> String {
    if let Some(at) = segment.find([':', '=']) {
        let (name, value) = (segment[..at].trim(), segment[at + 1..].trim());
        if !name.is_empty()
            && name.chars().all(is_bare_key_char)
            && is_secret_name(name)
            && !is_shown_anyway(value)
        {
            let spaces = segment[at + 1..].len() - segment[at + 1..].trim_start().len();
            return format!("{}{HIDDEN}", &segment[..at + 1 + spaces]);
        }
    }
    mask_url_passwords(&mask_bearer(segment))
}

/// `scheme://user:password@host` → `scheme://user:[hidden]@host`, wherever it is; a user name
/// alone (`ssh://git@host`) stays.
fn mask_url_passwords(text: &str) -> String {
    let Some(at) = text.find("://") else {
        return text.to_string();
    };
    let authority_start = at + "://".len();
    let rest = &text[authority_start..];
    let authority_len = rest
        .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'') || c.is_whitespace())
        .unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let after = mask_url_passwords(&rest[authority_len..]);
    match authority.rfind('@').and_then(|end| {
        let colon = authority[..end].find(':')?;
        Some((colon, end))
    }) {
        Some((colon, end)) if end > colon + 1 => format!(
            "{}{}{HIDDEN}{}{after}",
            &text[..authority_start],
            &authority[..=colon],
            &authority[end..]
        ),
        _ => format!("{}{authority}{after}", &text[..authority_start]),
    }
}

/// `Bearer <credential>` → `Bearer [hidden]`, wherever it is; a lone "bearer" (a mechanism's
/// name) stays.
fn mask_bearer(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let Some(at) = lower.find("bearer ") else {
        return text.to_string();
    };
    let credential_start = at + "bearer ".len();
    let credential_len = text[credential_start..]
        .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .unwrap_or(text.len() - credential_start);
    if credential_len == 0 || is_shown_anyway(&text[credential_start..][..credential_len]) {
        return text.to_string();
    }
    format!(
        "{}{HIDDEN}{}",
        &text[..credential_start],
        mask_bearer(&text[credential_start + credential_len..])
    )
}

#[cfg(test)]
mod tests {
    use super::{is_secret_name, mask_secrets};

    #[test]
    fn credentials_in_diff_lines_are_hidden() {
        let diff = "\
+GEMINI_API_KEY=AIzaSyMINE
-    \"ANTHROPIC_CUSTOM_HEADERS\": \"Authorization: Bearer sk-ant-1\",
 openrouter = { name = \"x\", experimental_bearer_token = \"sk-or-2\" }
+    \"headers\": {\"x-api-key\": \"k3\"},
+x dapi-agentgw-token
+    \"ANTHROPIC_AUTH_TOKEN\": \"sk-ant-oat-4\",
+export OPENAI_API_KEY='sk-proj-5'
+    \"OTEL_EXPORTER_OTLP_HEADERS\": \"X-Databricks-UC-Table-Name=main.a.b,Authorization=Bearer otel-6\",
+client_secret = \"cs-7\"
+  \"Authorization\": \"Bearer az-8\",
+http_headers = { \"Authorization\" = \"Bearer hh-9\", \"x-databricks-use-coding-agent-mode\" = \"true\" }
+DATABRICKS_TOKEN=dapi-other-10
+  \"cursorAuth/openAIKey\": \"sk-cursor-11\",
+args = [\"--header\", \"Authorization: Bearer arg-12\"]
+token = \"\"\"
+multi-line-13
+\"\"\"
+GEMINI_API_KEY=\"quoted
+over-lines-14\"
";
        let masked = mask_secrets(diff, Some("dapi-agentgw-token"));
        for secret in [
            "AIzaSyMINE",
            "sk-ant-1",
            "sk-or-2",
            "k3",
            "dapi-agentgw-token",
            "sk-ant-oat-4",
            "sk-proj-5",
            "otel-6",
            "cs-7",
            "az-8",
            "hh-9",
            "dapi-other-10",
            "sk-cursor-11",
            "arg-12",
            "multi-line-13",
            "over-lines-14",
        ] {
            assert!(!masked.contains(secret), "{secret} shown:\n{masked}");
        }
        for kept in [
            "+GEMINI_API_KEY=[hidden]\n",
            "-    \"ANTHROPIC_CUSTOM_HEADERS\": \"Authorization: [hidden]\",\n",
            " openrouter = { name = \"x\", experimental_bearer_token = \"[hidden]\" }\n",
            "X-Databricks-UC-Table-Name=main.a.b,Authorization=[hidden]\"",
            "\"x-databricks-use-coding-agent-mode\" = \"true\" }",
            "+x [token]\n",
            "+\"\"\"\n",
        ] {
            assert!(masked.contains(kept), "{kept} hidden:\n{masked}");
        }
    }

    #[test]
    fn settings_that_are_not_secret_are_shown() {
        let diff = "\
--- a/home/me/.gemini/.env
+++ b/home/me/.gemini/.env
@@ -0,0 +1,4 @@
+GEMINI_API_KEY_AUTH_MECHANISM=bearer
+GEMINI_API_KEY=[token]
+      \"selectedType\": \"gemini-api-key\"
+    \"CLAUDE_CODE_API_KEY_HELPER_TTL_MS\": \"900000\",
+args = [\"token\", \"--profile\", \"default\"]
+auth = { command = \"/usr/bin/agentgw\", args = [\"token\", \"--profile\", \"default\"] }
+  \"apiKeyHelper\": \"/usr/bin/agentgw token --profile default\",
+  \"otelHeadersHelper\": \"/usr/bin/agentgw otel-headers --profile default\"
+env_key = \"DATABRICKS_TOKEN\"
+    \"ANTHROPIC_BASE_URL\": \"https://ws/ai-gateway/anthropic\",
+    \"ANTHROPIC_CUSTOM_HEADERS\": \"x-databricks-use-coding-agent-mode: true\",
+http_headers = { x-databricks-use-coding-agent-mode = \"true\" }
+  \"useOpenAIKey\": true,
  useOpenAIKey: false → true
  apiKey: null → true
+  \"env\": {
+    \"OTEL_EXPORTER_OTLP_METRICS_HEADERS\": \"X-Databricks-UC-Table-Name=main.a.b_otel_metrics\",
";
        assert_eq!(mask_secrets(diff, Some("dapi-agentgw-token")), diff);
    }

    #[test]
    fn a_helper_of_the_users_own_is_hidden_and_agentgws_shown() {
        let diff = "\
-  \"apiKeyHelper\": \"echo sk-ant-users-own\",
+  \"apiKeyHelper\": \"/usr/bin/agentgw token --profile default\",
-  \"otelHeadersHelper\": \"/opt/bin/print-headers --key k-123\"
";
        assert_eq!(
            mask_secrets(diff, None),
            "\
-  \"apiKeyHelper\": \"[hidden]\",
+  \"apiKeyHelper\": \"/usr/bin/agentgw token --profile default\",
-  \"otelHeadersHelper\": \"[hidden]\"
"
        );
    }

    #[test]
    fn passwords_in_urls_are_hidden_and_the_rest_of_the_url_shown() {
        let diff = "\
-    \"ANTHROPIC_BASE_URL\": \"https://bob:hunter2@proxy.corp.example/anthropic\",
+HTTPS_PROXY=http://me:s3cret@proxy:8080
 base_url = \"https://u:pw-1@gw.example/openai/v1\"
";
        let masked = mask_secrets(diff, None);
        for secret in ["hunter2", "s3cret", "pw-1"] {
            assert!(!masked.contains(secret), "{secret} shown:\n{masked}");
        }
        assert_eq!(
            masked,
            "\
-    \"ANTHROPIC_BASE_URL\": \"https://bob:[hidden]@proxy.corp.example/anthropic\",
+HTTPS_PROXY=http://me:[hidden]@proxy:8080
 base_url = \"https://u:[hidden]@gw.example/openai/v1\"
"
        );
        // No password, nothing hidden: a user name alone, an address, a port.
        let plain = "+  \"url\": \"ssh://git@github.com:22/x\", \"mail\": \"a@b.c\"\n";
        assert_eq!(mask_secrets(plain, None), plain);
    }

    #[test]
    fn secret_names_are_told_by_their_last_words() {
        for secret in [
            "GEMINI_API_KEY",
            "x-api-key",
            "x-goog-api-key",
            "openAIKey",
            "ANTHROPIC_AUTH_TOKEN",
            "experimental_bearer_token",
            "client_secret",
            "Authorization",
            "password",
            "apiKey",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(is_secret_name(secret), "{secret}");
        }
        for shown in [
            "GEMINI_API_KEY_AUTH_MECHANISM",
            "CLAUDE_CODE_API_KEY_HELPER_TTL_MS",
            "selectedType",
            "apiKeyHelper",
            "env_key",
            "args",
            "command",
            "AWS_ACCESS_KEY_ID",
            "token_storage",
            "useOpenAIKey",
        ] {
            assert!(!is_secret_name(shown), "{shown}");
        }
    }
}
