#!/usr/bin/env bash
# Article page throughput: Broadsheet against nginx serving the same bytes
# from a file, both loaded by wrk on loopback in the same run.
#
#   bench/article.sh [seconds per run, default 10] [connections, default 64]
#
# Prints requests/s and p50/p99 latency for each, and Broadsheet/nginx ratios.
# Goal: >= 0.5x nginx's requests/s, p99 < 5 ms at 64 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
connections="${2:-64}"
article="/world/north-korean-troops-kursk-assaults-zelensky"
app_port=18080
nginx_port=18081

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

cargo build --release --quiet
work="$(mktemp -d)"
cleanup() {
  [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Broadsheet with the demo content on SQLite.
(cd "$work" && BROADSHEET_SERVER__BIND="127.0.0.1:$app_port" BROADSHEET_LOG__LEVEL=warn \
  exec "$OLDPWD/target/release/broadsheet" serve) &
app_pid=$!
for _ in $(seq 1 200); do
  curl -sf -o /dev/null "http://127.0.0.1:$app_port/" && break
  sleep 0.1
done

# The same bytes, as a file nginx serves.
mkdir -p "$work/www$(dirname "$article")" "$work/nginx"
curl -sf "http://127.0.0.1:$app_port$article" -o "$work/www$article"
chmod -R a+rX "$work"   # nginx workers run as an unprivileged user
bytes=$(wc -c < "$work/www$article")
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/html;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
CONF
"$nginx_bin" -c "$work/nginx/nginx.conf" -p "$work/nginx"
sleep 0.3
curl -sf -o /dev/null "http://127.0.0.1:$nginx_port$article"

run() { # name url -> "rps p50_ms p99_ms"
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$2" > "$work/$1.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$work/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/$1.txt")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() { # wrk prints 512.00us / 1.20ms / 2.00s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'
}

wrk -t2 -c"$connections" -d2s "http://127.0.0.1:$app_port$article" > /dev/null   # warm up
read -r app_rps app_p50 app_p99 <<< "$(run broadsheet "http://127.0.0.1:$app_port$article")"
read -r ngx_rps ngx_p50 ngx_p99 <<< "$(run nginx "http://127.0.0.1:$nginx_port$article")"
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$app_pid/status")

echo "Article page, $bytes bytes, $connections connections, ${duration}s each, $(nproc) cores shared with wrk"
printf "%-12s %12s %10s %10s\n" "" "requests/s" "p50 ms" "p99 ms"
printf "%-12s %12s %10s %10s\n" broadsheet "$app_rps" "$app_p50" "$app_p99"
printf "%-12s %12s %10s %10s\n" nginx "$ngx_rps" "$ngx_p50" "$ngx_p99"
awk -v a="$app_rps" -v n="$ngx_rps" -v p="$app_p99" 'BEGIN {
  printf "ratio broadsheet/nginx requests/s: %.2fx (goal >= 0.50x)\n", a / n
  printf "broadsheet p99: %.3f ms (goal < 5 ms)\n", p }'
echo "broadsheet resident memory after the run: $((rss_kb / 1024)) MiB"
