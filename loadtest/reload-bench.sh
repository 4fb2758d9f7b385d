#!/usr/bin/env bash
# What reloads cost: CPU per reload of the shipped conf/, and p99 under keep-alive load with and without 50 reloads.
#   loadtest/reload-bench.sh [JAR]
# 1. The shipped conf/ with an admin token: 30 reloads through POST /admin/reload; prints the reloading thread's CPU
#    per reload (min/median/max) and the whole process's CPU per reload (all threads: JIT and GC included).
# 2. A gateway pinned to CPU 1 in front of a fixed-response nginx (CPU 0, with wrk): rounds of `wrk -c 64 -d 20s`
#    alternating "no reloads" and "50 reloads during the run" (two route files swapped, one POST /admin/reload every
#    ~0.35 s), after WARM_RELOADS (300) reloads to warm the reload path up; prints each round's p50/p99 and request
#    rate (ROUNDS, default 3). Loopback only; every process is stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="${1:-$ROOT/gateway-server/target/gateway-server.jar}"
ROUNDS="${ROUNDS:-3}"
TOKEN="reload-bench-token-0123456789"
W="$(mktemp -d /tmp/reload-bench.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
reload() { curl -s -XPOST -H "Authorization: Bearer $TOKEN" "127.0.0.1:$1/admin/reload"; }

echo "== CPU of one reload of the shipped conf/ (30 reloads)"
cp -r "$ROOT/conf" "$W/conf"
sed -i 's/"0.0.0.0:${GATEWAY_PORT:8080}"/"127.0.0.1:${GATEWAY_PORT:8080}"/' "$W/conf/gateway.yml"
sed -i 's/^  enabled: true                  # one line per request on stdout/  enabled: false/' "$W/conf/gateway.yml"
GATEWAY_PORT=19580 GATEWAY_ADMIN_PORT=19590 GATEWAY_ECHO_PORT=19591 GATEWAY_PID_FILE="$W/gateway.pid" \
  ADMIN_TOKEN="$TOKEN" taskset -c 1 java -jar "$JAR" --config "$W/conf/gateway.yml" > "$W/conf.log" 2>&1 & G=$!; PIDS+=($G)
wait_port 19590
reload 19590 > /dev/null   # the first one also loads classes; not counted
T0=$(cpu_ticks $G)
for i in $(seq 1 30); do reload 19590 | grep -o '"cpu_ms":[0-9.]*' | cut -d: -f2; done > "$W/cpu_ms"
T1=$(cpu_ticks $G)
HZ=$(getconf CLK_TCK)
sort -n "$W/cpu_ms" | awk -v ticks=$((T1 - T0)) -v hz="$HZ" '{v[NR]=$1} END {printf "reload thread CPU per reload: min %.1f ms, median %.1f ms, max %.1f ms; whole process: %.1f ms per reload\n", v[1], v[int((NR+1)/2)], v[NR], ticks * 1000 / hz / NR}'
kill $G; wait $G 2>/dev/null || true

echo "== p99 under load, without and with 50 reloads per 20 s run"
mkdir -p "$W/up"
cat > "$W/up/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $W/up/nginx.pid; error_log $W/up/error.log warn; worker_rlimit_nofile 20000;
events { worker_connections 8192; }
http { access_log off; keepalive_timeout 300s; keepalive_requests 100000000;
  server { listen 127.0.0.1:19501; location / { default_type application/json; return 200 '{"ok":true}'; } } }
CONF
taskset -c 0 nginx -p "$W/up" -c "$W/up/nginx.conf" & PIDS+=($!)
wait_port 19501
cat > "$W/gateway.yml" <<CONF
server: { listen: 127.0.0.1:19520, io-threads: 1 }
admin: { listen: 127.0.0.1:19530, token: $TOKEN }
access-log: { enabled: false }
tracing: { start-traceparent: false }
reload: { watch: false }
include: [routes.yml]
CONF
routes() { # $1: a or b (the same upstream, a different route set)
  if [[ $1 == a ]]; then
    printf 'upstreams: { bench: { targets: [http://127.0.0.1:19501] } }\nroutes:\n  - { id: all, paths: [/**], upstream: bench }\n  - { id: a, paths: [/a/**], upstream: bench, strip-prefix: /a }\n'
  else
    printf 'upstreams: { bench: { targets: [http://127.0.0.1:19501] } }\nroutes:\n  - { id: all, paths: [/**], upstream: bench, timeout: 20s }\n  - { id: b, paths: [/b/**], upstream: bench, strip-prefix: /b }\n'
  fi > "$W/routes.yml"
}
routes a
taskset -c 1 java -XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -XX:+UseSerialGC -jar "$JAR" --config "$W/gateway.yml" \
  > "$W/gateway.log" 2>&1 & G=$!; PIDS+=($G)
wait_port 19520
taskset -c 0 wrk -t1 -c64 -d20s http://127.0.0.1:19520/echo > /dev/null   # warm-up
# The reload path warmed up too (WARM_RELOADS, default 300): until the JIT has compiled it, each reload also costs
# compiler CPU on the gateway's only core.
for i in $(seq 1 "${WARM_RELOADS:-300}"); do if (( i % 2 )); then routes b; else routes a; fi; reload 19530 > /dev/null; done
summary() { awk '$1=="50%"{p50=$2} $1=="99%"{p99=$2} /^Requests\/sec/{rps=$2} /Socket errors|Non-2xx/{err=err $0}
  END {printf "p50 %s p99 %s rps %s errors %s", p50, p99, rps, err == "" ? "none" : err}' "$1"; }
for r in $(seq 1 "$ROUNDS"); do
  taskset -c 0 wrk -t1 -c64 -d20s --latency http://127.0.0.1:19520/echo > "$W/quiet.$r"
  echo "round $r without reloads: $(summary "$W/quiet.$r")"
  taskset -c 0 wrk -t1 -c64 -d20s --latency http://127.0.0.1:19520/echo > "$W/reload.$r" &
  WRK=$!
  sleep 1
  ok=0
  for i in $(seq 1 50); do
    if (( i % 2 )); then routes b; else routes a; fi
    reload 19530 | grep -q '"status":"reloaded"' && ok=$((ok + 1))
    sleep 0.35
  done
  wait $WRK
  echo "round $r with $ok reloads:    $(summary "$W/reload.$r")"
done
grep -c "configuration reloaded" "$W/gateway.log" | sed 's/^/reloads logged: /'
