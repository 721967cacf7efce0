#!/usr/bin/env bash
# Measures event acceptance against the local stack (scripts/up.sh starts it if it is not running):
# entity changes through the gateway into the outboxes of N subscriptions.
#   scripts/bench.sh [--events 20000] [--subscriptions 10] [--concurrency 64] [--entities 200]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"
if ! curl -fsS -m 5 "$ES_GATEWAY_URL/readyz" >/dev/null 2>&1; then
  "$ROOT/scripts/up.sh" --detach
fi
dotnet build "$ROOT/bench/Bench.csproj" -c Release --nologo -v quiet >/dev/null
exec dotnet "$ROOT/bench/bin/Release/net10.0/Bench.dll" --gateway "$ES_GATEWAY_URL" --token "$("$ROOT/scripts/token.sh")" \
  --postgres "$ConnectionStrings__Postgres" "$@"
