#!/usr/bin/env bash
# Benchmark (not a test): GET /api/client/features and POST /api/frontend (a
# 5-field context) on a 200-flag state, against a minimal axum hello-world, in the
# same run, with wrk on loopback.
# Prints requests/s, p99 latency and peak RSS; needs wrk (apt-get install wrk).
# SDKs send `Accept-Encoding: gzip`, so the gzip line is the one that matters.
# Usage: scripts/bench-client-features.sh [seconds-per-run] [connections]
# FLAGSTAFF_BIN=path measures that flagstaff binary instead of building this
# checkout's (e.g. an earlier commit's release build, for a before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-64}
FLAGSTAFF_PORT=4343
HELLO_PORT=4344
ADMIN='*:*.bench-admin'
CLIENT='*:development.bench-client'
FRONTEND='default:development.bench-frontend'

target_dir=${CARGO_TARGET_DIR:-target}
flagstaff_bin=${FLAGSTAFF_BIN:-$target_dir/release/flagstaff}
[[ -n "${FLAGSTAFF_BIN:-}" ]] || cargo build --release -q -p flagstaff --bin flagstaff
cargo build --release -q -p flagstaff-server --example hello_world
work=$(mktemp -d)
cleanup() { kill "${flagstaff_pid:-}" "${hello_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

INIT_ADMIN_API_TOKENS="$ADMIN" INIT_CLIENT_API_TOKENS="$CLIENT" INIT_FRONTEND_API_TOKENS="$FRONTEND" RUST_LOG=warn \
  "$flagstaff_bin" serve --host 127.0.0.1 --port "$FLAGSTAFF_PORT" \
  --database-url "sqlite://$work/flagstaff.db" &
flagstaff_pid=$!
"$target_dir/release/examples/hello_world" "$HELLO_PORT" &
hello_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$FLAGSTAFF_PORT/health" >/dev/null && break; sleep 0.1; done

# 200 flags: rollouts with constraints and variants, like a real project.
api="http://127.0.0.1:$FLAGSTAFF_PORT/api/admin/projects/default/features"
for i in $(seq 1 200); do
  curl -sf -X POST "$api" -H "Authorization: $ADMIN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"flag-$i\",\"description\":\"benchmark flag $i\"}" >/dev/null
  curl -sf -X POST "$api/flag-$i/environments/development/strategies" -H "Authorization: $ADMIN" \
    -H 'Content-Type: application/json' -d "{\"name\":\"flexibleRollout\",
      \"parameters\":{\"rollout\":\"$((i % 100))\",\"stickiness\":\"default\",\"groupId\":\"flag-$i\"},
      \"constraints\":[{\"contextName\":\"region\",\"operator\":\"IN\",\"values\":[\"eu\",\"us\",\"apac\"]}],
      \"variants\":[{\"name\":\"a\",\"weight\":0,\"stickiness\":\"default\",\"payload\":{\"type\":\"string\",\"value\":\"x\"}},
                    {\"name\":\"b\",\"weight\":0,\"stickiness\":\"default\"}]}" >/dev/null
  curl -sf -X POST "$api/flag-$i/environments/development/on" -H "Authorization: $ADMIN" >/dev/null
done
features="http://127.0.0.1:$FLAGSTAFF_PORT/api/client/features"
bytes=$(curl -sf "$features" -H "Authorization: $CLIENT" | wc -c)
gzipped=$(curl -sf "$features" -H "Authorization: $CLIENT" -H 'Accept-Encoding: gzip' | wc -c)
etag=$(curl -sfI "$features" -H "Authorization: $CLIENT" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
echo "client document: 200 flags, $bytes bytes ($gzipped gzipped), ETag $etag"

cat > "$work/frontend.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"context":{"userId":"42","sessionId":"s-1","appName":"web","remoteAddress":"10.0.0.7","properties":{"region":"eu"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "$FRONTEND"
LUA

run() { # label, then wrk arguments
  local label=$1; shift
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@")
  local rps p99
  rps=$(awk '/^Requests\/sec/{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  printf '%-34s %12s req/s   p99 %s\n' "$label" "$rps" "$p99"
  echo "$rps" > "$work/$label.rps"
}
for round in 1 2; do
  echo "-- round $round (wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s)"
  run hello-world "http://127.0.0.1:$HELLO_PORT/"
  run client-features-200-gzip -H "Authorization: $CLIENT" -H 'Accept-Encoding: gzip' "$features"
  run client-features-200-plain -H "Authorization: $CLIENT" "$features"
  run client-features-304 -H "Authorization: $CLIENT" -H "If-None-Match: $etag" "$features"
  run frontend-post-5-fields -s "$work/frontend.lua" "http://127.0.0.1:$FLAGSTAFF_PORT/api/frontend"
done
echo "-- ratios (last round)"
for label in client-features-200-gzip client-features-200-plain client-features-304 frontend-post-5-fields; do
  awk -v a="$(cat "$work/$label.rps")" -v b="$(cat "$work/hello-world.rps")" -v l="$label" \
    'BEGIN{printf "%-34s %.2f of hello-world\n", l, a/b}'
done
echo "flagstaff peak RSS: $(awk '/VmHWM/{print $2, $3}' "/proc/$flagstaff_pid/status")"
echo "hello-world peak RSS: $(awk '/VmHWM/{print $2, $3}' "/proc/$hello_pid/status")"
