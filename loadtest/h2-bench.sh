#!/usr/bin/env bash
# HTTP/2 (h2c, prior knowledge) proxy bench: h2load -> {gateway | nginx} -> nginx upstream (HTTP/1.1, keep-alive).
#   loadtest/h2-bench.sh [ROUNDS] [SECONDS]
# CPU 0: h2load and the upstream nginx (1 worker, fixed 200-byte JSON). CPU 1: the proxy under test, alone
# (the gateway with -XX:ActiveProcessorCount=1 and io-threads 1; nginx with worker_processes 1). Each round runs the
# gateway then nginx, h2load -c 64 -m 10 (64 connections x 10 streams) for SECONDS after a warm-up of the same length,
# and reads the proxy's CPU time (utime+stime from /proc) over the measured run: CPU us per request = CPU time /
# requests. Prints one line per run and the per-round ratio gateway/nginx. Only 127.0.0.1 is loaded.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${1:-3}"
SECS="${2:-15}"
JAR="$ROOT/gateway-server/target/gateway-server.jar"
[[ -f "$JAR" ]] || { echo "build the jar first: mvn -B -DskipTests package" >&2; exit 1; }
WORK="$(mktemp -d /tmp/h2-bench.XXXX)"
UP=19101; GW=19110; NGX=19120
TICK=$(getconf CLK_TCK)
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
PIDS=()

mkdir -p "$WORK/up" "$WORK/ngx"
cat > "$WORK/up/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/up/nginx.pid; error_log $WORK/up/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$UP reuseport;
    location / { default_type application/json;
      return 200 '{"id":12345,"name":"bench","items":[1,2,3,4,5,6,7,8,9,10],"text":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}'; } } }
CONF
cat > "$WORK/ngx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/ngx/nginx.pid; error_log $WORK/ngx/error.log;
events { worker_connections 4096; }
http { access_log off;
  upstream up { server 127.0.0.1:$UP; keepalive 64; }
  server { listen 127.0.0.1:$NGX http2; http2_max_concurrent_streams 100; keepalive_requests 1000000;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
taskset -c 0 nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & PIDS+=($!)
sleep 1

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run NAME PORT PID: warm-up, then the measured run; prints NAME requests cpu_us_per_request
run() {
  local name=$1 port=$2 pid=$3
  taskset -c 0 h2load -c 64 -m 10 -D "$SECS" "http://127.0.0.1:$port/" > "$WORK/$name.warm" 2>&1
  local before; before=$(cpu_ticks "$pid")
  taskset -c 0 h2load -c 64 -m 10 -D "$SECS" "http://127.0.0.1:$port/" > "$WORK/$name.out" 2>&1
  local after; after=$(cpu_ticks "$pid")
  local done ok
  done=$(awk '/^requests:/ {print $8}' "$WORK/$name.out")
  ok=$(awk '/^status codes:/ {print $3}' "$WORK/$name.out")
  local us; us=$(awk -v t=$((after - before)) -v k="$TICK" -v n="$done" 'BEGIN {printf "%.2f", t / k * 1e6 / n}')
  local rps; rps=$(awk '/^finished in/ {print $4}' "$WORK/$name.out")
  echo "$name requests=$done 2xx=$ok rps=$rps cpu_us_per_request=$us"
}

for ((r = 1; r <= ROUNDS; r++)); do
  env GATEWAY_PORT=$GW UPSTREAM=127.0.0.1:$UP IO_THREADS=1 taskset -c 1 java -XX:ActiveProcessorCount=1 \
      -Xms256m -Xmx256m -XX:+UseSerialGC -jar "$JAR" --config "$ROOT/loadtest/conf/h2c.yml" \
      > "$WORK/gateway.$r.log" 2>&1 & gpid=$!
  for _ in $(seq 100); do curl -s -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$GW/" && break; sleep 0.2; done
  g=$(run "gateway.$r" $GW $gpid); echo "$g"
  kill $gpid; wait $gpid 2>/dev/null || true
  taskset -c 1 nginx -c "$WORK/ngx/nginx.conf" -p "$WORK/ngx" & npid=$!
  sleep 1
  wpid=$(pgrep -P $npid | head -1)
  n=$(run "nginx.$r" $NGX "${wpid:-$npid}"); echo "$n"
  kill $npid; wait $npid 2>/dev/null || true
  gu=${g##*=}; nu=${n##*=}
  awk -v g="$gu" -v n="$nu" -v r=$r 'BEGIN {printf "round %d: gateway/nginx cpu per request = %.2f\n", r, g / n}'
done
echo "raw outputs in $WORK"
