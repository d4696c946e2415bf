#!/usr/bin/env bash
# Live blog under load, on SQLite: 1,000 readers with the demo live blog open
# while updates are posted from the live desk, 20 a second; prints the
# post-to-delivery latency over every connection (goal: p99 < 200 ms) and
# the article page's read throughput while it happens.
#
#   bench/liveblog.sh [readers, default 1000] [seconds of posting, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
readers="${1:-1000}"
seconds="${2:-10}"
port=18091
blog="/world/ukraine-war-live-kursk-winter-front"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

cargo build --release --quiet --bin broadsheet --example live_load
work="$(mktemp -d)"
cleanup() { [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

export BROADSHEET_SERVER__BIND="127.0.0.1:$port" BROADSHEET_LOG__LEVEL=warn
(cd "$work" && echo "a long bench password" | "$OLDPWD/target/release/broadsheet" user add --email bench@bench.example --role admin >/dev/null)
(cd "$work" && exec "$OLDPWD/target/release/broadsheet" serve) &
app_pid=$!
for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

echo "== live blog page alone"
wrk -t1 -c16 -d"${seconds}s" "http://127.0.0.1:$port$blog" | awk '/Requests\/sec/ {print "live blog requests/s (alone, 1 wrk thread): " $2}'

echo "== live readers while updates are posted"
wrk -t1 -c16 -d"$((seconds + 6))s" "http://127.0.0.1:$port$blog" > "$work/wrk.txt" &
wrk_pid=$!
target/release/examples/live_load entries "http://127.0.0.1:$port" "$blog" bench@bench.example "a long bench password" "$readers" "$seconds"
wait "$wrk_pid"
awk '/Requests\/sec/ {print "live blog requests/s (during the updates, 1 wrk thread): " $2}' "$work/wrk.txt"
echo "broadsheet resident memory: $(( $(awk '/VmRSS/ {print $2}' "/proc/$app_pid/status") / 1024 )) MiB"
