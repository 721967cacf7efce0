#!/usr/bin/env bash
# Runs the whole service on this machine: Redis, PostgreSQL, two silos (or N) and the gateway.
#   scripts/up.sh            run in the foreground; Ctrl-C stops everything
#   scripts/up.sh --detach   return once ready; scripts/down.sh stops it
#   scripts/up.sh --silos N  N silos (1 to 20); scripts/silo.sh adds or stops one later
# Development configuration: http webhook URLs and loopback targets are allowed.
# Data lives in .data/ and survives down/up.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"
source "$ROOT/scripts/lib/stack.sh"

DETACH=0
SILOS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --detach|-d) DETACH=1; shift ;;
    --silos) SILOS=${2:-}; shift 2 || es_die "--silos needs a number" ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) es_die "unknown option: $1 (see --help)" ;;
  esac
done
[[ "$SILOS" =~ ^[0-9]+$ ]] && [ "$SILOS" -ge 1 ] && [ "$SILOS" -le 20 ] || es_die "--silos must be a number from 1 to 20"

command -v dotnet >/dev/null || es_die "the .NET SDK 10 is required (dotnet not found)"
# The README's walkthrough reads ids from the answers with jq.
command -v jq >/dev/null || es_apt_install jq
mkdir -p "$ES_DATA/logs" "$ES_DATA/run"
started=$(date +%s)

if [ -s "$ES_DATA/run/gateway.pid" ] && kill -0 "$(cat "$ES_DATA/run/gateway.pid")" 2>/dev/null; then
  es_die "already running (gateway pid $(cat "$ES_DATA/run/gateway.pid")); scripts/down.sh stops it"
fi

es_redis_start "$ES_DATA/redis" "$ES_REDIS_PORT"
es_pg_start "$ES_DATA/postgres" "$ES_PG_PORT" "$ES_PG_DATABASE"

es_publish

es_log "applying database migrations"
dotnet "$ES_DATA/app/silo/Silo.dll" migrate >"$ES_DATA/logs/migrate.log" 2>&1 \
  || { cat "$ES_DATA/logs/migrate.log" >&2; es_die "migrations failed"; }

for n in $(seq 1 "$SILOS"); do es_start_silo "$n"; done
es_start_gateway

stop_all() { trap - INT TERM; echo; "$ROOT/scripts/down.sh"; exit 0; }
trap stop_all INT TERM

es_log "waiting for $ES_GATEWAY_URL/readyz with $SILOS silo(s)"
ready=0
for _ in $(seq 1 180); do
  for name in $(for n in $(seq 1 "$SILOS"); do echo "silo$n"; done) gateway; do
    kill -0 "$(cat "$ES_DATA/run/$name.pid")" 2>/dev/null || { tail -n 40 "$ES_DATA/logs/$name.log" >&2; "$ROOT/scripts/down.sh" >/dev/null 2>&1; es_die "$name exited (see $ES_DATA/logs/$name.log)"; }
  done
  if es_wait_ready "$SILOS" 1; then ready=1; break; fi
done
[ "$ready" -eq 1 ] || { "$ROOT/scripts/down.sh" >/dev/null 2>&1; es_die "not ready after 180 s (logs in $ES_DATA/logs)"; }

cat <<BANNER

  Events Subscriptions is running — DEVELOPMENT configuration
  (http webhook URLs and loopback targets allowed; never expose this setup)   ready in $(( $(date +%s) - started )) s

  API            $ES_GATEWAY_URL/rest/v1
  Console        $ES_GATEWAY_URL/console/   (paste a token, or open a link from POST /rest/v1/portal-links)
  API reference  $ES_GATEWAY_URL/docs
  Dev inbox      $ES_GATEWAY_URL/dev/inbox/<name>   (a webhook receiver that checks signatures)
  Dev mailbox    $ES_GATEWAY_URL/dev/mail   (the e-mails to failureEmail addresses)
  OpenAPI        $ES_GATEWAY_URL/openapi/v1.json
  Dashboard      $ES_GATEWAY_URL/dashboard
  Health         $ES_GATEWAY_URL/healthz   $ES_GATEWAY_URL/readyz
  Metrics        $ES_GATEWAY_URL/metrics   silo N: http://localhost:<9100+N>/metrics (silo 1: 9101)
  Logs           $ES_DATA/logs/silo<N>.log  $ES_DATA/logs/gateway.log
  Silos          $SILOS running; add one: scripts/silo.sh start $((SILOS + 1)); stop one: scripts/silo.sh stop N; roll all: scripts/roll.sh
  PostgreSQL     127.0.0.1:$ES_PG_PORT (database $ES_PG_DATABASE)   Redis 127.0.0.1:$ES_REDIS_PORT

  A token (every scope):   TOKEN=\$(scripts/token.sh)
  Only some scopes:        scripts/token.sh subscriptions:read entities:read
  First call:              curl -s -H "Authorization: Bearer \$TOKEN" $ES_GATEWAY_URL/readyz

BANNER

if [ "$DETACH" -eq 1 ]; then
  echo "  Detached. Stop with: scripts/down.sh"
  exit 0
fi
echo "  Ctrl-C stops everything."
while kill -0 "$(cat "$ES_DATA/run/gateway.pid")" 2>/dev/null; do sleep 1; done
es_log "gateway exited"; stop_all
