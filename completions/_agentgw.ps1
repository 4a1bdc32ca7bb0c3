
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
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Verify a personal access token and store it for a profile')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored token of a profile (the profile itself is kept)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the profile''s token (agents call this as their key helper)')
            [CompletionResult]::new('otel-headers', 'otel-headers', [CompletionResultType]::ParameterValue, 'Print {"Authorization":"Bearer <token>"} (Claude Code''s otelHeadersHelper)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List profiles with their workspace, gateway and token storage')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentgw;login' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, e.g. https://my-workspace.cloud.databricks.com')
            [CompletionResult]::new('--gateway-url', '--gateway-url', [CompletionResultType]::ParameterName, 'AI Gateway URL [default: <host>/ai-gateway]')
            [CompletionResult]::new('--from-databrickscfg', '--from-databrickscfg', [CompletionResultType]::ParameterName, 'Take host and token from ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), section NAME')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'PEM file with extra CA certificates to trust (remembered in the profile)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the token from standard input (for scripts; nothing is echoed)')
            [CompletionResult]::new('--insecure-storage', '--insecure-storage', [CompletionResultType]::ParameterName, 'Store the token in a plaintext 0600 file instead of the OS keyring')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Store the token without checking it against the workspace first')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
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
        'agentgw;otel-headers' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile (workspace + gateway) to use [default: default]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
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
        'agentgw;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Verify a personal access token and store it for a profile')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored token of a profile (the profile itself is kept)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the profile''s token (agents call this as their key helper)')
            [CompletionResult]::new('otel-headers', 'otel-headers', [CompletionResultType]::ParameterValue, 'Print {"Authorization":"Bearer <token>"} (Claude Code''s otelHeadersHelper)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List profiles with their workspace, gateway and token storage')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
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
        'agentgw;help;otel-headers' {
            break
        }
        'agentgw;help;profiles' {
            break
        }
        'agentgw;help;completions' {
            break
        }
        'agentgw;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
