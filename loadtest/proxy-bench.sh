#!/usr/bin/env bash
# Runs the shared reverse-proxy bench (../shared/bench/proxy-bench.sh) with this gateway added as a target.
#   loadtest/proxy-bench.sh [CONFIG] [proxy-bench options...]
# CONFIG defaults to loadtest/conf/plain.yml. Builds the jar first if it is missing.
# Example: loadtest/proxy-bench.sh loadtest/conf/plain.yml --only direct,nginx,haproxy,scg
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONFIG="${1:-$ROOT/loadtest/conf/plain.yml}"
[[ $# -gt 0 ]] && shift
CONFIG="$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")"
BENCH="${PROXY_BENCH:-$ROOT/../shared/bench/proxy-bench.sh}"
JAR="$ROOT/gateway-server/target/gateway-server.jar"
[[ -f "$JAR" ]] || (cd "$ROOT" && mvn -q -B -DskipTests package)
JAVA_OPTS="${GATEWAY_JAVA_OPTS:--XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -XX:+UseSerialGC}"
NAME="${GATEWAY_NAME:-gateway}"
exec "$BENCH" --target "$NAME=env GATEWAY_PORT={port} UPSTREAM={upstream} java $JAVA_OPTS -jar $JAR --config $CONFIG" "$@"
