#!/usr/bin/env bash
# The Redis metadata source against the file source on the full chain, in one proxy-bench run:
#   loadtest/metadata-bench.sh [proxy-bench options...]      e.g. -r 5 --out /tmp/b/metadata.jsonl
# Starts a redis-server on 127.0.0.1:REDIS_PORT (default 16399, loopback only), imports loadtest/conf/bench-apps.yml
# into it with the gateway's own `apps import`, then runs ../shared/bench/proxy-bench.sh (through loadtest/proxy-bench.sh's
# copy) with two targets: `file` (loadtest/conf/full.yml) and `redis` (the same file with a redis: section and
# metadata.source: redis, its apps left out). Requests are signed for bench-app (loadtest/signed-headers.sh) and carry
# X-User-Id, so the gray hash runs too. The Redis process is stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="$ROOT/gateway-server/target/gateway-server.jar"
[[ -f "$JAR" ]] || (cd "$ROOT" && mvn -q -B -DskipTests package)
REDIS_PORT="${REDIS_PORT:-16399}"
W="$(mktemp -d /tmp/metadata-bench.XXXXXX)"
cleanup() { [[ -n "${R:-}" ]] && kill "$R" 2>/dev/null || true; }
trap cleanup EXIT
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$W" > "$W/redis.log" 2>&1 & R=$!
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
java -jar "$JAR" apps import "$ROOT/loadtest/conf/bench-apps.yml" --redis "redis://127.0.0.1:$REDIS_PORT/0"
# The Redis variant: full.yml's settings, filters and limits, with Redis as the app source and no inline apps.
cp "$ROOT/loadtest/conf/ip-allow.txt" "$W/"
python3 - "$ROOT/loadtest/conf/full.yml" "$W/full-redis.yml" "$REDIS_PORT" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
src = re.sub(r"^apps:\n(?:  .*\n|    .*\n)*", "", src, flags=re.M)
src += "redis:\n  uri: redis://127.0.0.1:%s/0\nmetadata:\n  source: redis\n" % sys.argv[3]
open(sys.argv[2], "w").write(src)
PY
eval "H=($("$ROOT/loadtest/signed-headers.sh"))"
JAVA_OPTS="${GATEWAY_JAVA_OPTS:--XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -XX:+UseSerialGC}"
COPY="${BENCH_COPY:-/tmp/proxy-bench}"
[[ -f "$COPY/proxy-bench.sh" ]] || { mkdir -p "$COPY"; cp -r "$ROOT/../shared/bench/." "$COPY/"; chmod -R u+w "$COPY"; }
rc=0
"$COPY/proxy-bench.sh" --only nginx "${H[@]}" -H "X-User-Id: bench-user-42" \
  --target "file=env GATEWAY_PORT={port} UPSTREAM={upstream} java $JAVA_OPTS -jar $JAR --config $ROOT/loadtest/conf/full.yml" \
  --target "redis=env GATEWAY_PORT={port} UPSTREAM={upstream} java $JAVA_OPTS -jar $JAR --config $W/full-redis.yml" \
  "$@" || rc=$? # its exit status can be non-zero after a complete run: the GET count is printed either way
echo "redis GET calls during the run (a warm cache makes few): $(redis-cli -p "$REDIS_PORT" info commandstats | grep -o 'cmdstat_get:calls=[0-9]*' || echo none)"
exit "$rc"
