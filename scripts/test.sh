#!/usr/bin/env bash
# Runs every test of the solution against real Redis and PostgreSQL, started here on ports of
# their own (a running scripts/up.sh is not disturbed), and stops them afterwards.
# Ends with the line "N passed, N failed[, N skipped]" and the tests' exit status.
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Readiness]
#   scripts/test.sh --filter Category=Unit   # the unit tier alone: no Redis, no PostgreSQL
set -uo pipefail
case "${1:-}" in -h|--help) sed -n '2,6p' "$0"; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"

PG_PORT=${ES_TEST_PG_PORT:-55433}
REDIS_PORT=${ES_TEST_REDIS_PORT:-6381}
WORK=$(mktemp -d /tmp/es-test.XXXXXX)
chmod 755 "$WORK"
started=$(date +%s)

# The unit tier (exactly --filter Category=Unit) needs neither Redis nor PostgreSQL.
services=1
previous=""
for arg in "$@"; do
  if [ "$previous" = "--filter" ] && [ "$arg" = "Category=Unit" ] || [ "$arg" = "--filter=Category=Unit" ]; then
    services=0
  fi
  previous=$arg
done

cleanup() {
  if [ "$services" -eq 1 ]; then
    es_redis_stop "$WORK/redis" "$REDIS_PORT"
    es_pg_stop "$WORK/postgres"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v dotnet >/dev/null || es_die "the .NET SDK 10 is required (dotnet not found)"
# promtool checks the alert rules of deploy/ (Debian's prometheus package).
command -v promtool >/dev/null || es_apt_install prometheus
# jq: the README's walkthrough, which a test runs, reads ids with it.
command -v jq >/dev/null || es_apt_install jq
# The runnable receivers of docs/receivers are tested against real deliveries: Flask (Debian's),
# Express (npm, into docs/receivers/node_modules) and the ASP.NET Core one (built below).
python3 -c "import flask" 2>/dev/null || es_apt_install python3-flask
# A client generated from the OpenAPI document runs the walkthrough: openapi-typescript, openapi-fetch,
# TypeScript and tsx (npm, into tests/GeneratedClient/node_modules).
for folder in docs/receivers tests/GeneratedClient; do
  if [ ! -d "$ROOT/$folder/node_modules" ]; then
    command -v npm >/dev/null || es_apt_install npm
    (cd "$ROOT/$folder" && npm ci --no-audit --no-fund --loglevel=error) >/dev/null || es_die "npm ci in $folder failed"
  fi
done
if [ "$services" -eq 1 ]; then
  # chromium: the console's browser tests (Playwright drives Debian's browser; nothing is downloaded).
  command -v chromium >/dev/null || es_apt_install chromium
  es_redis_start "$WORK/redis" "$REDIS_PORT" || exit 1
  es_pg_start "$WORK/postgres" "$PG_PORT" postgres || exit 1

  export ES_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
  export ES_TEST_REDIS="127.0.0.1:$REDIS_PORT"
  export ES_TEST_PG_DATA="$WORK/postgres"
  export ES_TEST_PG_PORT="$PG_PORT"
  export ES_TEST_PG_CONTROL="$ROOT/scripts/lib/pg-control.sh"
  # pg_dump and pg_restore: the backup and restore test runs the commands docs/operations.md gives.
  export ES_TEST_PG_BIN="$ES_PG_BIN"
else
  es_log "unit tier: no Redis, no PostgreSQL"
fi

es_log "building (Release)"
if ! dotnet build "$ROOT/EventsSubscriptions.sln" -c Release --nologo -v quiet >"$WORK/build.log" 2>&1 \
  || ! dotnet build "$ROOT/docs/receivers/aspnet/Receiver.csproj" -c Release --nologo -v quiet >>"$WORK/build.log" 2>&1; then
  grep -E "error|Error" "$WORK/build.log" | sort -u | head -n 40 >&2
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
for project in "$ROOT"/tests/*/*.csproj; do
  grep -q '<IsTestProject>true</IsTestProject>' "$project" || continue  # tests/TestSupport is a library
  name=$(basename "$project" .csproj)
  es_log "testing $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$WORK/results" "$@" || status=1
done

passed=0; failed=0; skipped=0
for trx in "$WORK"/results/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a test host that crashed counts

if [ "$failed" -gt 0 ] && command -v python3 >/dev/null; then
  es_log "failed tests"
  python3 "$ROOT/scripts/lib/trx-failures.py" "$WORK"/results/*.trx
fi
es_log "tests took $(( $(date +%s) - started )) s"
trap - EXIT
cleanup
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status
