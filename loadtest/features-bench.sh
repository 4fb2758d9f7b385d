#!/usr/bin/env bash
# The cost of features against their baselines, all targets in one proxy-bench run:
#   loadtest/features-bench.sh [proxy-bench options...]      e.g. -r 5 --out /tmp/b/features.jsonl
# Targets: nginx; plain.yml and resilience.yml (breakers, outlier detection and retries on, nothing failing);
# full-base.yml (CORS + HMAC auth), full-limit.yml (+ a local per-app bucket far above the load) and
# full-limit-cluster.yml (the same limit in scope: cluster with lease: 1000); full-nolimit.yml and full.yml (every
# filter, without and with that local limit: the comparison issue 12 names). Starts a redis-server for the cluster
# limit on 127.0.0.1:REDIS_PORT (default 16398), pinned to the load core (CPU 0) like wrk and the upstream, and
# stops it on exit. Requests are signed for bench-app (loadtest/signed-headers.sh) and carry X-User-Id.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="$ROOT/gateway-server/target/gateway-server.jar"
[[ -f "$JAR" ]] || (cd "$ROOT" && mvn -q -B -DskipTests package)
REDIS_PORT="${REDIS_PORT:-16398}"
W="$(mktemp -d /tmp/features-bench.XXXXXX)"
cleanup() { [[ -n "${R:-}" ]] && kill "$R" 2>/dev/null || true; }
trap cleanup EXIT
taskset -c 0 redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$W" \
  > "$W/redis.log" 2>&1 & R=$!
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
eval "H=($("$ROOT/loadtest/signed-headers.sh"))"
JAVA_OPTS="${GATEWAY_JAVA_OPTS:--XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -XX:+UseSerialGC}"
COPY="${BENCH_COPY:-/tmp/proxy-bench}"
[[ -f "$COPY/proxy-bench.sh" ]] || { mkdir -p "$COPY"; cp -r "$ROOT/../shared/bench/." "$COPY/"; chmod -R u+w "$COPY"; }
T="env GATEWAY_PORT={port} UPSTREAM={upstream} REDIS_URI=redis://127.0.0.1:$REDIS_PORT/0 java $JAVA_OPTS -jar $JAR"
C="$ROOT/loadtest/conf"
"$COPY/proxy-bench.sh" --only nginx "${H[@]}" -H "X-User-Id: bench-user-42" \
  --target "plain=$T --config $C/plain.yml" \
  --target "resilience=$T --config $C/resilience.yml" \
  --target "full-base=$T --config $C/full-base.yml" \
  --target "full-limit=$T --config $C/full-limit.yml" \
  --target "full-lease=$T --config $C/full-limit-cluster.yml" \
  --target "full-nolimit=$T --config $C/full-nolimit.yml" \
  --target "full=$T --config $C/full.yml" \
  "$@"
