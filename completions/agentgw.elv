
use builtin;
use str;

set edit:completion:arg-completer[agentgw] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'agentgw'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'agentgw'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Sign in to a workspace (token, browser or service principal) and store the credential'
            cand logout 'Remove the stored token of a profile (the profile itself is kept)'
            cand token 'Print the profile''s token (agents call this as their key helper)'
            cand setup 'Point an agent''s config at the gateway (keeps everything else in the file)'
            cand apply 'Set up the agents a team policy file lists, or check they still are (--check)'
            cand remove 'Undo what setup changed, keeping every change of your own'
            cand test 'Send one real request per agent through the gateway, as the agent would'
            cand status 'Show the profile and, per agent, what is installed, configured and how it gets its token'
            cand doctor 'Check everything between you and the gateway and say how to fix what is wrong'
            cand otel-headers 'Print {"Authorization":"Bearer <token>"} (Claude Code''s otelHeadersHelper)'
            cand otel 'Create and check the Unity Catalog tables Claude Code''s telemetry goes to'
            cand usage 'What the agents cost: requests, tokens and estimated cost per day, agent, model or user'
            cand dashboard 'Create or open the usage dashboard (AI/BI) in the workspace'
            cand profiles 'List profiles with their workspace, gateway and token storage'
            cand completions 'Print a shell completion script'
            cand man 'Print the manual page (roff) of agentgw or of one of its commands'
            cand exec 'Run an agent with the gateway settings winning over its own config (left untouched)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgw;login'= {
            cand --host 'Workspace URL, e.g. https://my-workspace.cloud.databricks.com'
            cand --gateway-url 'AI Gateway URL [default: <host>/ai-gateway]'
            cand --auth 'How to sign in [default: the profile''s method, else a personal access token]'
            cand --client-id 'OAuth client id: a workspace''s own app connection (--auth oauth) or a service principal''s application id (--auth m2m; else DATABRICKS_CLIENT_ID) [default for oauth: databricks-cli]'
            cand --redirect-port 'Browser sign-in: the port of the http://localhost redirect registered for the client [default: 8020, the Databricks CLI''s]'
            cand --timeout 'Browser sign-in: how long to wait for the browser, e.g. 90s, 10m [default: 5m]'
            cand --from-databrickscfg 'Take host and credential from ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), section NAME (auth_type pat, databricks-cli / oauth-u2m, or oauth-m2m)'
            cand --ca-file 'PEM file with extra CA certificates to trust (remembered in the profile)'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --token-stdin 'Read the token from standard input (for scripts; nothing is echoed)'
            cand --client-secret-stdin 'Read the service principal''s OAuth secret from standard input (--auth m2m; else DATABRICKS_CLIENT_SECRET)'
            cand --no-browser 'Browser sign-in: print the sign-in URL instead of opening a browser, then wait'
            cand --insecure-storage 'Store the token in a plaintext 0600 file instead of the OS keyring'
            cand --no-verify 'Store the token without checking it against the workspace first (and without finding the gateway''s routes: agents get the default paths)'
            cand --refresh 'Find the gateway and each agent''s route again with the stored sign-in, without signing in (after an admin enabled the AI Gateway or changed its routes); with --gateway-url, look there'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentgw;logout'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;token'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;setup'= {
            cand --model 'Model (gateway endpoint name) to use [default: the profile''s while the workspace serves it, else the newest the workspace serves of the agent''s family, else the product default]. A name the workspace does not serve is refused (see --force). Cursor takes several: repeat the flag or separate names with commas'
            cand --otel-tables 'Claude: export OpenTelemetry metrics and logs to CATALOG.SCHEMA.PREFIX_otel_{metrics,logs}'
            cand --otel-resource-attribute 'Claude, with --otel-tables: an attribute on every metric and event, e.g. team=data-eng (OTEL_RESOURCE_ATTRIBUTES, for usage per team); repeat for more'
            cand --codex-profile 'Codex: write $CODEX_HOME/NAME.config.toml instead of config.toml (start with `codex --profile NAME`)'
            cand --cursor-dir 'Cursor''s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\Cursor]'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --dry-run 'Print the diff of each file and change nothing'
            cand -y 'Do not ask; write the changes (the default without a terminal)'
            cand --yes 'Do not ask; write the changes (the default without a terminal)'
            cand --no-test 'Skip the test request through the gateway after writing'
            cand --force 'With `all`: configure agents that are not installed, too; also write a --model the workspace does not list'
            cand --inline-token 'Claude: put the token in settings.json (0600) instead of calling `agentgw token`'
            cand --keep-experimental-betas 'Claude: keep Claude Code''s experimental betas (their headers may be refused by the gateway)'
            cand --no-token-file 'Gemini: leave the token out of ~/.gemini/.env (start Gemini with `agentgw exec gemini`); remembered in the profile'
            cand --token-file 'Gemini: write the token into ~/.gemini/.env again after --no-token-file'
            cand --write-cursor-db 'Cursor: write its settings database (state.vscdb) instead of printing the steps; Cursor must be closed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentgw;apply'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --from-workspace 'Also take the agents and models the workspace''s admins publish (the file wins per key)'
            cand -y 'Do not ask; write the changes (required without a terminal)'
            cand --yes 'Do not ask; write the changes (required without a terminal)'
            cand --dry-run 'Print the combined diff and change nothing'
            cand --check 'Change nothing; exit 1 with one line per setting not in place or not in force'
            cand --json 'With --check: print the result as JSON ({"ok", "drift", "skipped"})'
            cand --strict 'Fail when a listed agent is not installed, instead of skipping it'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;remove'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --dry-run 'Print the diff of each file and change nothing'
            cand -y 'Do not ask (the default without a terminal)'
            cand --yes 'Do not ask (the default without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentgw;test'= {
            cand --cursor-dir 'Cursor''s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\Cursor]'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --json 'Print JSON: [{"agent","ok","status","latency_ms","model","url","reply","error_kind","message","fix"}]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentgw;status'= {
            cand --cursor-dir 'Cursor''s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\Cursor]'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --json 'Print JSON: {"profile":{...},"agents":[{...}]} (see README)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;doctor'= {
            cand --agent 'Check only this agent, and fail if it is not set up'
            cand --cursor-dir 'Cursor''s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\Cursor]'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --json 'Print JSON: {"checks":[{"id","area","status":"ok|warn|fail","message","fix"}],"verdict"}'
            cand --strict 'Exit 1 on warnings too'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentgw;otel-headers'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;otel'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand sql 'Print the two CREATE TABLE statements (metrics and logs) of the product page'
            cand create 'Create both tables (if they do not exist) through a SQL warehouse'
            cand check 'Send an empty OpenTelemetry export to both tables and say whether ingest accepts it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgw;otel;sql'= {
            cand --tables 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;otel;create'= {
            cand --tables 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]'
            cand --warehouse-id 'SQL warehouse to run the statements on [default: the profile''s, else one the workspace lists, a running one first]'
            cand --timeout 'Seconds to wait for the warehouse (it may have to start) before cancelling'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --dry-run 'Print the statements that would run and send nothing'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;otel;check'= {
            cand --tables 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;otel;help'= {
            cand sql 'Print the two CREATE TABLE statements (metrics and logs) of the product page'
            cand create 'Create both tables (if they do not exist) through a SQL warehouse'
            cand check 'Send an empty OpenTelemetry export to both tables and say whether ingest accepts it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgw;otel;help;sql'= {
        }
        &'agentgw;otel;help;create'= {
        }
        &'agentgw;otel;help;check'= {
        }
        &'agentgw;otel;help;help'= {
        }
        &'agentgw;usage'= {
            cand --source 'Where the numbers come from [default: gateway; otel when --tables is given]'
            cand --tables 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]'
            cand --warehouse-id 'SQL warehouse to run the statements on [default: the profile''s, else one the workspace lists, a running one first]'
            cand --timeout 'Seconds to wait for the warehouse (it may have to start) before cancelling'
            cand --days 'How many days back, today included'
            cand --by 'One row per day, agent, model or user'
            cand --agent 'Only one agent''s requests (`other`: requests no agent is known by)'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --all-users 'Everyone''s requests, not only yours (needs SELECT on the whole table)'
            cand --json 'Print JSON (shape in the README)'
            cand --csv 'Print CSV: a header line, one line per row, no total'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentgw;dashboard'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand create 'Create the dashboard, or update the one this profile created before'
            cand open 'Open the profile''s dashboard in the browser (and print its URL)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgw;dashboard;create'= {
            cand --tables 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]'
            cand --warehouse-id 'SQL warehouse the dashboard''s queries run on [default: as `agentgw usage` finds one]'
            cand --name 'The dashboard''s name in the workspace'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --dry-run 'Print the dashboard (Lakeview JSON) and send nothing'
            cand --publish 'Also publish it, so people without access to the tables can view it'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;dashboard;open'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --published 'The published version'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;dashboard;help'= {
            cand create 'Create the dashboard, or update the one this profile created before'
            cand open 'Open the profile''s dashboard in the browser (and print its URL)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgw;dashboard;help;create'= {
        }
        &'agentgw;dashboard;help;open'= {
        }
        &'agentgw;dashboard;help;help'= {
        }
        &'agentgw;profiles'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand --json 'Print JSON: {"profiles":[{"name","host","gateway_url","token_storage","active"}]}'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;completions'= {
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;man'= {
            cand --out-dir 'Write every page (agentgw.1, agentgw-<command>.1, ...) into DIR instead, creating it'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;exec'= {
            cand --model 'Model (gateway endpoint name) [default: the profile''s, else the product default]'
            cand -p 'Profile (workspace + gateway) to use [default: default]'
            cand --profile 'Profile (workspace + gateway) to use [default: default]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'agentgw;help'= {
            cand login 'Sign in to a workspace (token, browser or service principal) and store the credential'
            cand logout 'Remove the stored token of a profile (the profile itself is kept)'
            cand token 'Print the profile''s token (agents call this as their key helper)'
            cand setup 'Point an agent''s config at the gateway (keeps everything else in the file)'
            cand apply 'Set up the agents a team policy file lists, or check they still are (--check)'
            cand remove 'Undo what setup changed, keeping every change of your own'
            cand test 'Send one real request per agent through the gateway, as the agent would'
            cand status 'Show the profile and, per agent, what is installed, configured and how it gets its token'
            cand doctor 'Check everything between you and the gateway and say how to fix what is wrong'
            cand otel-headers 'Print {"Authorization":"Bearer <token>"} (Claude Code''s otelHeadersHelper)'
            cand otel 'Create and check the Unity Catalog tables Claude Code''s telemetry goes to'
            cand usage 'What the agents cost: requests, tokens and estimated cost per day, agent, model or user'
            cand dashboard 'Create or open the usage dashboard (AI/BI) in the workspace'
            cand profiles 'List profiles with their workspace, gateway and token storage'
            cand completions 'Print a shell completion script'
            cand man 'Print the manual page (roff) of agentgw or of one of its commands'
            cand exec 'Run an agent with the gateway settings winning over its own config (left untouched)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentgw;help;login'= {
        }
        &'agentgw;help;logout'= {
        }
        &'agentgw;help;token'= {
        }
        &'agentgw;help;setup'= {
        }
        &'agentgw;help;apply'= {
        }
        &'agentgw;help;remove'= {
        }
        &'agentgw;help;test'= {
        }
        &'agentgw;help;status'= {
        }
        &'agentgw;help;doctor'= {
        }
        &'agentgw;help;otel-headers'= {
        }
        &'agentgw;help;otel'= {
            cand sql 'Print the two CREATE TABLE statements (metrics and logs) of the product page'
            cand create 'Create both tables (if they do not exist) through a SQL warehouse'
            cand check 'Send an empty OpenTelemetry export to both tables and say whether ingest accepts it'
        }
        &'agentgw;help;otel;sql'= {
        }
        &'agentgw;help;otel;create'= {
        }
        &'agentgw;help;otel;check'= {
        }
        &'agentgw;help;usage'= {
        }
        &'agentgw;help;dashboard'= {
            cand create 'Create the dashboard, or update the one this profile created before'
            cand open 'Open the profile''s dashboard in the browser (and print its URL)'
        }
        &'agentgw;help;dashboard;create'= {
        }
        &'agentgw;help;dashboard;open'= {
        }
        &'agentgw;help;profiles'= {
        }
        &'agentgw;help;completions'= {
        }
        &'agentgw;help;man'= {
        }
        &'agentgw;help;exec'= {
        }
        &'agentgw;help;help'= {
        }
    ]
    $completions[$command]
}
