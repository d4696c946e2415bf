#!/usr/bin/env bash
# One breaking-news alert fanned out to many generated subscriptions (default
# 1,000,000) on SQLite, delivered to a local push-service sink on loopback:
# alerts per second end to end, time to the first subscriber, and the
# server's peak memory. In the same run, `openssl speed` measures the
# machine's P-256 key agreements per second on both cores (one per message,
# the dominant cost) and the ratio is printed, next to the same ratio for the
# crypto alone (what every message needs: a fresh key pair, the agreement,
# the key derivation and AES-GCM, on all cores with nothing else running),
# which is the ceiling any fan-out on this machine stays under.
#
#   bench/alerts.sh [subscriptions, default 1000000]
#
# BROADSHEET_BIN=path runs that server binary instead of this tree's (the
# sink, the seeding and the sender stay this tree's): bench/alerts_ab.sh uses
# it to measure another commit's push client against the same sink.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
port=18091
sink_port=18092
cores="$(nproc)"

# Given a server binary, the caller has built the rest.
[ -n "${BROADSHEET_BIN:-}" ] || cargo build --release --quiet --bin broadsheet --example alert_fanout
bin="${BROADSHEET_BIN:-target/release/broadsheet}"
work="$(mktemp -d)"
cleanup() {
  for pid in "${app_pid:-}" "${sink_pid:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

echo "== the machine's limit: P-256 key agreements per second ($cores cores)"
openssl speed -seconds 5 -multi "$cores" ecdhp256 2>/dev/null > "$work/openssl.txt"
limit="$(awk '/256 bits ecdh/ {print $NF}' "$work/openssl.txt" | tail -1)"
echo "openssl ecdhp256 op/s: $limit"
# What every message costs in crypto alone (a fresh key pair as well as the
# agreement): the most any fan-out could reach here before HTTP and the sink.
ceiling="$(target/release/examples/alert_fanout encrypt 5 | awk -F': ' '{print $2}')"
echo "messages encrypted per second, crypto alone: $ceiling"
awk -v c="$ceiling" -v l="$limit" 'BEGIN { printf "ratio of the crypto alone to the key-agreement limit: %.2f\n", c / l }'

echo "== seeding $count subscriptions"
export BROADSHEET_DATABASE__URL="sqlite://$work/bench.db"
target/release/examples/alert_fanout seed "$BROADSHEET_DATABASE__URL" "$count" "http://127.0.0.1:$sink_port/push"

# HTTP2=false: the push service and the client speak HTTP/1.1 instead.
if [ "${HTTP2:-true}" = true ]; then sink_mode=""; else sink_mode=http1; fi
target/release/examples/alert_fanout sink "$sink_port" $sink_mode > "$work/sink.txt" &
sink_pid=$!
export BROADSHEET_SERVER__BIND="127.0.0.1:$port" BROADSHEET_LOG__LEVEL=warn
export BROADSHEET_DEMO__LOAD_WHEN_EMPTY=false BROADSHEET_ALERTS__ALLOW_PRIVATE_ENDPOINTS=true
# Push services speak HTTP/2 (negotiated over TLS); the local sink offers it in the clear.
export BROADSHEET_ALERTS__HTTP2_PRIOR_KNOWLEDGE="${HTTP2:-true}"
echo "a long bench password" | "$bin" user add --email bench@bench.example --role editor >/dev/null
"$bin" serve &
app_pid=$!
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$1/stat"; }
app_cpu_before="$(cpu "$app_pid")"
sink_cpu_before="$(cpu "$sink_pid")"
echo "== one alert to every subscription"
target/release/examples/alert_fanout send "http://127.0.0.1:$port" bench@bench.example "a long bench password" | tee "$work/send.txt"
rate="$(awk -F': ' '/alerts per second/ {print $2}' "$work/send.txt")"
peak="$(awk '/VmHWM/ {print $2}' "/proc/$app_pid/status")"
sleep 1.2   # the sink prints its counts each second
[ -s "$work/sink.txt" ] && tail -1 "$work/sink.txt"
echo "broadsheet peak memory: $((peak / 1024)) MiB"
echo "CPU seconds during the fan-out: broadsheet $(awk -v a="$(cpu "$app_pid")" -v b="$app_cpu_before" 'BEGIN {print a - b}'), sink $(awk -v a="$(cpu "$sink_pid")" -v b="$sink_cpu_before" 'BEGIN {print a - b}')"
awk -v r="$rate" -v l="$limit" 'BEGIN { printf "ratio to the key-agreement limit on all cores: %.2f (goal >= 0.50)\n", r / l }'
awk -v r="$rate" -v c="$ceiling" 'BEGIN { printf "share of the crypto-alone ceiling reached: %.2f\n", r / c }'
