#!/usr/bin/env bash
# Resident memory that N idle keep-alive connections (each having served one request) add to a proxy: nginx and
# the gateway, each on one pinned core, against the same fixed-response upstream nginx, one after the other.
#   loadtest/idle-connections.sh [N] [GATEWAY_JAR...]
# N defaults to 10000; the jars default to gateway-server/target/gateway-server.jar. Needs nginx and a
# file-descriptor limit above N + 100 (`ulimit -Hn`). Loopback only. The JVM runs as in the bench (1 CPU, 256 MB
# heap, SerialGC; GATEWAY_JAVA_OPTS overrides); before each reading a full GC runs (jcmd), so garbage is not counted
# (NO_GC=1 reads RSS as it is, garbage and all).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-10000}"; [[ $# -gt 0 ]] && shift
JARS=("$@"); [[ ${#JARS[@]} -eq 0 ]] && JARS=("$ROOT/gateway-server/target/gateway-server.jar")
TOOL="$ROOT/loadtest/target/benchmarks.jar"
[[ -f "$TOOL" ]] || (cd "$ROOT" && mvn -q -B -DskipTests -pl loadtest -am package)
ulimit -n "$(ulimit -Hn)"
W="$(mktemp -d /tmp/idle-conns.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

mkdir -p "$W/upstream" "$W/nginx"
cat > "$W/upstream/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $W/upstream/nginx.pid; error_log $W/upstream/error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 8192; }
http { access_log off; keepalive_timeout 300s; keepalive_requests 100000000;
  server { listen 127.0.0.1:19301; location / { default_type application/json; return 200 '{"ok":true}'; } } }
CONF
cat > "$W/nginx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $W/nginx/nginx.pid; error_log $W/nginx/error.log warn;
worker_rlimit_nofile 40000;
events { worker_connections 30000; }
http { access_log off; keepalive_timeout 300s; keepalive_requests 100000000;
  upstream backend { server 127.0.0.1:19301; keepalive 2048; }
  server { listen 127.0.0.1:19310 backlog=4096;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
cat > "$W/gateway.yml" <<CONF
server: { listen: 127.0.0.1:19320, io-threads: 1, max-connections: 30000, idle-timeout: 300s }
admin: { enabled: false }
access-log: { enabled: false }
tracing: { start-traceparent: false }
upstreams: { bench: { targets: [http://127.0.0.1:19301] } }
routes: [ { id: all, paths: [/**], upstream: bench } ]
CONF
taskset -c 0 nginx -p "$W/upstream" -c "$W/upstream/nginx.conf" & PIDS+=($!)
wait_port 19301
run() { # NAME PORT PID [--jvm]
  local name=$1 port=$2 pid=$3; shift 3
  printf '%-28s ' "$name"
  taskset -c 0 java -cp "$TOOL" dev.gateway.loadtest.IdleConnections 127.0.0.1 "$port" "$N" "$pid" "$@" | tr '\n' ' '
  echo
}
taskset -c 1 nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" & NGINX=$!; PIDS+=($NGINX)
wait_port 19310
run nginx 19310 "$NGINX"
kill "$NGINX"; wait "$NGINX" 2>/dev/null || true
for jar in "${JARS[@]}"; do
  # shellcheck disable=SC2086
  taskset -c 1 java ${GATEWAY_JAVA_OPTS:--XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -XX:+UseSerialGC} -jar "$jar" \
    --config "$W/gateway.yml" \
    > "$W/gateway.log" 2>&1 & GW=$!; PIDS+=($GW)
  wait_port 19320
  if [[ -n "${NO_GC:-}" ]]; then run "$(basename "$jar")" 19320 "$GW"; else run "$(basename "$jar")" 19320 "$GW" --jvm; fi
  kill "$GW"; wait "$GW" 2>/dev/null || true
done
