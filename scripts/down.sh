#!/usr/bin/env bash
# Stops what scripts/up.sh started: the gateway, the silos, Redis and PostgreSQL. Data stays in .data/.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2p' "$0"; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"
source "$ROOT/scripts/lib/stack.sh"

es_stop_process gateway
for pidfile in "$ES_DATA"/run/silo*.pid; do
  [ -e "$pidfile" ] || continue
  es_stop_process "$(basename "$pidfile" .pid)" &
done
wait
es_redis_stop "$ES_DATA/redis" "$ES_REDIS_PORT"
es_pg_stop "$ES_DATA/postgres"
es_log "stopped"
