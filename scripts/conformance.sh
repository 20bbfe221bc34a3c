#!/usr/bin/env bash
# `npm run conformance`: the independent CIBA conformance kit (../shared/conformance, or CONFORMANCE_KIT)
# against a local provider started here on PORT (default 3100) with its own data folder, as the README's
# "Conformance" section does by hand. Exits with the kit's status; stops the provider either way.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kit="${CONFORMANCE_KIT:-$root/../shared/conformance}"
port="${PORT:-3100}"
token="conformance-initial-access-token-$RANDOM$RANDOM"
work="$(mktemp -d)"
[ -f "$kit/run.sh" ] || { echo "no conformance kit at $kit (set CONFORMANCE_KIT)" >&2; exit 2; }

cp -r "$kit" "$work/kit"
(cd "$work/kit" && npm ci --silent)

cd "$root"
PORT="$port" CIBA_DYNAMODB_PORT="$((port + 1))" CIBA_DATA_DIR="$work/data" CIBA_INITIAL_ACCESS_TOKEN="$token" \
  npm start > "$work/provider.log" 2>&1 &
provider=$!
trap 'kill "$provider" 2>/dev/null; wait "$provider" 2>/dev/null || true' EXIT

# Bounded wait for discovery (at most 90 s).
for _ in $(seq 1 90); do
  curl -sf "http://localhost:$port/.well-known/openid-configuration" > /dev/null && break
  sleep 1
done
curl -sf "http://localhost:$port/.well-known/openid-configuration" > /dev/null || { echo "the provider did not start; see $work/provider.log" >&2; exit 1; }

cd "$work/kit"
CIBA_ISSUER="http://localhost:$port" CIBA_IAT="$token" \
  CIBA_APPROVE_URL="http://localhost:$port/test/ciba/approve?auth_req_id={auth_req_id}&action={action}" ./run.sh
