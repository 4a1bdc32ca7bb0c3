#!/usr/bin/env bash
# Runs the whole test suite, the same way on a laptop and in CI:
#   1. installs what the tests need from Debian's packages when missing (dbus, gnome-keyring);
#   2. installs the pinned agent CLIs from the npm registry (scripts/install-agents.sh; cached);
#   3. starts a private D-Bus session with an unlocked gnome-keyring: a real Secret Service;
#   4. runs `cargo test` inside it (extra arguments are passed to cargo test).
# In CI (CI=true) the edit engine's property tests run 4096 cases each instead of 512
# (PROPTEST_CASES, if set, wins): about 50 s more on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v dbus-run-session >/dev/null || missing+=(dbus dbus-daemon)
command -v dbus-send >/dev/null || missing+=(dbus-bin)
command -v gnome-keyring-daemon >/dev/null || missing+=(gnome-keyring)
if ((${#missing[@]})); then
    echo "test.sh: installing ${missing[*]}" >&2
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scripts/install-agents.sh >/dev/null

if [[ ${CI:-} == true ]]; then
    export PROPTEST_CASES=${PROPTEST_CASES:-4096}
fi

exec dbus-run-session -- scripts/with-secret-service.sh cargo test --locked "$@"
