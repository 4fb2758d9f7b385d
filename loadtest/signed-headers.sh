#!/usr/bin/env bash
# Prints the two -H options of a request signed for loadtest/conf/full.yml (GET /echo, app bench-app):
#   loadtest/signed-headers.sh [SECRET] [TARGET]
# Example: eval "H=($(loadtest/signed-headers.sh))"; loadtest/proxy-bench.sh loadtest/conf/full.yml "${H[@]}"
set -euo pipefail
SECRET="${1:-bench-secret}"
TARGET="${2:-/echo}"
DATE="$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')"
SIG="$(printf 'x-date: %s\nGET %s HTTP/1.1' "$DATE" "$TARGET" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64)"
printf '%q %q %q %q\n' -H "X-Date: $DATE" -H \
  "Authorization: hmac username=\"bench-app\", algorithm=\"hmac-sha256\", headers=\"x-date request-line\", signature=\"$SIG\""
