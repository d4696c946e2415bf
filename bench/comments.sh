#!/usr/bin/env bash
# Live comments under load, on SQLite: 1,000 readers with the lead article's
# forum open while comments are posted (post-to-delivery latency on every
# connection), then comment writes per second, with the article page's read
# throughput measured alone and during the writes; then a long thread read:
# a story with 5,000 threaded comments (forum page signed out and signed in,
# and the story page with its first threads under it) against a story with
# none, in the same run.
#
#   bench/comments.sh [readers, default 1000] [seconds per phase, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
readers="${1:-1000}"
seconds="${2:-10}"
port=18090
article="/world/north-korean-troops-kursk-assaults-zelensky"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

cargo build --release --quiet --bin broadsheet --example live_load
work="$(mktemp -d)"
cleanup() { [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

export BROADSHEET_SERVER__BIND="127.0.0.1:$port" BROADSHEET_LOG__LEVEL=warn
export BROADSHEET_COMMUNITY__REGISTRATIONS_PER_ADDRESS_PER_HOUR=100000
(cd "$work" && echo "a long bench password" | "$OLDPWD/target/release/broadsheet" user add --email bench@bench.example --role admin >/dev/null)
(cd "$work" && exec "$OLDPWD/target/release/broadsheet" serve) &
app_pid=$!
for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

echo "== article page alone"
wrk -t1 -c16 -d"${seconds}s" "http://127.0.0.1:$port$article" | awk '/Requests\/sec/ {print "article requests/s (alone, 1 wrk thread): " $2}'

echo "== live readers and comment writes"
wrk -t1 -c16 -d"$((seconds * 2 + 8))s" "http://127.0.0.1:$port$article" > "$work/wrk.txt" &
wrk_pid=$!
target/release/examples/live_load comments "http://127.0.0.1:$port" "$article" bench@bench.example "a long bench password" "$readers" "$seconds"
wait "$wrk_pid"
awk '/Requests\/sec/ {print "article requests/s (during the comment load, 1 wrk thread): " $2}' "$work/wrk.txt"
echo "broadsheet resident memory: $(( $(awk '/VmRSS/ {print $2}' "/proc/$app_pid/status") / 1024 )) MiB"

echo "== reading a long thread"
long_comments="${LONG_COMMENTS:-5000}"
quiet="$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$port/world/regional-museum-reopens-after-refit")"
quiet="${quiet:-http://127.0.0.1:$port/world/regional-museum-reopens-after-refit}"
busy="$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$port/world/ukraine-generator-hubs-winter-blackouts")"
busy="${busy:-http://127.0.0.1:$port/world/ukraine-generator-hubs-winter-blackouts}"
cookie="$(target/release/examples/live_load seed "http://127.0.0.1:$port" "${busy#http://127.0.0.1:$port}" bench@bench.example "a long bench password" "$long_comments")"
sleep 4 # the story page's comment count is refreshed every 3 s
rate() { wrk -t1 -c16 -d"${seconds}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
plain=$(rate "$quiet")
story=$(rate "$busy")
forum=$(rate "$busy/comments")
signed=$(rate -H "Cookie: $cookie" "$busy/comments")
echo "story page with no comments: $plain requests/s"
echo "story page with $long_comments comments, first threads under it: $story requests/s ($(awk -v a="$story" -v b="$plain" 'BEGIN {printf "%.2f", a / b}')x; goal >= 0.5)"
echo "forum page, signed out: $forum requests/s ($(awk -v a="$forum" -v b="$plain" 'BEGIN {printf "%.2f", a / b}')x; goal >= 0.5)"
echo "forum page, signed in (drawn for the reader): $signed requests/s ($(awk -v a="$signed" -v b="$plain" 'BEGIN {printf "%.3f", a / b}')x)"
echo "forum page size: $(curl -s "$busy/comments" | wc -c) bytes; story page: $(curl -s "$busy" | wc -c) bytes"
