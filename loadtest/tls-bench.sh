#!/usr/bin/env bash
# TLS CPU per request: the gateway's TLS listener against nginx with the same certificate (ECDSA P-256, TLS 1.3) and
# the same fixed-response upstream, first on keep-alive connections, then with a new connection (a full handshake,
# wrk does not resume sessions) per request. loadtest/proxy-bench.sh loads http:// only, hence this script.
#   loadtest/tls-bench.sh [JAR]
# Layout as proxy-bench.sh: wrk and the upstream nginx on CPU 0, the proxy under test alone on CPU 1 (nginx with one
# worker, the gateway with one event loop and -XX:ActiveProcessorCount=1). Each proxy is warmed up (WARMUP s, default
# 30), then ROUNDS (default 3) rounds of `wrk -t1 -c64 -d DURATION` (default 10 s) alternate between the two. Per run:
# requests/s and the proxy process's CPU (utime+stime from /proc) per request in µs; then the per-round ratio.
# Loopback only; every process is stopped by PID on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="${1:-$ROOT/gateway-server/target/gateway-server.jar}"
ROUNDS="${ROUNDS:-3}"; DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-30}"
W="$(mktemp -d /tmp/tls-bench.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
HZ=$(getconf CLK_TCK)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/bench.key" -out "$W/bench.pem" \
  -days 2 -subj /CN=bench.example -addext subjectAltName=DNS:bench.example 2>/dev/null

cat > "$W/up.conf" <<CONF
worker_processes 1; daemon off; pid $W/up.pid; error_log $W/up.err warn; worker_rlimit_nofile 20000;
events { worker_connections 8192; }
http { access_log off; keepalive_timeout 300s; keepalive_requests 100000000;
  server { listen 127.0.0.1:19601; location / { default_type application/json; return 200 '{"ok":true}'; } } }
CONF
taskset -c 0 nginx -p "$W" -c "$W/up.conf" & PIDS+=($!)
wait_port 19601

mkdir -p "$W/ngx"
cat > "$W/ngx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $W/ngx/nginx.pid; error_log $W/ngx/error.log warn; worker_rlimit_nofile 20000;
events { worker_connections 8192; }
http { access_log off; keepalive_timeout 300s; keepalive_requests 100000000;
  upstream up { server 127.0.0.1:19601; keepalive 128; }
  server { listen 127.0.0.1:19643 ssl; ssl_certificate $W/bench.pem; ssl_certificate_key $W/bench.key;
    ssl_protocols TLSv1.3 TLSv1.2;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
taskset -c 1 nginx -p "$W/ngx" -c "$W/ngx/nginx.conf" & NGX=$!; PIDS+=($NGX)
wait_port 19643

cat > "$W/gateway.yml" <<CONF
server:
  listen: 127.0.0.1:19620
  io-threads: 1
  tls:
    listen: 127.0.0.1:19644
    certificates: [{cert: bench.pem, key: bench.key}]
admin: {listen: 127.0.0.1:19630}
access-log: {enabled: false}
tracing: {start-traceparent: false}
reload: {watch: false}
upstreams: {bench: {targets: [http://127.0.0.1:19601]}}
routes: [{id: all, paths: [/**], upstream: bench}]
CONF
taskset -c 1 java -XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -XX:+UseSerialGC -jar "$JAR" --config "$W/gateway.yml" \
  > "$W/gateway.log" 2>&1 & G=$!; PIDS+=($G)
wait_port 19644
grep -o "TLS provider: [^,]*" "$W/gateway.log" || true
curl -sf --cacert "$W/bench.pem" --resolve bench.example:19644:127.0.0.1 https://bench.example:19644/x > /dev/null
curl -sf --cacert "$W/bench.pem" --resolve bench.example:19643:127.0.0.1 https://bench.example:19643/x > /dev/null

# nginx's worker is the child of the master we started; the master does no request work, count both.
NGX_PIDS="$NGX $(pgrep -P "$NGX" | tr '\n' ' ')"
taskset -c 0 wrk -t1 -c64 -d"${WARMUP}s" https://127.0.0.1:19644/echo > /dev/null
taskset -c 0 wrk -t1 -c64 -d10s https://127.0.0.1:19643/echo > /dev/null
HDR=()
run() { # $1 name, $2 port, $3.. pids -> "rps us_per_req"
  local name=$1 port=$2; shift 2
  local t0 t1 out reqs
  t0=$(ticks "$@")
  out="$(taskset -c 0 wrk -t1 -c64 -d"${DURATION}s" "${HDR[@]}" "https://127.0.0.1:$port/echo")"
  t1=$(ticks "$@")
  echo "$out" > "$W/$name.$r"
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$reqs" -v d="$DURATION" 'BEGIN {printf "%.0f %.1f", n / d, t * 1e6 / hz / n}'
}
rounds() {
  for r in $(seq 1 "$ROUNDS"); do
    if (( r % 2 )); then a=$(run gateway 19644 $G); b=$(run nginx 19643 $NGX_PIDS)
    else b=$(run nginx 19643 $NGX_PIDS); a=$(run gateway 19644 $G); fi
    read -r ga gu <<<"$a"; read -r na nu <<<"$b"
    awk -v r="$r" -v ga="$ga" -v gu="$gu" -v na="$na" -v nu="$nu" 'BEGIN {
      printf "round %d: gateway %s req/s %s us CPU/req | nginx %s req/s %s us CPU/req | CPU ratio %.2f\n",
        r, ga, gu, na, nu, gu / nu }'
  done
}
echo "== keep-alive, 64 connections"
rounds
echo "== a new TLS connection per request (Connection: close), 64 at a time"
HDR=(-H "Connection: close")
taskset -c 0 wrk -t1 -c64 -d10s "${HDR[@]}" https://127.0.0.1:19644/echo > /dev/null   # the handshake path warms up
rounds
