#!/usr/bin/env bash
# Search over a generated archive (default 100,000 articles, ~500 words each)
# on SQLite: the time to write and index it, the cost the index adds when one
# article is published, and /search.json latency (p50/p90/p99) for random
# one- to three-word queries over 8 connections.
#
#   bench/search.sh [articles, default 100000] [seconds of queries, default 20]
#
# The queries run twice: with the default settings, then with
# database.sqlite_mmap_mb=4096 (the file read through memory mapping).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-100000}"
seconds="${2:-20}"
port=18093

cargo build --release --quiet --bin broadsheet --example search_bench
work="$(mktemp -d)"
cleanup() { [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export BROADSHEET_DATABASE__URL="sqlite://$work/bench.db"
echo "== writing $count articles"
target/release/examples/search_bench seed "$BROADSHEET_DATABASE__URL" "$count"
export BROADSHEET_SERVER__BIND="127.0.0.1:$port" BROADSHEET_LOG__LEVEL=warn BROADSHEET_DEMO__LOAD_WHEN_EMPTY=false
target/release/broadsheet serve &
app_pid=$!
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
echo "== searching for $seconds s"
target/release/examples/search_bench query "http://127.0.0.1:$port" "$seconds"
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
BROADSHEET_DATABASE__SQLITE_MMAP_MB=4096 target/release/broadsheet serve &
app_pid=$!
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
echo "== searching for $seconds s with database.sqlite_mmap_mb=4096"
target/release/examples/search_bench query "http://127.0.0.1:$port" "$seconds"
