#!/usr/bin/env bash
# Prints agentgw's speed and size figures (measured, never asserted in tests):
#   - clean release build time and stripped binary size        (target: binary <= 8 MiB)
#   - median wall time of `agentgw token` over 200 runs, file store and Secret Service store
#                                                               (target: <= 3 ms with the file store)
#   - peak RSS of `agentgw token`                               (target: <= 8 MiB)
#   - median of 20 runs of `setup all --dry-run --yes --force`, and of
#     `setup all --yes --no-test --force` on a home that is already set up
#   - `agentgw doctor` and `agentgw test all` against a gateway that answers every request after
#     800 ms (target for doctor: under 1.5 s, the checks run in parallel), and against one that
#     never answers (bounded by AGENTGW_HTTP_TIMEOUT, here 5 s, not by the number of checks)
#   - how long `agentgw otel create --timeout 10` waits in all for statements that stay PENDING
#     (bounded by the deadline), and `agentgw usage --by user` on 10,000 result rows
# Needs hyperfine (installed from Debian's packages when missing) and, for the Secret Service
# figure, dbus + gnome-keyring (as scripts/test.sh installs).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} != --inside-session ]]; then
    if ! command -v hyperfine >/dev/null; then
        sudo=""
        [[ $(id -u) -eq 0 ]] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq hyperfine >/dev/null
    fi
    build_dir=$(mktemp -d)
    trap 'rm -rf "$build_dir"' EXIT
    start=$(date +%s.%N)
    CARGO_TARGET_DIR="$build_dir" cargo build --release --locked --quiet
    end=$(date +%s.%N)
    bin="$build_dir/release/agentgw"
    python3 -c 'import sys; print("clean release build:   %.0f s" % (float(sys.argv[2]) - float(sys.argv[1])))' "$start" "$end"
    python3 -c 'import sys; print("binary size:           %.2f MiB (stripped)" % (int(sys.argv[1]) / 1048576))' "$(stat -c %s "$bin")"
    exec dbus-run-session -- scripts/with-secret-service.sh "$0" --inside-session "$bin"
fi

bin=$2
median_ms() { # runs command...: median wall time, in ms
    local json runs=$1
    shift
    json=$(mktemp)
    hyperfine --shell=none --warmup 3 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1
    python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$json"
    rm -f "$json"
}
peak_rss_kib() { # command...: peak resident set size in KiB
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
}

home=$(mktemp -d)
export HOME=$home
unset XDG_CONFIG_HOME XDG_STATE_HOME AGENTGW_TOKEN AGENTGW_PROFILE
printf 'dapi0123456789abcdef0123456789abcd' |
    AGENTGW_AUTH_STORAGE=file "$bin" login --host https://ws.example.com --token-stdin --no-verify 2>/dev/null >/dev/null
printf 'dapi0123456789abcdef0123456789abcd' |
    AGENTGW_AUTH_STORAGE=keyring "$bin" login --profile kr --host https://ws.example.com --token-stdin --no-verify 2>/dev/null >/dev/null

echo "agentgw token, median of 200 runs:"
echo "  file store:            $(median_ms 200 "$bin" token) ms"
echo "  Secret Service store:  $(median_ms 200 "$bin" token --profile kr) ms"
echo "agentgw token, peak RSS:"
echo "  file store:            $(peak_rss_kib "$bin" token) KiB"
echo "  Secret Service store:  $(peak_rss_kib "$bin" token --profile kr) KiB"
echo "agentgw setup, median of 20 runs:"
echo "  all --dry-run --yes --force:                   $(median_ms 20 "$bin" setup all --dry-run --yes --force) ms"
"$bin" setup all --yes --no-test --force >/dev/null 2>&1
echo "  all --yes --no-test --force, already set up:   $(median_ms 20 "$bin" setup all --yes --no-test --force) ms"
"$bin" logout --profile kr >/dev/null
rm -rf "$home"

# Against slow and silent gateways (scripts/slow-gateway.py, loopback).
gateway_home() { # port: a fresh HOME logged in to that gateway, all three agents set up
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
start_gateway 0.8
gateway_home "$gateway_port"
echo "gateway answering after 800 ms, median of 5 runs:"
echo "  agentgw doctor:        $(hyperfine --shell=none --runs 5 -i --export-json /tmp/agentgw-doctor.json "$bin doctor" >/dev/null 2>&1;
    python3 -c 'import json; print("%.0f" % (json.load(open("/tmp/agentgw-doctor.json"))["results"][0]["median"]*1000))') ms"
echo "  agentgw test all:      $(hyperfine --shell=none --runs 5 -i --export-json /tmp/agentgw-test.json "$bin test all" >/dev/null 2>&1;
    python3 -c 'import json; print("%.0f" % (json.load(open("/tmp/agentgw-test.json"))["results"][0]["median"]*1000))') ms"
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
