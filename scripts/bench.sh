#!/usr/bin/env bash
# Prints agentgw's speed and size figures (measured, never asserted in tests):
#   - clean release build time and stripped binary size        (target: binary <= 8 MiB)
#   - median wall time of `agentgw token` over 200 runs, file store and Secret Service store
#                                                               (target: <= 3 ms with the file store)
#     and for an OAuth profile whose cached access token is still fresh (same target)
#   - peak RSS of `agentgw token`                               (target: <= 8 MiB)
#   - `agentgw token` for an OAuth profile whose access token needs a refresh, against a token
#     endpoint that answers after 800 ms (one request: about the endpoint's delay), and `doctor`
#     for that profile (target: under 1.5 s, the refresh runs beside the other checks)
#   - median of 20 runs of `setup all --dry-run --yes --force`, and of
#     `setup all --yes --no-test --force` on a home that is already set up (no agent installed)
#   - the way users run it, with the real agents on PATH (the pinned current releases of
#     tests/agents/versions.txt, installed by scripts/install-agents.sh under $AGENTGW_AGENTS_DIR,
#     default target/agents):
#       `setup all --yes --no-test` on a set-up home             (target: <= 20 ms median)
#       `setup all --dry-run`                                     (target: <= 20 ms median)
#       `status` against a gateway on loopback                    (target: <= 50 ms median)
#       `apply --check` of a three-agent policy                   (target: <= 50 ms median)
#       `status` the first time (no version cache yet)
#       peak RSS of `setup all --yes --no-test`
#       `doctor` when every gateway call takes 800 ms             (target: < 1.5 s)
#       `setup all --yes` (with its test requests) against that gateway
#   - `agentgw doctor` and `agentgw test all` against a gateway that answers every request after
#     800 ms (target for doctor: under 1.5 s, the checks run in parallel), and against one that
#     never answers (bounded by AGENTGW_HTTP_TIMEOUT, here 5 s, not by the number of checks)
#   - how long `agentgw otel create --timeout 10` waits in all for statements that stay PENDING
#     (bounded by the deadline), and `agentgw usage --by user` on 10,000 result rows
#
# Timing uses hyperfine when it is on PATH, else a loop in python3 (same warm-up and median);
# nothing is installed. The Secret Service figure needs dbus + gnome-keyring (as scripts/test.sh
# installs). AGENTGW_BENCH_BIN=path/to/agentgw skips the clean build and measures that binary.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} != --inside-session ]]; then
    if [[ -n ${AGENTGW_BENCH_BIN:-} ]]; then
        bin=$(realpath "$AGENTGW_BENCH_BIN")
    else
        build_dir=$(mktemp -d)
        trap 'rm -rf "$build_dir"' EXIT
        start=$(date +%s.%N)
        CARGO_TARGET_DIR="$build_dir" cargo build --release --locked --quiet
        end=$(date +%s.%N)
        bin="$build_dir/release/agentgw"
        python3 -c 'import sys; print("clean release build:   %.0f s" % (float(sys.argv[2]) - float(sys.argv[1])))' "$start" "$end"
    fi
    python3 -c 'import sys; print("binary size:           %.2f MiB (stripped)" % (int(sys.argv[1]) / 1048576))' "$(stat -c %s "$bin")"
    if ! command -v hyperfine >/dev/null; then
        echo "(hyperfine is not on PATH: timing with a python3 loop instead)"
    fi
    # Not exec: the build folder must be removed afterwards.
    dbus-run-session -- scripts/with-secret-service.sh "$0" --inside-session "$bin"
    exit
fi

bin=$2
# median_ms runs command...: the median wall time of `runs` runs (after 3 warm-up runs), in ms.
# With BENCH_PREPARE set, that shell command runs before each run, untimed.
median_ms() {
    local runs=$1
    shift
    if command -v hyperfine >/dev/null; then
        local json prepare=()
        json=$(mktemp)
        [[ -n ${BENCH_PREPARE:-} ]] && prepare=(--prepare "$BENCH_PREPARE")
        hyperfine --shell=none --warmup 3 --runs "$runs" -i "${prepare[@]}" --export-json "$json" "$*" >/dev/null 2>&1
        python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$json"
        rm -f "$json"
    else
        python3 - "$runs" "$@" <<'EOF'
import os, statistics, subprocess, sys, time
runs, command = int(sys.argv[1]), sys.argv[2:]
prepare = os.environ.get("BENCH_PREPARE")
quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def once():
    if prepare:
        subprocess.run(prepare, shell=True, **quiet)
    started = time.perf_counter()
    subprocess.run(command, **quiet)
    return time.perf_counter() - started
for _ in range(3):
    once()
print("%.2f" % (statistics.median(once() for _ in range(runs)) * 1000))
EOF
    fi
}
# peak_rss_kib command...: peak resident set size in KiB.
peak_rss_kib() {
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
    else
        python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
    fi
}
# seconds_ms seconds: "1234" ms from "1.234".
ms() { python3 -c 'import sys; print("%.0f" % float(sys.argv[1]))' "$1"; }

