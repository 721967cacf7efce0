#!/usr/bin/env bash
# Writes docs/configuration.md's settings reference again from the settings types (their defaults,
# data annotations and XML summaries). The test ConfigurationDocTests fails while it is stale.
#   scripts/docs.sh
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,4p' "$0"; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ES_WRITE_DOCS=1 dotnet test "$ROOT/tests/Grains.Tests/Grains.Tests.csproj" -c Release --nologo -v quiet \
  --filter "FullyQualifiedName~ConfigurationDocTests" >/dev/null
echo "docs/configuration.md: settings reference written"
