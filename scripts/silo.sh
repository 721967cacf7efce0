#!/usr/bin/env bash
# Adds a silo to the running local stack, or stops one gracefully.
#   scripts/silo.sh start N    start silo N (ports 11110+N, 29999+N, metrics 9100+N) and wait until it is active
#   scripts/silo.sh stop N     SIGTERM: the silo hands over its grains, queues and reminders, then exits
#   scripts/silo.sh list       the silos running now
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"
source "$ROOT/scripts/lib/stack.sh"

usage() { sed -n '2,5p' "$0"; exit "${1:-0}"; }
[ $# -ge 1 ] || usage 1
verb=$1; n=${2:-}
case "$verb" in
  -h|--help) usage 0 ;;
  list) es_running_silos; exit 0 ;;
  start|stop) [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 20 ] || es_die "$verb needs a silo number from 1 to 20" ;;
  *) es_die "unknown verb '$verb' (start, stop, list)" ;;
esac
[ -f "$ES_DATA/app/silo/Silo.dll" ] || es_die "no published silo: run scripts/up.sh first"
curl -fsS -m 5 "$ES_GATEWAY_URL/healthz" >/dev/null 2>&1 || es_die "the stack is not running (scripts/up.sh --detach)"

running=$(es_running_silos | wc -l)
case "$verb" in
  start)
    es_process_alive "silo$n" && es_die "silo $n is running already"
    es_start_silo "$n"
    es_wait_ready $((running + 1)) 120 || es_die "silo $n did not become active (see $ES_DATA/logs/silo$n.log)"
    es_log "silo $n is active: $((running + 1)) silo(s)" ;;
  stop)
    es_process_alive "silo$n" || es_die "silo $n is not running"
    started=$(date +%s)
    es_stop_process "silo$n"
    es_wait_ready $((running - 1)) 60 || es_die "the cluster did not settle on $((running - 1)) silo(s)"
    es_log "silo $n stopped in $(( $(date +%s) - started )) s: $((running - 1)) silo(s)" ;;
esac
