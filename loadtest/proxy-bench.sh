#!/usr/bin/env bash
# Runs the shared reverse-proxy bench (../shared/bench/proxy-bench.sh) with this gateway added as a target.
#   loadtest/proxy-bench.sh [CONFIG] [proxy-bench options...]
# CONFIG defaults to loadtest/conf/plain.yml. Builds the gateway jar first if it is missing.
# Example: loadtest/proxy-bench.sh loadtest/conf/plain.yml --only direct,nginx,haproxy,scg --out /tmp/b/plain.jsonl
# shared/ is read-only on the dev machines, and the harness builds its Spring Cloud Gateway peer inside its own
# folder, so the harness is copied to $BENCH_COPY (default /tmp/proxy-bench) and run from there.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONFIG="${1:-$ROOT/loadtest/conf/plain.yml}"
[[ $# -gt 0 ]] && shift
CONFIG="$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")"
SRC="${PROXY_BENCH_DIR:-$ROOT/../shared/bench}"
COPY="${BENCH_COPY:-/tmp/proxy-bench}"
if [[ ! -f "$COPY/proxy-bench.sh" ]] || ! cmp -s "$SRC/proxy-bench.sh" "$COPY/proxy-bench.sh"; then
  mkdir -p "$COPY"
  cp -r "$SRC/." "$COPY/"
  chmod -R u+w "$COPY"
fi
JAR="$ROOT/gateway-server/target/gateway-server.jar"
[[ -f "$JAR" ]] || (cd "$ROOT" && mvn -q -B -DskipTests package)
JAVA_OPTS="${GATEWAY_JAVA_OPTS:--XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -XX:+UseSerialGC}"
NAME="${GATEWAY_NAME:-gateway}"
exec "$COPY/proxy-bench.sh" \
  --target "$NAME=env GATEWAY_PORT={port} UPSTREAM={upstream} java $JAVA_OPTS -jar $JAR --config $CONFIG" "$@"
