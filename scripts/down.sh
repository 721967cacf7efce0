#!/usr/bin/env bash
# Stops what scripts/up.sh started: the gateway, the silos, Redis and PostgreSQL. Data stays in .data/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"

stop_pid() { # name
  local file="$ES_DATA/run/$1.pid" pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    es_log "stopping $1 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { es_log "$1 did not stop in 30 s: killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$file"
}

stop_pid gateway
stop_pid silo1 &
stop_pid silo2 &
wait
es_redis_stop "$ES_DATA/redis" "$ES_REDIS_PORT"
es_pg_stop "$ES_DATA/postgres"
es_log "stopped"
