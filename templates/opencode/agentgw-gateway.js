// agentgw's plugin for OpenCode: puts a fresh Databricks token on each request OpenCode sends to
// the AI Gateway providers agentgw set up. The token is asked from `agentgw token` for every
// request (a few milliseconds: agentgw keeps short-lived OAuth tokens fresh itself) and is never
// written to a file or an environment variable. Nothing is fetched from the network here.
//
// Written by agentgw (`agentgw setup opencode`, `agentgw exec opencode`) into its own state folder;
// opencode.json names this file in "plugin". The settings below come from agentgw's profile:
//   command    the token command, as program and arguments (no shell)
//   providers  provider id -> the gateway base URL that provider must point at: the token is only
//              ever sent there, so a config layer that points the provider elsewhere gets an
//              error, not the token.
import { execFile } from "node:child_process";

const SETTINGS = {};

// agentgw refreshes an OAuth token within its HTTP timeout (15 s); this waits a little longer.
const TOKEN_TIMEOUT_MS = 20000;

function token() {
  const [program, ...args] = SETTINGS.command;
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: TOKEN_TIMEOUT_MS, encoding: "utf8" }, (error, stdout, stderr) => {
      const said = (stderr || "").trim();
      if (error) {
        reject(new Error(`agentgw: \`${SETTINGS.command.join(" ")}\` failed: ${said || error.message}`));
      } else if (!stdout.trim()) {
        reject(new Error(`agentgw: \`${SETTINGS.command.join(" ")}\` printed no token. ${said}`));
      } else {
        resolve(stdout.trim());
      }
    });
  });
}

// The SDKs that send their key in a header of their own rather than `Authorization: Bearer`.
const KEY_HEADERS = { "@ai-sdk/anthropic": "x-api-key", "@ai-sdk/google": "x-goog-api-key" };

const withoutSlash = (url) => (url || "").replace(/\/+$/, "");

export const AgentgwDatabricksGateway = async () => ({
  "chat.headers": async (input, output) => {
    const id = input.model.providerID;
    const gateway = SETTINGS.providers[id];
    if (gateway === undefined) return;
    // A model may carry its own URL; otherwise the provider's baseURL is where the SDK sends.
    const url = withoutSlash(input.model.api?.url) || withoutSlash(input.provider?.options?.baseURL);
    if (url !== withoutSlash(gateway)) {
      throw new Error(
        `agentgw: provider "${id}" points at ${url || "no URL"}, not at the Databricks AI Gateway ` +
          `(${gateway}); the token is not sent. Remove that override from your opencode.json ` +
          "(a project's opencode.json outranks yours), or start OpenCode with `agentgw exec opencode`.",
      );
    }
    const value = await token();
    output.headers["Authorization"] = `Bearer ${value}`;
    // The header the provider's SDK sends its own key in (opencode.json gives it a placeholder).
    const keyHeader = KEY_HEADERS[input.model.api?.npm];
    if (keyHeader) output.headers[keyHeader] = value;
  },
});
