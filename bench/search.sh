#!/usr/bin/env bash
# Search over a generated archive (default 100,000 articles, ~500 words each)
# on SQLite: the time to write and index it, the cost the index adds when one
# article is published, and /search.json latency (p50/p90/p99) for random
# one- to three-word queries: at fixed rates of 50, 100 and 200 queries a
# second (the latency a reader sees at that load, counted from when each
# query was due), then flat out over 8 connections (the most the machine
# answers, where latency is mostly waiting in line).
#
#   bench/search.sh [articles, default 100000] [seconds of queries, default 20]
#
# The queries run twice: with the default settings, then with
# database.sqlite_mmap_mb=2048 (the file read through memory mapping; 2 GiB
# is the most SQLite maps unless it is built otherwise). With
# BENCH_POSTGRES set to a server URL (postgres://postgres@127.0.0.1:5432),
# the same archive and queries then run on PostgreSQL too, in a database
# named broadsheet_search_bench made afresh on that server.
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
searches() {
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  # Warm up (not counted): the first queries read the index from disk.
  target/release/examples/search_bench rate "http://127.0.0.1:$port" 5 50 >/dev/null
  for qps in 50 100 200; do
    echo "-- $qps queries a second for $seconds s"
    target/release/examples/search_bench rate "http://127.0.0.1:$port" "$seconds" "$qps"
  done
  echo "-- flat out for $seconds s"
  target/release/examples/search_bench query "http://127.0.0.1:$port" "$seconds"
}
echo "== searching with the default settings"
searches
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
BROADSHEET_DATABASE__SQLITE_MMAP_MB=2048 target/release/broadsheet serve &
app_pid=$!
echo "== searching with database.sqlite_mmap_mb=2048"
searches

if [ -n "${BENCH_POSTGRES:-}" ]; then
  kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
  psql "$BENCH_POSTGRES/postgres" -qc 'DROP DATABASE IF EXISTS broadsheet_search_bench' -c 'CREATE DATABASE broadsheet_search_bench'
  export BROADSHEET_DATABASE__URL="$BENCH_POSTGRES/broadsheet_search_bench"
  echo "== writing $count articles to PostgreSQL"
  target/release/examples/search_bench seed "$BROADSHEET_DATABASE__URL" "$count"
  psql "$BROADSHEET_DATABASE__URL" -qc 'VACUUM ANALYZE'
  target/release/broadsheet serve &
  app_pid=$!
  echo "== searching on PostgreSQL"
  searches
fi