home=$(mktemp -d)
export HOME=$home
unset XDG_CONFIG_HOME XDG_STATE_HOME AGENTGW_TOKEN AGENTGW_PROFILE
printf 'dapi0123456789abcdef0123456789abcd' |
    AGENTGW_AUTH_STORAGE=file "$bin" login --host https://ws.example.com --token-stdin --no-verify 2>/dev/null >/dev/null
printf 'dapi0123456789abcdef0123456789abcd' |
    AGENTGW_AUTH_STORAGE=keyring "$bin" login --profile kr --host https://ws.example.com --token-stdin --no-verify 2>/dev/null >/dev/null

# An OAuth profile as `login --auth oauth` leaves it, with an access token that is good for years:
# the path every agent's helper call takes between refreshes.
config_dir=$HOME/.config/agentgw
cat >>"$config_dir/config.toml" <<'TOML'

[profiles.oauth]
host = "https://ws.example.com"
token_storage = "file"
auth = "oauth"
client_id = "databricks-cli"
token_endpoint = "https://ws.example.com/oidc/v1/token"
TOML
cat >>"$config_dir/tokens.toml" <<'TOML'

[oauth]
access_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2lnbmF0dXJl"
expires_at = 4102444800
lifetime = 3600
refresh_token = "doau-bench-refresh-token"
TOML

echo "agentgw token, median of 200 runs:"
echo "  file store:            $(median_ms 200 "$bin" token) ms"
echo "  Secret Service store:  $(median_ms 200 "$bin" token --profile kr) ms"
echo "  OAuth, cached access token, file store: $(median_ms 200 "$bin" token --profile oauth) ms"
echo "agentgw token, peak RSS:"
echo "  file store:            $(peak_rss_kib "$bin" token) KiB"
echo "  Secret Service store:  $(peak_rss_kib "$bin" token --profile kr) KiB"
echo "  OAuth, cached access token, file store: $(peak_rss_kib "$bin" token --profile oauth) KiB"
echo "agentgw setup without agents on PATH, median of 20 runs:"
echo "  all --dry-run --yes --force:                   $(median_ms 20 "$bin" setup all --dry-run --yes --force) ms"
"$bin" setup all --yes --no-test --force >/dev/null 2>&1
echo "  all --yes --no-test --force, already set up:   $(median_ms 20 "$bin" setup all --yes --no-test --force) ms"
"$bin" logout --profile kr >/dev/null
rm -rf "$home"

# Against slow and silent gateways (scripts/slow-gateway.py, loopback).
gateway_home() { # port: a fresh HOME logged in to that gateway, every agent set up
    export HOME
    HOME=$(mktemp -d)
    printf 'dapi0123456789abcdef0123456789abcd' |
        AGENTGW_AUTH_STORAGE=file "$bin" login --host "http://127.0.0.1:$1" --token-stdin --no-verify >/dev/null 2>&1
    AGENTGW_AUTH_STORAGE=file "$bin" setup all --yes --no-test --force --otel-tables main.agents.claude >/dev/null 2>&1
}
start_gateway() { # delay [statements]: starts scripts/slow-gateway.py, sets $gateway_pid and $gateway_port
    coproc GATEWAY { exec python3 scripts/slow-gateway.py "$@"; }
    gateway_pid=$GATEWAY_PID
    read -r gateway_port <&"${GATEWAY[0]}"
}

