#!/usr/bin/env bash
# Batch calls against single requests (issue 15, Performance):
#   loadtest/batch-bench.sh [DURATION_S] [CONNECTIONS]
# 1. CPU: nginx answers a small JSON body; wrk drives the gateway (loadtest/conf/batch.yml, 1 io thread) for
#    DURATION_S seconds with batches of 10 GET items (loadtest/batch.lua), then for as long with single keep-alive
#    GETs of the same items. The gateway's CPU time (utime+stime from /proc) over each run divided by the items
#    served gives CPU per item; the ratio batch/single is the figure the issue asks for (goal: <= 1.1).
# 2. Latency: an upstream answering after DELAY_MS (loadtest/delay_upstream.py, default 20 ms); one client times a
#    batch of 10 against 10 GETs one after another on one keep-alive connection (loadtest/batch_latency.py).
# Run it on a quiet machine: the gateway gets one CPU (taskset CPU_GW, default 0), wrk and nginx the others.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${1:-20}"
CONNS="${2:-16}"
DELAY_MS="${DELAY_MS:-20}"
CPU_GW="${CPU_GW:-0}"
JAR="$ROOT/gateway-server/target/gateway-server.jar"
[[ -f "$JAR" ]] || (cd "$ROOT" && mvn -o -q -B -DskipTests package)
WORK="$(mktemp -d /tmp/batch-bench.XXXXXX)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

NGINX_PORT="$(free_port)"
cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { default_type application/json; return 200 '{"ok":true}'; }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
PIDS+=($!)

start_gateway() { # $1 upstream host:port
  GW_PORT="$(free_port)"
  GATEWAY_PORT="$GW_PORT" UPSTREAM="$1" taskset -c "$CPU_GW" java -XX:ActiveProcessorCount=1 -Xms256m -Xmx256m \
    -XX:+UseSerialGC -jar "$JAR" --config "$ROOT/loadtest/conf/batch.yml" > "$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  PIDS+=("$GW_PID")
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$GW_PORT/items/0" && return; sleep 0.1; done
  echo "gateway did not start: $(cat "$WORK/gateway.log")" >&2; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$GW_PID/stat"; }
run_wrk() { # $1 label, $2 items per request, $3... wrk args
  local label="$1" per="$2"; shift 2
  wrk -t2 -c"$CONNS" -d5s "$@" > /dev/null # warm-up (JIT)
  local before after out reqs
  before="$(cpu_ticks)"
  out="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" "$@")"
  after="$(cpu_ticks)"
  reqs="$(awk '/requests in/ {print $1}' <<< "$out")"
  local hz; hz="$(getconf CLK_TCK)"
  python3 - "$label" "$per" "$reqs" "$before" "$after" "$hz" "$DURATION" <<'PY'
import sys
label, per, reqs, before, after, hz, dur = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
cpu_s = (after - before) / hz
items = reqs * per
print(f"{label}: {reqs} requests, {items} items in {dur}s; gateway CPU {cpu_s:.2f}s = {cpu_s * 1e6 / items:.1f} us/item")
open("/tmp/batch-bench-" + label, "w").write(str(cpu_s * 1e6 / items))
PY
  grep -E "Latency|Non-2xx|Socket errors" <<< "$out" || true
}

start_gateway "127.0.0.1:$NGINX_PORT"
echo "== CPU per item (gateway pinned to CPU $CPU_GW, $CONNS connections, ${DURATION}s each)"
run_wrk batch 10 -s "$ROOT/loadtest/batch.lua" "http://127.0.0.1:$GW_PORT/batch"
run_wrk single 1 "http://127.0.0.1:$GW_PORT/items/1"
python3 -c "b=float(open('/tmp/batch-bench-batch').read()); s=float(open('/tmp/batch-bench-single').read()); print(f'CPU per item: batch/single = {b/s:.2f} (goal <= 1.10)')"
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null || true

SLOW_PORT="$(free_port)"
python3 "$ROOT/loadtest/delay_upstream.py" "$SLOW_PORT" "$DELAY_MS" &
PIDS+=($!)
start_gateway "127.0.0.1:$SLOW_PORT"
echo "== client-seen latency (upstream answers after ${DELAY_MS} ms)"
python3 "$ROOT/loadtest/batch_latency.py" "$GW_PORT" "${ROUNDS:-100}"
