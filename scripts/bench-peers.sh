#!/usr/bin/env bash
# Benchmark (not a test): `flagstaff edge` and Unleash Edge 20.1.0 side by side,
# in front of the same `flagstaff serve` (200 flags, rollouts with constraints
# and variants), in the same run: wrk on GET /api/client/features (plain, gzip,
# 304) and POST /api/frontend (a 5-field context) through each, two rounds.
# Prints requests/s and p99 per line and each edge's peak RSS (VmHWM).
# Needs wrk and Unleash Edge (scripts/test builds it into ~/.cache/flagstaff).
# Usage: scripts/bench-peers.sh [seconds-per-run] [connections]
# FLAGSTAFF_BIN=path measures that flagstaff binary instead of building this
# checkout's release build; UNLEASH_EDGE=path another Unleash Edge.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-64}
UPSTREAM_PORT=4350
FLAGSTAFF_EDGE_PORT=4351
UNLEASH_EDGE_PORT=4352
ADMIN='*:*.bench-admin'
CLIENT='*:development.bench-client'
FRONTEND='default:development.bench-frontend'

target_dir=${CARGO_TARGET_DIR:-target}
flagstaff_bin=${FLAGSTAFF_BIN:-$target_dir/release/flagstaff}
[[ -n "${FLAGSTAFF_BIN:-}" ]] || cargo build --release -q -p flagstaff --bin flagstaff
unleash_edge=${UNLEASH_EDGE:-${FLAGSTAFF_TEST_EDGE:-$HOME/.cache/flagstaff/unleash-edge-20.1.0/bin/unleash-edge}}
[[ -x "$unleash_edge" ]] || { echo "no Unleash Edge at $unleash_edge (scripts/test builds it)" >&2; exit 1; }
work=$(mktemp -d)
cleanup() { kill "${upstream_pid:-}" "${ours_pid:-}" "${theirs_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

INIT_ADMIN_API_TOKENS="$ADMIN" INIT_CLIENT_API_TOKENS="$CLIENT" INIT_FRONTEND_API_TOKENS="$FRONTEND" RUST_LOG=warn \
  "$flagstaff_bin" serve --host 127.0.0.1 --port "$UPSTREAM_PORT" \
  --database-url "sqlite://$work/flagstaff.db" &
upstream_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$UPSTREAM_PORT/health" >/dev/null && break; sleep 0.1; done

# 200 flags, as scripts/bench-client-features.sh.
api="http://127.0.0.1:$UPSTREAM_PORT/api/admin/projects/default/features"
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

# The same command line for both, but for the binary's name.
RUST_LOG=warn "$flagstaff_bin" --port "$FLAGSTAFF_EDGE_PORT" --interface 127.0.0.1 \
  edge --upstream-url "http://127.0.0.1:$UPSTREAM_PORT" --tokens "$CLIENT" &
ours_pid=$!
RUST_LOG=warn "$unleash_edge" --port "$UNLEASH_EDGE_PORT" --interface 127.0.0.1 \
  edge --upstream-url "http://127.0.0.1:$UPSTREAM_PORT" --tokens "$CLIENT" >/dev/null 2>&1 &
theirs_pid=$!

cat > "$work/frontend.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"context":{"userId":"42","sessionId":"s-1","appName":"web","remoteAddress":"10.0.0.7","properties":{"region":"eu"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "$FRONTEND"
LUA

for port in "$FLAGSTAFF_EDGE_PORT" "$UNLEASH_EDGE_PORT"; do
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/api/client/features" -H "Authorization: $CLIENT" -o /dev/null && break
    sleep 0.2
  done
  # The frontend token is validated once, before the runs.
  curl -sf -X POST "http://127.0.0.1:$port/api/frontend" -H "Authorization: $FRONTEND" \
    -H 'Content-Type: application/json' -d '{}' -o /dev/null || true
done
etag_of() { curl -sfI "http://127.0.0.1:$1/api/client/features" -H "Authorization: $CLIENT" \
  | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'; }
echo "documents: flagstaff edge $(curl -sf "http://127.0.0.1:$FLAGSTAFF_EDGE_PORT/api/client/features" -H "Authorization: $CLIENT" | wc -c) bytes," \
  "Unleash Edge $(curl -sf "http://127.0.0.1:$UNLEASH_EDGE_PORT/api/client/features" -H "Authorization: $CLIENT" | wc -c) bytes"

measure() { # port, then wrk arguments; prints "rps p99"
  local port=$1; shift
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@")
  printf '%s %s' "$(awk '/^Requests\/sec/{print $2}' <<<"$out")" "$(awk '$1=="99%"{print $2}' <<<"$out")"
}
line() { # label, path, then extra wrk arguments (a literal ETAG is replaced per edge)
  local label=$1 path=$2; shift 2
  local results=()
  for port in "$FLAGSTAFF_EDGE_PORT" "$UNLEASH_EDGE_PORT"; do
    local args=()
    for a in "$@"; do args+=("${a//ETAG/$(etag_of "$port")}"); done
    results+=("$(measure "$port" "${args[@]}" "http://127.0.0.1:$port$path")")
  done
  read -r ours_rps ours_p99 <<<"${results[0]}"
  read -r theirs_rps theirs_p99 <<<"${results[1]}"
  printf '%-24s %12s req/s  p99 %-9s %12s req/s  p99 %-9s %6.1fx\n' "$label" \
    "$ours_rps" "$ours_p99" "$theirs_rps" "$theirs_p99" "$(awk -v a="$ours_rps" -v b="$theirs_rps" 'BEGIN{print a/b}')"
}
for round in 1 2; do
  echo "-- round $round (wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s)       flagstaff edge                     Unleash Edge 20.1.0"
  line features-plain /api/client/features -H "Authorization: $CLIENT"
  line features-gzip /api/client/features -H "Authorization: $CLIENT" -H 'Accept-Encoding: gzip'
  line features-304 /api/client/features -H "Authorization: $CLIENT" -H "If-None-Match: ETAG"
  line frontend-post /api/frontend -s "$work/frontend.lua"
done
echo "peak RSS: flagstaff edge $(awk '/VmHWM/{print $2, $3}' "/proc/$ours_pid/status"), Unleash Edge $(awk '/VmHWM/{print $2, $3}' "/proc/$theirs_pid/status")"
