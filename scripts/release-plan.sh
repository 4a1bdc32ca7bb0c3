#!/usr/bin/env bash
# Prints what a release would contain (targets, archives, installers, checksums) as dist plans it
# from dist-workspace.toml, and checks that .github/workflows/release.yml is the one that dist
# release generates. Builds nothing and publishes nothing: the releases themselves are made by
# GitHub Actions when a `v*` tag is pushed.
#
# dist is installed on first use, from crates.io, into target/tools/dist-<version> (the version the
# config names; 8 minutes of compiling on a busy 2-core machine, nothing after). Exits non-zero when the
# configuration is broken or the workflow is stale.
#   scripts/release-plan.sh          the plan, as dist prints it
#   scripts/release-plan.sh --json   the plan as dist's JSON manifest
set -euo pipefail
cd "$(dirname "$0")/.."

case ${1:-} in
"" | --json) ;;
*)
    echo "usage: scripts/release-plan.sh [--json]" >&2
    exit 2
    ;;
esac

version=$(sed -n 's/^cargo-dist-version = "\(.*\)"$/\1/p' dist-workspace.toml)
if [[ -z $version ]]; then
    echo "release-plan.sh: dist-workspace.toml names no cargo-dist-version under [dist]" >&2
    exit 1
fi

root=target/tools/dist-$version
dist=$root/bin/dist
if [[ ! -x $dist ]]; then
    echo "release-plan.sh: installing dist $version into $root (once)" >&2
    # --debug: dist only reads files and plans here, which an unoptimised build does as fast.
    cargo install cargo-dist --version "=$version" --locked --debug --quiet \
        --root "$root" --target-dir target/tools/build
fi

# `dist plan` also fails when .github/workflows/release.yml is not what this config generates.
args=(plan)
if [[ ${1:-} == --json ]]; then
    args+=(--output-format=json --no-local-paths)
fi
if ! "$dist" "${args[@]}"; then
    echo "release-plan.sh: dist-workspace.toml is broken, or the workflow is stale after a config" \
        "change (regenerate it: $dist generate --mode ci)" >&2
    exit 1
fi
