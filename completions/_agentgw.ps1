
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'agentgw' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'agentgw'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'agentgw' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to a workspace (token, browser or service principal) and store the credential')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored token of a profile (the profile itself is kept)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the profile''s token (agents call this as their key helper)')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Point an agent''s config at the gateway (keeps everything else in the file)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Set up the agents a team policy file lists, or check they still are (--check)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Undo what setup changed, keeping every change of your own')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Send one real request per agent through the gateway, as the agent would')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the profile and, per agent, what is installed, configured and how it gets its token')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check everything between you and the gateway and say how to fix what is wrong')
            [CompletionResult]::new('otel-headers', 'otel-headers', [CompletionResultType]::ParameterValue, 'Print {"Authorization":"Bearer <token>"} (Claude Code''s otelHeadersHelper)')
            [CompletionResult]::new('otel', 'otel', [CompletionResultType]::ParameterValue, 'Create and check the Unity Catalog tables Claude Code''s telemetry goes to')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'What the agents cost: requests, tokens and estimated cost per day, agent, model or user')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Create or open the usage dashboard (AI/BI) in the workspace')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List profiles with their workspace, gateway and token storage')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff) of agentgw or of one of its commands')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run an agent with the gateway settings winning over its own config (left untouched)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgw;login' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, e.g. https://my-workspace.cloud.databricks.com')
            [CompletionResult]::new('--gateway-url', '--gateway-url', [CompletionResultType]::ParameterName, 'AI Gateway URL [default: <host>/ai-gateway]')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'How to sign in [default: the profile''s method, else a personal access token]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth client id: a workspace''s own app connection (--auth oauth) or a service principal''s application id (--auth m2m; else DATABRICKS_CLIENT_ID) [default for oauth: databricks-cli]')
            [CompletionResult]::new('--redirect-port', '--redirect-port', [CompletionResultType]::ParameterName, 'Browser sign-in: the port of the http://localhost redirect registered for the client [default: 8020, the Databricks CLI''s]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Browser sign-in: how long to wait for the browser, e.g. 90s, 10m [default: 5m]')
            [CompletionResult]::new('--from-databrickscfg', '--from-databrickscfg', [CompletionResultType]::ParameterName, 'Take host and credential from ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), section NAME (auth_type pat, databricks-cli / oauth-u2m, or oauth-m2m)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'PEM file with extra CA certificates to trust (remembered in the profile)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the token from standard input (for scripts; nothing is echoed)')
            [CompletionResult]::new('--client-secret-stdin', '--client-secret-stdin', [CompletionResultType]::ParameterName, 'Read the service principal''s OAuth secret from standard input (--auth m2m; else DATABRICKS_CLIENT_SECRET)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Browser sign-in: print the sign-in URL instead of opening a browser, then wait')
            [CompletionResult]::new('--insecure-storage', '--insecure-storage', [CompletionResultType]::ParameterName, 'Store the token in a plaintext 0600 file instead of the OS keyring')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Store the token without checking it against the workspace first (and without finding the gateway''s routes: agents get the default paths)')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Find the gateway and each agent''s route again with the stored sign-in, without signing in (after an admin enabled the AI Gateway or changed its routes); with --gateway-url, look there')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentgw;logout' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;token' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;setup' {
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model (gateway endpoint name) to use [default: the profile''s while the workspace serves it, else the newest the workspace serves of the agent''s family, else the product default]. A name the workspace does not serve is refused (see --force). Cursor takes several: repeat the flag or separate names with commas')
            [CompletionResult]::new('--otel-tables', '--otel-tables', [CompletionResultType]::ParameterName, 'Claude: export OpenTelemetry metrics and logs to CATALOG.SCHEMA.PREFIX_otel_{metrics,logs}')
            [CompletionResult]::new('--otel-resource-attribute', '--otel-resource-attribute', [CompletionResultType]::ParameterName, 'Claude, with --otel-tables: an attribute on every metric and event, e.g. team=data-eng (OTEL_RESOURCE_ATTRIBUTES, for usage per team); repeat for more')
            [CompletionResult]::new('--codex-profile', '--codex-profile', [CompletionResultType]::ParameterName, 'Codex: write $CODEX_HOME/NAME.config.toml instead of config.toml (start with `codex --profile NAME`)')
            [CompletionResult]::new('--cursor-dir', '--cursor-dir', [CompletionResultType]::ParameterName, 'Cursor''s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\Cursor]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the diff of each file and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask; write the changes (the default without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask; write the changes (the default without a terminal)')
            [CompletionResult]::new('--no-test', '--no-test', [CompletionResultType]::ParameterName, 'Skip the test request through the gateway after writing')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With `all`: configure agents that are not installed, too; also write a --model the workspace does not list')
            [CompletionResult]::new('--inline-token', '--inline-token', [CompletionResultType]::ParameterName, 'Claude: put the token in settings.json (0600) instead of calling `agentgw token`')
            [CompletionResult]::new('--keep-experimental-betas', '--keep-experimental-betas', [CompletionResultType]::ParameterName, 'Claude: keep Claude Code''s experimental betas (their headers may be refused by the gateway)')
            [CompletionResult]::new('--no-token-file', '--no-token-file', [CompletionResultType]::ParameterName, 'Gemini: leave the token out of ~/.gemini/.env (start Gemini with `agentgw exec gemini`); remembered in the profile')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Gemini: write the token into ~/.gemini/.env again after --no-token-file')
            [CompletionResult]::new('--write-cursor-db', '--write-cursor-db', [CompletionResultType]::ParameterName, 'Cursor: write its settings database (state.vscdb) instead of printing the steps; Cursor must be closed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentgw;apply' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--from-workspace', '--from-workspace', [CompletionResultType]::ParameterName, 'Also take the agents and models the workspace''s admins publish (the file wins per key)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask; write the changes (required without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask; write the changes (required without a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the combined diff and change nothing')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Change nothing; exit 1 with one line per setting not in place or not in force')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'With --check: print the result as JSON ({"ok", "drift", "skipped"})')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail when a listed agent is not installed, instead of skipping it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;remove' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the diff of each file and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask (the default without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (the default without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentgw;test' {
            [CompletionResult]::new('--cursor-dir', '--cursor-dir', [CompletionResultType]::ParameterName, 'Cursor''s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\Cursor]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: [{"agent","ok","status","latency_ms","model","url","reply","error_kind","message","fix"}]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentgw;status' {
            [CompletionResult]::new('--cursor-dir', '--cursor-dir', [CompletionResultType]::ParameterName, 'Cursor''s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\Cursor]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: {"profile":{...},"agents":[{...}]} (see README)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;doctor' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Check only this agent, and fail if it is not set up')
            [CompletionResult]::new('--cursor-dir', '--cursor-dir', [CompletionResultType]::ParameterName, 'Cursor''s user folder, the one holding User/globalStorage/state.vscdb [default: ~/.config/Cursor, ~/Library/Application Support/Cursor, %APPDATA%\Cursor]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: {"checks":[{"id","area","status":"ok|warn|fail","message","fix"}],"verdict"}')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 on warnings too')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentgw;otel-headers' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;otel' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('sql', 'sql', [CompletionResultType]::ParameterValue, 'Print the two CREATE TABLE statements (metrics and logs) of the product page')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create both tables (if they do not exist) through a SQL warehouse')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Send an empty OpenTelemetry export to both tables and say whether ingest accepts it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgw;otel;sql' {
            [CompletionResult]::new('--tables', '--tables', [CompletionResultType]::ParameterName, 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;otel;create' {
            [CompletionResult]::new('--tables', '--tables', [CompletionResultType]::ParameterName, 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]')
            [CompletionResult]::new('--warehouse-id', '--warehouse-id', [CompletionResultType]::ParameterName, 'SQL warehouse to run the statements on [default: the profile''s, else one the workspace lists, a running one first]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the warehouse (it may have to start) before cancelling')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the statements that would run and send nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;otel;check' {
            [CompletionResult]::new('--tables', '--tables', [CompletionResultType]::ParameterName, 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;otel;help' {
            [CompletionResult]::new('sql', 'sql', [CompletionResultType]::ParameterValue, 'Print the two CREATE TABLE statements (metrics and logs) of the product page')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create both tables (if they do not exist) through a SQL warehouse')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Send an empty OpenTelemetry export to both tables and say whether ingest accepts it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgw;otel;help;sql' {
            break
        }
        'agentgw;otel;help;create' {
            break
        }
        'agentgw;otel;help;check' {
            break
        }
        'agentgw;otel;help;help' {
            break
        }
        'agentgw;usage' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where the numbers come from [default: gateway; otel when --tables is given]')
            [CompletionResult]::new('--tables', '--tables', [CompletionResultType]::ParameterName, 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]')
            [CompletionResult]::new('--warehouse-id', '--warehouse-id', [CompletionResultType]::ParameterName, 'SQL warehouse to run the statements on [default: the profile''s, else one the workspace lists, a running one first]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the warehouse (it may have to start) before cancelling')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'How many days back, today included')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'One row per day, agent, model or user')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Only one agent''s requests (`other`: requests no agent is known by)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--all-users', '--all-users', [CompletionResultType]::ParameterName, 'Everyone''s requests, not only yours (needs SELECT on the whole table)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (shape in the README)')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Print CSV: a header line, one line per row, no total')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentgw;dashboard' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create the dashboard, or update the one this profile created before')
            [CompletionResult]::new('open', 'open', [CompletionResultType]::ParameterValue, 'Open the profile''s dashboard in the browser (and print its URL)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgw;dashboard;create' {
            [CompletionResult]::new('--tables', '--tables', [CompletionResultType]::ParameterName, 'CATALOG.SCHEMA.PREFIX of the tables PREFIX_otel_metrics and PREFIX_otel_logs [default: the profile''s]')
            [CompletionResult]::new('--warehouse-id', '--warehouse-id', [CompletionResultType]::ParameterName, 'SQL warehouse the dashboard''s queries run on [default: as `agentgw usage` finds one]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The dashboard''s name in the workspace')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the dashboard (Lakeview JSON) and send nothing')
            [CompletionResult]::new('--publish', '--publish', [CompletionResultType]::ParameterName, 'Also publish it, so people without access to the tables can view it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;dashboard;open' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--published', '--published', [CompletionResultType]::ParameterName, 'The published version')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;dashboard;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create the dashboard, or update the one this profile created before')
            [CompletionResult]::new('open', 'open', [CompletionResultType]::ParameterValue, 'Open the profile''s dashboard in the browser (and print its URL)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgw;dashboard;help;create' {
            break
        }
        'agentgw;dashboard;help;open' {
            break
        }
        'agentgw;dashboard;help;help' {
            break
        }
        'agentgw;profiles' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: {"profiles":[{"name","host","gateway_url","token_storage","active"}]}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;completions' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;man' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Write every page (agentgw.1, agentgw-<command>.1, ...) into DIR instead, creating it')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;exec' {
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model (gateway endpoint name) [default: the profile''s, else the product default]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'agentgw;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to a workspace (token, browser or service principal) and store the credential')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored token of a profile (the profile itself is kept)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the profile''s token (agents call this as their key helper)')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Point an agent''s config at the gateway (keeps everything else in the file)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Set up the agents a team policy file lists, or check they still are (--check)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Undo what setup changed, keeping every change of your own')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Send one real request per agent through the gateway, as the agent would')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the profile and, per agent, what is installed, configured and how it gets its token')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check everything between you and the gateway and say how to fix what is wrong')
            [CompletionResult]::new('otel-headers', 'otel-headers', [CompletionResultType]::ParameterValue, 'Print {"Authorization":"Bearer <token>"} (Claude Code''s otelHeadersHelper)')
            [CompletionResult]::new('otel', 'otel', [CompletionResultType]::ParameterValue, 'Create and check the Unity Catalog tables Claude Code''s telemetry goes to')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'What the agents cost: requests, tokens and estimated cost per day, agent, model or user')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Create or open the usage dashboard (AI/BI) in the workspace')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List profiles with their workspace, gateway and token storage')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff) of agentgw or of one of its commands')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run an agent with the gateway settings winning over its own config (left untouched)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgw;help;login' {
            break
        }
        'agentgw;help;logout' {
            break
        }
        'agentgw;help;token' {
            break
        }
        'agentgw;help;setup' {
            break
        }
        'agentgw;help;apply' {
            break
        }
        'agentgw;help;remove' {
            break
        }
        'agentgw;help;test' {
            break
        }
        'agentgw;help;status' {
            break
        }
        'agentgw;help;doctor' {
            break
        }
        'agentgw;help;otel-headers' {
            break
        }
        'agentgw;help;otel' {
            [CompletionResult]::new('sql', 'sql', [CompletionResultType]::ParameterValue, 'Print the two CREATE TABLE statements (metrics and logs) of the product page')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create both tables (if they do not exist) through a SQL warehouse')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Send an empty OpenTelemetry export to both tables and say whether ingest accepts it')
            break
        }
        'agentgw;help;otel;sql' {
            break
        }
        'agentgw;help;otel;create' {
            break
        }
        'agentgw;help;otel;check' {
            break
        }
        'agentgw;help;usage' {
            break
        }
        'agentgw;help;dashboard' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create the dashboard, or update the one this profile created before')
            [CompletionResult]::new('open', 'open', [CompletionResultType]::ParameterValue, 'Open the profile''s dashboard in the browser (and print its URL)')
            break
        }
        'agentgw;help;dashboard;create' {
            break
        }
        'agentgw;help;dashboard;open' {
            break
        }
        'agentgw;help;profiles' {
            break
        }
        'agentgw;help;completions' {
            break
        }
        'agentgw;help;man' {
            break
        }
        'agentgw;help;exec' {
            break
        }
        'agentgw;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
