#!/usr/bin/env bash
# The load generator's own ceiling: loadgen.jar --ceiling (closed loop, every connection busy all the time) against
# a fixed-response nginx, nginx alone on CPU 1 and the generator on CPU 0, with wrk's closed-loop rate on the same
# nginx for comparison, the generator's CPU per request (its own generator_cpu_us_per_req) and how busy nginx was.
# When nginx is not near 100 % of its core, the generator was the limit. Loopback only.
#   loadtest/loadgen-ceiling.sh [SECONDS] [CONNECTIONS] [ROUNDS]      (defaults 10 64 3)
# Builds loadtest/target/loadgen.jar if it is missing. Needs nginx and wrk, and 2 cores for the pinning.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECS="${1:-10}"; CONNS="${2:-64}"; ROUNDS="${3:-3}"
JAR="$ROOT/loadtest/target/loadgen.jar"
[[ -f "$JAR" ]] || (cd "$ROOT" && mvn -q -B -DskipTests -pl loadtest -am package)
W="$(mktemp -d /tmp/loadgen-ceiling.XXXXXX)"
PORT=19451
NGINX=""
cleanup() { [[ -n "$NGINX" ]] && kill "$NGINX" 2>/dev/null || true; }
trap cleanup EXIT
cat > "$W/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $W/nginx.pid; error_log $W/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_timeout 300s; keepalive_requests 100000000;
  server { listen 127.0.0.1:$PORT backlog=4096; location / { default_type application/json; return 200 '{"ok":true}'; } } }
CONF
taskset -c 1 nginx -p "$W" -c "$W/nginx.conf" & NGINX=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
ticks() { # utime+stime of a process, in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}
nginx_worker() { pgrep -P "$NGINX" | head -1; }
HZ="$(getconf CLK_TCK)"
echo "nginx $(nginx -v 2>&1 | sed 's/.*\///'), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(java -version 2>&1 | head -1), $(nproc) cores, $SECS s, $CONNS connections"
for r in $(seq 1 "$ROUNDS"); do
  nw="$(nginx_worker)"; n0="$(ticks "$nw")"
  taskset -c 0 java -XX:+UseSerialGC -jar "$JAR" --url "http://127.0.0.1:$PORT/" --ceiling --duration "${SECS}s" \
    --warmup 3s --connections "$CONNS" --out "$W/ceiling-$r" > /dev/null
  n1="$(ticks "$nw")"
  python3 - "$W/ceiling-$r.jsonl" "$((n1 - n0))" "$HZ" "$SECS" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).readline())
n, hz, secs = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
print(f"loadgen --ceiling: {s['achieved_rps']:>9.0f} req/s  p50 {s['p50_ms']} ms  p99 {s['p99_ms']} ms"
      f"  errors {s['errors']}  generator {s['generator_cpu_us_per_req']} us CPU/req"
      f"  (nginx busy {100 * n / hz / (secs + 3):.0f} % of its core, warm-up included)")
PY
  nw="$(nginx_worker)"; n0="$(ticks "$nw")"
  out="$(taskset -c 0 wrk -t1 -c"$CONNS" -d"${SECS}s" "http://127.0.0.1:$PORT/")"
  n1="$(ticks "$nw")"
  echo "wrk (same nginx):  $(echo "$out" | awk '/Requests\/sec/ {printf "%9.0f req/s", $2}')  (nginx $((100 * (n1 - n0) / HZ / SECS)) % of a core)"
done
echo "files: $W"
