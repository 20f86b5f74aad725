#!/bin/sh
# Screenshots of the admin panel for the README (docs/screenshots/*.png).
#
# Starts its own `zszo-connector dev` (own slapd, demo city from config/demo-seed.toml) in a
# temporary directory on spare ports, so it neither needs nor disturbs a running dev; saves
# the pages as HTML with panel_pages.py (it signs in and keeps the session cookie: see there
# why `chromium --screenshot` cannot do that itself) and photographs them with Debian's
# headless Chromium (`apt-get install chromium`). Everything temporary, including the demo
# slip's one-time password, is deleted at the end.
#
#   docs/screenshots/take.sh            # from the repository root; builds the binary first
#   ZSZO_BIN=/path/to/zszo-connector docs/screenshots/take.sh
set -eu
cd "$(dirname "$0")/../.."
PORT=${PORT:-18080}
LDAP_PORT=${LDAP_PORT:-13389}
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${ZSZO_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --quiet --bin zszo-connector
  BIN="$TARGET/debug/zszo-connector"
fi
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

sed -e "s#127.0.0.1:8080#127.0.0.1:$PORT#g" \
    -e "s#127.0.0.1:3389#127.0.0.1:$LDAP_PORT#g" \
    -e "s#var/dev#$work/dev#g" config/dev.toml > "$work/dev.toml"
"$BIN" dev --data-dir "$work/dev" --config "$work/dev.toml" > "$work/dev.log" 2>&1 &
pid=$!
i=0
until curl -fsS "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -gt 120 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "dev did not start:" >&2; cat "$work/dev.log" >&2; exit 1
  fi
  sleep 0.5
done

mkdir -p "$work/html"
python3 docs/screenshots/panel_pages.py "http://127.0.0.1:$PORT" "$work/html"

shot() { # name width height
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$work/chromium" --hide-scrollbars \
    --window-size="$2,$3" --screenshot="docs/screenshots/$1.png" \
    "file://$work/html/$1.html" > /dev/null 2>&1
  echo "docs/screenshots/$1.png"
}
shot search 1280 760
shot create 1280 760
shot slip 1280 1080
