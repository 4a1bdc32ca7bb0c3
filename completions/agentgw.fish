# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_agentgw_global_optspecs
    string join \n p/profile= h/help V/version
end

function __fish_agentgw_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_agentgw_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_agentgw_using_subcommand
    set -l cmd (__fish_agentgw_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c agentgw -n "__fish_agentgw_needs_command" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgw -n "__fish_agentgw_needs_command" -s V -l version -d 'Print version'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "login" -d 'Sign in to a workspace (token, browser or service principal) and store the credential'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "logout" -d 'Remove the stored token of a profile (the profile itself is kept)'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "token" -d 'Print the profile\'s token (agents call this as their key helper)'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "setup" -d 'Point an agent\'s config at the gateway (keeps everything else in the file)'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "apply" -d 'Set up the agents a team policy file lists, or check they still are (--check)'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "remove" -d 'Undo what setup changed, keeping every change of your own'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "test" -d 'Send one real request per agent through the gateway, as the agent would'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "status" -d 'Show the profile and, per agent, what is installed, configured and how it gets its token'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "doctor" -d 'Check everything between you and the gateway and say how to fix what is wrong'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "otel-headers" -d 'Print {"Authorization":"Bearer <token>"} (Claude Code\'s otelHeadersHelper)'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "otel" -d 'Create and check the Unity Catalog tables Claude Code\'s telemetry goes to'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "usage" -d 'What the agents cost: requests, tokens and estimated cost per day, agent, model or user'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "dashboard" -d 'Create or open the usage dashboard (AI/BI) in the workspace'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "profiles" -d 'List profiles with their workspace, gateway and token storage'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "man" -d 'Print the manual page (roff) of agentgw or of one of its commands'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "exec" -d 'Run an agent with the gateway settings winning over its own config (left untouched)'
complete -c agentgw -n "__fish_agentgw_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l host -d 'Workspace URL, e.g. https://my-workspace.cloud.databricks.com' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l gateway-url -d 'AI Gateway URL [default: <host>/ai-gateway]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l auth -d 'How to sign in [default: the profile\'s method, else a personal access token]' -r -f -a "pat\t'A personal access token'
oauth\t'OAuth in the browser (authorization code with PKCE)'
m2m\t'A service principal\'s OAuth secret (client credentials)'"
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l client-id -d 'OAuth client id: a workspace\'s own app connection (--auth oauth) or a service principal\'s application id (--auth m2m; else DATABRICKS_CLIENT_ID) [default for oauth: databricks-cli]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l redirect-port -d 'Browser sign-in: the port of the http://localhost redirect registered for the client [default: 8020, the Databricks CLI\'s]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l timeout -d 'Browser sign-in: how long to wait for the browser, e.g. 90s, 10m [default: 5m]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l from-databrickscfg -d 'Take host and credential from ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), section NAME (auth_type pat, databricks-cli / oauth-u2m, or oauth-m2m)' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l ca-file -d 'PEM file with extra CA certificates to trust (remembered in the profile)' -r -F
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l token-stdin -d 'Read the token from standard input (for scripts; nothing is echoed)'
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l client-secret-stdin -d 'Read the service principal\'s OAuth secret from standard input (--auth m2m; else DATABRICKS_CLIENT_SECRET)'
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l no-browser -d 'Browser sign-in: print the sign-in URL instead of opening a browser, then wait'
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l insecure-storage -d 'Store the token in a plaintext 0600 file instead of the OS keyring'
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l no-verify -d 'Store the token without checking it against the workspace first (and without finding the gateway\'s routes: agents get the default paths)'
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -l refresh -d 'Find the gateway and each agent\'s route again with the stored sign-in, without signing in (after an admin enabled the AI Gateway or changed its routes); with --gateway-url, look there'
complete -c agentgw -n "__fish_agentgw_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgw -n "__fish_agentgw_using_subcommand logout" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand logout" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand token" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand token" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l model -d 'Model (gateway endpoint name) to use [default: the profile\'s while the workspace serves it, else the newest the workspace serves of the agent\'s family, else the product default]. A name the workspace does not serve is refused (see --force). Cursor takes several: repeat the flag or separate names with commas' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l otel-tables -d 'Claude: export OpenTelemetry metrics and logs to CATALOG.SCHEMA.PREFIX_otel_{metrics,logs}' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l otel-resource-attribute -d 'Claude, with --otel-tables: an attribute on every metric and event, e.g. team=data-eng (OTEL_RESOURCE_ATTRIBUTES, for usage per team); repeat for more' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l codex-profile -d 'Codex: write $CODEX_HOME/NAME.config.toml instead of config.toml (start with `codex --profile NAME`)' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l cursor-dir -d 'Cursor\'s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\\Cursor]' -r -F
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l dry-run -d 'Print the diff of each file and change nothing'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -s y -l yes -d 'Do not ask; write the changes (the default without a terminal)'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l no-test -d 'Skip the test request through the gateway after writing'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l force -d 'With `all`: configure agents that are not installed, too; also write a --model the workspace does not list'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l inline-token -d 'Claude: put the token in settings.json (0600) instead of calling `agentgw token`'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l keep-experimental-betas -d 'Claude: keep Claude Code\'s experimental betas (their headers may be refused by the gateway)'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l no-token-file -d 'Gemini: leave the token out of ~/.gemini/.env (start Gemini with `agentgw exec gemini`); remembered in the profile'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l token-file -d 'Gemini: write the token into ~/.gemini/.env again after --no-token-file'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -l write-cursor-db -d 'Cursor: write its settings database (state.vscdb) instead of printing the steps; Cursor must be closed'
complete -c agentgw -n "__fish_agentgw_using_subcommand setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgw -n "__fish_agentgw_using_subcommand apply" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand apply" -l from-workspace -d 'Also take the agents and models the workspace\'s admins publish (the file wins per key)'
complete -c agentgw -n "__fish_agentgw_using_subcommand apply" -s y -l yes -d 'Do not ask; write the changes (required without a terminal)'
complete -c agentgw -n "__fish_agentgw_using_subcommand apply" -l dry-run -d 'Print the combined diff and change nothing'
complete -c agentgw -n "__fish_agentgw_using_subcommand apply" -l check -d 'Change nothing; exit 1 with one line per setting not in place or not in force'
complete -c agentgw -n "__fish_agentgw_using_subcommand apply" -l json -d 'With --check: print the result as JSON ({"ok", "drift", "skipped"})'
complete -c agentgw -n "__fish_agentgw_using_subcommand apply" -l strict -d 'Fail when a listed agent is not installed, instead of skipping it'
complete -c agentgw -n "__fish_agentgw_using_subcommand apply" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand remove" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand remove" -l dry-run -d 'Print the diff of each file and change nothing'
complete -c agentgw -n "__fish_agentgw_using_subcommand remove" -s y -l yes -d 'Do not ask (the default without a terminal)'
complete -c agentgw -n "__fish_agentgw_using_subcommand remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgw -n "__fish_agentgw_using_subcommand test" -l cursor-dir -d 'Cursor\'s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\\Cursor]' -r -F
complete -c agentgw -n "__fish_agentgw_using_subcommand test" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand test" -l json -d 'Print JSON: [{"agent","ok","status","latency_ms","model","url","reply","error_kind","message","fix"}]'
complete -c agentgw -n "__fish_agentgw_using_subcommand test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgw -n "__fish_agentgw_using_subcommand status" -l cursor-dir -d 'Cursor\'s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\\Cursor]' -r -F
complete -c agentgw -n "__fish_agentgw_using_subcommand status" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand status" -l json -d 'Print JSON: {"profile":{...},"agents":[{...}]} (see README)'
complete -c agentgw -n "__fish_agentgw_using_subcommand status" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand doctor" -l agent -d 'Check only this agent, and fail if it is not set up' -r -f -a "claude\t'Claude Code'
codex\t'Codex CLI'
gemini\t'Gemini CLI'
pi\t'Pi'
copilot\t'Copilot CLI'
opencode\t'OpenCode'
cursor\t'Cursor'"
complete -c agentgw -n "__fish_agentgw_using_subcommand doctor" -l cursor-dir -d 'Cursor\'s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\\Cursor]' -r -F
complete -c agentgw -n "__fish_agentgw_using_subcommand doctor" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand doctor" -l json -d 'Print JSON: {"checks":[{"id","area","status":"ok|warn|fail","message","fix"}],"verdict"}'
complete -c agentgw -n "__fish_agentgw_using_subcommand doctor" -l strict -d 'Exit 1 on warnings too'
complete -c agentgw -n "__fish_agentgw_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel-headers" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel-headers" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and not __fish_seen_subcommand_from sql create check help" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and not __fish_seen_subcommand_from sql create check help" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and not __fish_seen_subcommand_from sql create check help" -f -a "sql" -d 'Print the two CREATE TABLE statements (metrics and logs) of the product page'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and not __fish_seen_subcommand_from sql create check help" -f -a "create" -d 'Create both tables (if they do not exist) through a SQL warehouse'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and not __fish_seen_subcommand_from sql create check help" -f -a "check" -d 'Send an empty OpenTelemetry export to both tables and say whether ingest accepts it'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and not __fish_seen_subcommand_from sql create check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from sql" -l tables -d 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile\'s]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from sql" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from sql" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from create" -l tables -d 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile\'s]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from create" -l warehouse-id -d 'SQL warehouse to run the statements on [default: the profile\'s, else one the workspace lists, a running one first]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from create" -l timeout -d 'Seconds to wait for the warehouse (it may have to start) before cancelling' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from create" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from create" -l dry-run -d 'Print the statements that would run and send nothing'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from check" -l tables -d 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile\'s]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from check" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from help" -f -a "sql" -d 'Print the two CREATE TABLE statements (metrics and logs) of the product page'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create both tables (if they do not exist) through a SQL warehouse'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from help" -f -a "check" -d 'Send an empty OpenTelemetry export to both tables and say whether ingest accepts it'
complete -c agentgw -n "__fish_agentgw_using_subcommand otel; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l source -d 'Where the numbers come from [default: gateway; otel when --tables is given]' -r -f -a "gateway\t'The AI Gateway\'s usage table: every agent\'s requests'
otel\t'Claude Code\'s OpenTelemetry metrics table (--tables)'"
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l tables -d 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile\'s]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l warehouse-id -d 'SQL warehouse to run the statements on [default: the profile\'s, else one the workspace lists, a running one first]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l timeout -d 'Seconds to wait for the warehouse (it may have to start) before cancelling' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l days -d 'How many days back, today included' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l by -d 'One row per day, agent, model or user' -r -f -a "day\t''
agent\t''
model\t''
user\t''"
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l agent -d 'Only one agent\'s requests (`other`: requests no agent is known by)' -r -f -a "claude\t'Claude Code'
codex\t'Codex CLI'
gemini\t'Gemini CLI'
pi\t'Pi'
copilot\t'Copilot CLI'
opencode\t'OpenCode'
cursor\t'Cursor'
other\t'requests no agent is known by'"
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l all-users -d 'Everyone\'s requests, not only yours (needs SELECT on the whole table)'
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l json -d 'Print JSON (shape in the README)'
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -l csv -d 'Print CSV: a header line, one line per row, no total'
complete -c agentgw -n "__fish_agentgw_using_subcommand usage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and not __fish_seen_subcommand_from create open help" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and not __fish_seen_subcommand_from create open help" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and not __fish_seen_subcommand_from create open help" -f -a "create" -d 'Create the dashboard, or update the one this profile created before'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and not __fish_seen_subcommand_from create open help" -f -a "open" -d 'Open the profile\'s dashboard in the browser (and print its URL)'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and not __fish_seen_subcommand_from create open help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from create" -l tables -d 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile\'s]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from create" -l warehouse-id -d 'SQL warehouse the dashboard\'s queries run on [default: as `agentgw usage` finds one]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from create" -l name -d 'The dashboard\'s name in the workspace' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from create" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from create" -l dry-run -d 'Print the dashboard (Lakeview JSON) and send nothing'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from create" -l publish -d 'Also publish it, so people without access to the tables can view it'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from open" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from open" -l published -d 'The published version'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from open" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create the dashboard, or update the one this profile created before'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from help" -f -a "open" -d 'Open the profile\'s dashboard in the browser (and print its URL)'
complete -c agentgw -n "__fish_agentgw_using_subcommand dashboard; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgw -n "__fish_agentgw_using_subcommand profiles" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand profiles" -l json -d 'Print JSON: {"profiles":[{"name","host","gateway_url","token_storage","active"}]}'
complete -c agentgw -n "__fish_agentgw_using_subcommand profiles" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand completions" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand completions" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand man" -l out-dir -d 'Write every page (agentgw.1, agentgw-<command>.1, ...) into DIR instead, creating it' -r -F
complete -c agentgw -n "__fish_agentgw_using_subcommand man" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand man" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand exec" -l model -d 'Model (gateway endpoint name) [default: the profile\'s, else the product default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand exec" -s p -l profile -d 'Profile (workspace + gateway) to use [default: default]' -r
complete -c agentgw -n "__fish_agentgw_using_subcommand exec" -s h -l help -d 'Print help'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "login" -d 'Sign in to a workspace (token, browser or service principal) and store the credential'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "logout" -d 'Remove the stored token of a profile (the profile itself is kept)'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "token" -d 'Print the profile\'s token (agents call this as their key helper)'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "setup" -d 'Point an agent\'s config at the gateway (keeps everything else in the file)'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "apply" -d 'Set up the agents a team policy file lists, or check they still are (--check)'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "remove" -d 'Undo what setup changed, keeping every change of your own'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "test" -d 'Send one real request per agent through the gateway, as the agent would'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "status" -d 'Show the profile and, per agent, what is installed, configured and how it gets its token'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "doctor" -d 'Check everything between you and the gateway and say how to fix what is wrong'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "otel-headers" -d 'Print {"Authorization":"Bearer <token>"} (Claude Code\'s otelHeadersHelper)'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "otel" -d 'Create and check the Unity Catalog tables Claude Code\'s telemetry goes to'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "usage" -d 'What the agents cost: requests, tokens and estimated cost per day, agent, model or user'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "dashboard" -d 'Create or open the usage dashboard (AI/BI) in the workspace'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "profiles" -d 'List profiles with their workspace, gateway and token storage'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "completions" -d 'Print a shell completion script'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "man" -d 'Print the manual page (roff) of agentgw or of one of its commands'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "exec" -d 'Run an agent with the gateway settings winning over its own config (left untouched)'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and not __fish_seen_subcommand_from login logout token setup apply remove test status doctor otel-headers otel usage dashboard profiles completions man exec help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and __fish_seen_subcommand_from otel" -f -a "sql" -d 'Print the two CREATE TABLE statements (metrics and logs) of the product page'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and __fish_seen_subcommand_from otel" -f -a "create" -d 'Create both tables (if they do not exist) through a SQL warehouse'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and __fish_seen_subcommand_from otel" -f -a "check" -d 'Send an empty OpenTelemetry export to both tables and say whether ingest accepts it'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and __fish_seen_subcommand_from dashboard" -f -a "create" -d 'Create the dashboard, or update the one this profile created before'
complete -c agentgw -n "__fish_agentgw_using_subcommand help; and __fish_seen_subcommand_from dashboard" -f -a "open" -d 'Open the profile\'s dashboard in the browser (and print its URL)'
