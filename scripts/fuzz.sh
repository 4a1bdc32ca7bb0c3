#!/usr/bin/env bash
# Fuzzes agentgw's config editors: each cargo-fuzz target in fuzz/ (json, toml, dotenv) runs for
# SECONDS (default 60), seeded with the corpus of real-world shapes in tests/corpus/, and the
# executions and corpus size of each are printed. The property checked on every input is in
# fuzz/src/check.rs. A failure leaves the input in fuzz/artifacts/<target>/ and exits 1.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). cargo-fuzz wants a nightly toolchain
# for its sanitizer flags; RUSTC_BOOTSTRAP=1 lets a stable one accept them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(json toml dotenv)

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$PWD/target}
cargo fuzz build -O >/dev/null 2>&1 || cargo fuzz build -O

for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    cp -n ../tests/corpus/"$target"/* "corpus/$target/"
    log=$(mktemp)
    if ! cargo fuzz run -O "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz.sh: $target FAILED; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    inputs=$(find "corpus/$target" -type f | wc -l)
    printf '%-7s %10s executions in %5s s (%s/s), corpus %s inputs, 0 failures\n' \
        "$target" "$executions" "$seconds" "$per_second" "$inputs"
    rm -f "$log"
done
