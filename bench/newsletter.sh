#!/usr/bin/env bash
# One newsletter edition to many generated subscribers (default 1,000,000)
# on SQLite, handed to Postfix's smtp-sink on loopback: messages per second
# end to end (from pressing Send to the sink holding the last message), the
# time until the sink holds the first, and the server's peak memory. In the
# same run, Postfix's smtp-source sends messages of the same size to a fresh
# sink over as many connections: the reference (what this machine and this
# sink take from a sender that does nothing but send), and the ratio.
# The subscribers come in through `broadsheet subscribers import` (a CSV),
# which is timed too.
#
#   bench/newsletter.sh [subscribers, default 1000000]
#   DKIM=rsa or DKIM=ed25519: every message signed with a fresh key of that kind
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
connections="${CONNECTIONS:-8}"
port=18093
sink_port=18094
dump_port=18095
as_nobody=()
[ "$(id -u)" = 0 ] && as_nobody=(-u nobody)

scripts/setup >/dev/null
cargo build --release --quiet --bin broadsheet
bin=target/release/broadsheet
work="$(mktemp -d)"
chmod 777 "$work"
mkdir -m 777 "$work/dump"
cleanup() {
  for pid in "${app_pid:-}" "${sink_pid:-}" "${dump_pid:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

export BROADSHEET_DATABASE__URL="sqlite://$work/bench.db?mode=rwc"
export BROADSHEET_SERVER__BIND="127.0.0.1:$port" BROADSHEET_LOG__LEVEL=warn
export BROADSHEET_SITE__BASE_URL="http://127.0.0.1:$port"
export BROADSHEET_MEDIA__DIR="$work/media" BROADSHEET_MAIL__OUTBOX_DIR="$work/outbox"
export BROADSHEET_NEWSLETTERS__CONNECTIONS="$connections"
export BROADSHEET_NEWSLETTERS__BOUNCE_ADDRESS="bounces@bench.example"
case "${DKIM:-}" in
  rsa) openssl genrsa -traditional -out "$work/dkim.pem" 2048 2>/dev/null ;;
  ed25519) openssl genpkey -algorithm ed25519 -out "$work/dkim.pem" ;;
  "") ;;
  *) echo "DKIM is rsa or ed25519" >&2; exit 2 ;;
esac
if [ -n "${DKIM:-}" ]; then
  chmod 644 "$work/dkim.pem"
  export BROADSHEET_NEWSLETTERS__DKIM_DOMAIN=bench.example BROADSHEET_NEWSLETTERS__DKIM_SELECTOR=bench
  export BROADSHEET_NEWSLETTERS__DKIM_KEY_FILE="$work/dkim.pem"
fi
base="http://127.0.0.1:$port"

start_app() {
  BROADSHEET_NEWSLETTERS__SMTP_URL="smtp://127.0.0.1:$1" "$bin" serve > "$work/app.log" 2>&1 &
  app_pid=$!
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$base/readyz" && return; sleep 0.1; done
  echo "the site did not start"; cat "$work/app.log"; exit 1
}
stop_app() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""; }
sign_in() {
  curl -sf -c "$work/cookies" -o /dev/null -d "email=bench@bench.example&password=a+long+bench+password&next=/newsroom" "$base/newsroom/login"
}
post() { curl -s -b "$work/cookies" -o /dev/null -w '%{redirect_url}' "$@"; }

echo "== a site with the demo content, a newsletter and an edition"
echo "a long bench password" | "$bin" user add --email bench@bench.example --role editor >/dev/null
smtp-sink "${as_nobody[@]}" -d "$work/dump/m." "127.0.0.1:$dump_port" 256 &
dump_pid=$!
start_app "$dump_port"
sign_in
newsletter="$(post -d "name=Morning+Briefing&description=The+news+before+breakfast&frequency=Every+weekday" "$base/newsroom/newsletters")"
newsletter="${newsletter##*/}"
stories="$(curl -s -b "$work/cookies" "$base/newsroom/newsletters/$newsletter/editions/new" | grep -o '<code>[^<]*</code>' | head -3 | sed 's/<[^>]*>//g')"
{
  echo "## Good morning"
  for i in $(seq 1 12); do
    echo
    echo "Paragraph $i of the briefing: the talks resumed overnight, the markets opened lower, and the *weather* turns colder by the weekend. Here is what else you need to know before you start the day, with [a link](/world) to the rest."
  done
  for url in $stories; do echo; echo "$url"; done
} > "$work/body.md"
edition="$(post --data-urlencode "subject=Talks resume; markets lower" --data-urlencode "preheader=Three things to know" \
  --data-urlencode "body@$work/body.md" -d "with_appeal=on" "$base/newsroom/newsletters/$newsletter/editions")"
