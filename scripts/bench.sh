#!/usr/bin/env bash
# Prints agentgw's speed and size figures (measured, never asserted in tests):
#   - clean release build time and stripped binary size        (target: binary <= 8 MiB)
#   - median wall time of `agentgw token` over 200 runs, file store and Secret Service store
#                                                               (target: <= 3 ms with the file store)
#   - peak RSS of `agentgw token`                               (target: <= 8 MiB)
#   - median of 20 runs of `setup all --dry-run --yes --force`, and of
#     `setup all --yes --no-test --force` on a home that is already set up
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
