#!/usr/bin/env bash
# Inside a D-Bus session (see test.sh): start gnome-keyring's Secret Service with an unlocked,
# throw-away login keyring, wait until it owns its bus name, then run the given command.
set -euo pipefail

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# A keyring of its own: never the developer's real one.
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

printf 'agentgw-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null

# Without this wait about 1 run in 30 fails: D-Bus activates a second, locked daemon.
owned=""
for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
        owned=yes
        break
    fi
    sleep 0.1
done
if [[ -z $owned ]]; then
    echo "with-secret-service.sh: gnome-keyring did not take org.freedesktop.secrets within 10 s" >&2
    exit 1
fi

export AGENTGW_TEST_SECRET_SERVICE=1
"$@"