edition="$(echo "$edition" | sed 's|.*/newsroom/editions/||; s|?.*||')"
post -X POST "$base/newsroom/editions/$edition/test" >/dev/null
for _ in $(seq 1 100); do [ -n "$(ls "$work/dump")" ] && break; sleep 0.1; done
sleep 0.3
sample="$(ls "$work/dump" | head -1)"
# The message as the relay took it, without the lines the sink adds on top
# (X-Client-…, X-…-Args, Received); smtp-source's -l is the same count.
size="$(awk 'NR == 1, /^Received:/ { next } /^\t/ && !body { next } { body = 1; print }' "$work/dump/$sample" | wc -c)"
echo "one message: $size bytes (HTML and text, $(echo $stories | wc -w) story cards)"
stop_app
kill "$dump_pid"; dump_pid=""

echo "== importing $count subscribers from CSV"
awk -v n="$count" 'BEGIN { print "email,name,newsletters,consent_date"; for (i = 0; i < n; i++) printf "reader%d@readers.example,Reader %d,morning-briefing,2026-01-01\n", i, i }' > "$work/subscribers.csv"
import_start="$(date +%s.%N)"
"$bin" subscribers import "$work/subscribers.csv" > "$work/import.txt"
head -3 "$work/import.txt"
import_end="$(date +%s.%N)"
awk -v n="$count" -v a="$import_start" -v b="$import_end" 'BEGIN { printf "imported in %.1f s (%.0f subscribers/s)\n", b - a, n / (b - a) }'

# smtp-sink -c keeps rewriting one status line ("sess=N quit=N mesg=N\r"): read only its end.
count_of() { tail -c 80 "$1" | tr '\r' '\n' | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2 || true; }

echo "== the edition to every subscriber, $connections connections"
smtp-sink "${as_nobody[@]}" -c "127.0.0.1:$sink_port" 1024 > "$work/sink.txt" &
sink_pid=$!
start_app "$sink_port"
sign_in
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$1/stat"; }
cpu_before="$(cpu "$app_pid")"
# PROFILE=1: a CPU profile of the server while it sends (perf, from Debian's linux-perf).
if [ -n "${PROFILE:-}" ]; then
  perf record -F 499 -g -p "$app_pid" -o "$work/perf.data" >/dev/null 2>&1 &
  perf_pid=$!
fi
t0="$(date +%s.%N)"
post -X POST "$base/newsroom/editions/$edition/send" >/dev/null
first=""
while :; do
  got="$(count_of "$work/sink.txt")"; got="${got:-0}"
  now="$(date +%s.%N)"
  if [ -z "$first" ] && [ "$got" -gt 0 ]; then first="$now"; fi
  [ "$got" -ge "$count" ] && break
  if awk -v a="$t0" -v b="$now" 'BEGIN { exit !(b - a > 3600) }'; then echo "gave up after an hour at $got"; break; fi
  sleep 0.02
done
t1="$(date +%s.%N)"
if [ -n "${PROFILE:-}" ]; then
  kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
  perf report -i "$work/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null > "$work/perf.txt" || true
  grep -v '^#' "$work/perf.txt" | grep '%' | head -20 || true
fi
peak="$(awk '/VmHWM/ {print $2}' "/proc/$app_pid/status")"
app_cpu="$(awk -v a="$(cpu "$app_pid")" -v b="$cpu_before" 'BEGIN {print a - b}')"
rate="$(awk -v n="$got" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')"
awk -v a="$t0" -v b="$first" 'BEGIN { printf "first recipient after %.3f s (goal < 1 s)\n", b - a }'
awk -v n="$got" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d messages in %.1f s: %.0f messages/s\n", n, b - a, n / (b - a) }'
echo "broadsheet peak memory: $((peak / 1024)) MiB (goal < 200 MB); CPU seconds: $app_cpu"
curl -s -b "$work/cookies" "$base/newsroom/editions/$edition" | grep -o '<dt>[^<]*</dt><dd[^>]*>[^<]*</dd>' | sed 's/<[^>]*>/ /g' | tr -s ' ' | paste -sd ';' -
stop_app
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null || true; sink_pid=""

ref_count=$(( count < 200000 ? count : 200000 ))
echo "== reference: smtp-source, $ref_count messages of $size bytes over $connections connections"
smtp-sink "${as_nobody[@]}" -c "127.0.0.1:$sink_port" 1024 > "$work/sink2.txt" &
sink_pid=$!
sleep 0.3
r0="$(date +%s.%N)"
smtp-source -d -s "$connections" -m "$ref_count" -l "$size" -f news@bench.example -t reader@readers.example "127.0.0.1:$sink_port"
r1="$(date +%s.%N)"
ref="$(awk -v n="$ref_count" -v a="$r0" -v b="$r1" 'BEGIN { printf "%.0f", n / (b - a) }')"
echo "smtp-source: $ref messages/s"
awk -v r="$rate" -v f="$ref" 'BEGIN { printf "ratio to smtp-source: %.2f (goal >= 0.5)\n", r / f }'
