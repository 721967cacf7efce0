#!/usr/bin/env bash
# Prints a development token for the local (up.sh) configuration.
#   scripts/token.sh                          every scope
#   scripts/token.sh subscriptions:read ...   only these scopes
#   scripts/token.sh --hours 2 entities:write
#   scripts/token.sh --tenant acme            a token of tenant acme (without: the default tenant)
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,6p' "$0"; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/dev-env.sh"
dll="$ES_DATA/app/gateway/Gateway.dll"
if [ ! -f "$dll" ]; then
  dotnet publish "$ROOT/Gateway/Gateway.csproj" -c Release -o "$ES_DATA/app/gateway" --nologo -v quiet >/dev/null
fi
exec dotnet "$dll" token "$@"