# With the real agents on PATH, as users run it.
agents_dir="${AGENTGW_AGENTS_DIR:-$PWD/target/agents}"
agent_bins=()
while read -r agent role package version _; do
    [[ -z ${agent:-} || $agent == \#* || $role != current ]] && continue
    agent_bins+=("$agents_dir/$package@$version/bin")
    [[ -x "$agents_dir/$package@$version/bin/$agent" ]] || agent_bins=(missing)
done <tests/agents/versions.txt
if [[ ${agent_bins[0]} == missing ]]; then
    echo "with the agents on PATH: skipped, the pinned agents are not in $agents_dir (run scripts/install-agents.sh)"
else
    with_agents="$(IFS=:; echo "${agent_bins[*]}"):$PATH"
    start_gateway 0
    gateway_home "$gateway_port"
    cache="$HOME/.local/state/agentgw/agent-versions.json"
    echo "with the agents on PATH ($(PATH=$with_agents "$bin" status --json | python3 -c 'import json,sys; print(", ".join("%s %s" % (a["agent"], a["version"]) for a in json.load(sys.stdin)["agents"] if a.get("installed")))')), median of 20 runs:"
    echo "  setup all --yes --no-test, already set up:     $(PATH=$with_agents median_ms 20 "$bin" setup all --yes --no-test) ms"
    echo "  setup all --dry-run:                           $(PATH=$with_agents median_ms 20 "$bin" setup all --dry-run) ms"
    echo "  status, gateway on loopback:                   $(PATH=$with_agents median_ms 20 "$bin" status) ms"
    echo "  status, first run (no version cache):          $(PATH=$with_agents BENCH_PREPARE="rm -f $cache" median_ms 20 "$bin" status) ms"
    echo "  setup all --yes --no-test, peak RSS:           $(PATH=$with_agents peak_rss_kib "$bin" setup all --yes --no-test) KiB"
    # `apply --check` for a three-agent policy (target: <= 50 ms median); offline, but on the
    # home set up against the loopback gateway. Its verdict is printed too: a drift run is no
    # measure of a clean one.
    policy="$HOME/agentgw.toml"
    printf '[workspace]\nhost = "http://127.0.0.1:%s"\n[agents.claude]\n[agents.codex]\n[agents.gemini]\n' \
        "$gateway_port" >"$policy"
    verdict=$(PATH=$with_agents "$bin" apply "$policy" --check 2>/dev/null | head -1 || true)
    echo "  apply --check, 3 agents ($verdict): $(PATH=$with_agents median_ms 20 "$bin" apply "$policy" --check) ms"
    kill "$gateway_pid"
    rm -rf "$HOME"
    start_gateway 0.8
    gateway_home "$gateway_port"
    echo "with the agents on PATH, gateway answering after 800 ms, median of 5 runs:"
    echo "  agentgw doctor:                                $(ms "$(PATH=$with_agents median_ms 5 "$bin" doctor)") ms"
    echo "  agentgw setup all --yes (with test requests):  $(ms "$(PATH=$with_agents median_ms 5 "$bin" setup all --yes)") ms"
    kill "$gateway_pid"
    rm -rf "$HOME"
fi

start_gateway 0.8
gateway_home "$gateway_port"
echo "no agent on PATH, gateway answering after 800 ms, median of 5 runs:"
echo "  agentgw doctor:        $(ms "$(median_ms 5 "$bin" doctor)") ms"
echo "  agentgw test all:      $(ms "$(median_ms 5 "$bin" test all)") ms"
kill "$gateway_pid"
rm -rf "$HOME"
# An OAuth profile whose access token has expired: `agentgw token` refreshes it once.
start_gateway 0.8
gateway_home "$gateway_port"
config_dir=$HOME/.config/agentgw
cat >>"$config_dir/config.toml" <<TOML

[profiles.oauth]
host = "http://127.0.0.1:$gateway_port"
token_storage = "file"
auth = "oauth"
client_id = "databricks-cli"
token_endpoint = "http://127.0.0.1:$gateway_port/oidc/v1/token"
TOML
cp "$config_dir/tokens.toml" "$config_dir/tokens.expired"
printf '\n[oauth]\naccess_token = "expired"\nexpires_at = 1\nlifetime = 3600\nrefresh_token = "doau-x"\n' >>"$config_dir/tokens.expired"
expired_tokens="cp $config_dir/tokens.expired $config_dir/tokens.toml"
echo "token endpoint answering after 800 ms, median of 5 runs:"
echo "  agentgw token, OAuth access token expired (one refresh): $(ms "$(BENCH_PREPARE=$expired_tokens median_ms 5 "$bin" token --profile oauth)") ms"
echo "  agentgw doctor, OAuth profile (its refresh beside the workspace check): $(ms "$(median_ms 5 "$bin" doctor --profile oauth)") ms"
kill "$gateway_pid"
rm -rf "$HOME"
start_gateway never
gateway_home "$gateway_port"
started=$(date +%s.%N)
AGENTGW_HTTP_TIMEOUT=5 "$bin" doctor >/dev/null 2>&1 || true
ended=$(date +%s.%N)
python3 -c 'import sys; print("gateway never answering, AGENTGW_HTTP_TIMEOUT=5: agentgw doctor took %.1f s" % (float(sys.argv[2]) - float(sys.argv[1])))' "$started" "$ended"
kill "$gateway_pid"
rm -rf "$HOME"

# The SQL warehouse: a statement that never finishes, and a large usage result.
start_gateway 0 pending
gateway_home "$gateway_port"
started=$(date +%s.%N)
"$bin" otel create --tables main.agents.claude --warehouse-id bench --timeout 10 >/dev/null 2>&1 || true
ended=$(date +%s.%N)
python3 -c 'import sys; print("statement PENDING forever, --timeout 10: agentgw otel create took %.1f s" % (float(sys.argv[2]) - float(sys.argv[1])))' "$started" "$ended"
kill "$gateway_pid"
rm -rf "$HOME"
start_gateway 0 rows=10000
gateway_home "$gateway_port"
echo "agentgw usage --by user on 10,000 result rows, median of 10 runs:"
echo "  table with bars:       $(median_ms 10 "$bin" usage --by user --tables main.agents.claude --warehouse-id bench) ms"
echo "  --json:                $(median_ms 10 "$bin" usage --by user --json --tables main.agents.claude --warehouse-id bench) ms"
kill "$gateway_pid"
rm -rf "$HOME"
