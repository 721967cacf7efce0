#!/usr/bin/env bash
# Restarts every running silo of the local stack, one at a time: a graceful stop, a start from the
# published copy (publish a new build first to deploy it), and a wait until it is active again
# before the next. With --load, events are sent and delivered meanwhile, and the bench's report
# says what callers and receivers saw (lost, duplicates, API errors, longest stall).
#   scripts/roll.sh [--load] [--rate R]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"
source "$ROOT/scripts/lib/stack.sh"

load=0; rate=50
while [ $# -gt 0 ]; do
  case "$1" in
    --load) load=1; shift ;;
    --rate) rate=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) es_die "unknown option: $1 (see --help)" ;;
  esac
done
curl -fsS -m 5 "$ES_GATEWAY_URL/healthz" >/dev/null 2>&1 || es_die "the stack is not running (scripts/up.sh --detach)"
mapfile -t silos < <(es_running_silos)
[ "${#silos[@]}" -ge 2 ] || es_die "a rolling restart needs at least two silos (running: ${#silos[@]})"

bench_pid=
if [ "$load" -eq 1 ]; then
  seconds=$(( ${#silos[@]} * 60 + 30 ))
  es_log "load: $rate events/s for $seconds s while rolling"
  "$ROOT/scripts/bench.sh" --duration "$seconds" --rate "$rate" --no-limit --label "rolling restart" &
  bench_pid=$!
  sleep 10
fi

started=$(date +%s)
for n in "${silos[@]}"; do
  t=$(date +%s)
  es_stop_process "silo$n"
  es_wait_ready $(( ${#silos[@]} - 1 )) 60 || es_die "the cluster did not settle without silo $n"
  es_start_silo "$n"
  es_wait_ready "${#silos[@]}" 120 || es_die "silo $n did not come back (see $ES_DATA/logs/silo$n.log)"
  es_log "silo $n restarted in $(( $(date +%s) - t )) s"
done
es_log "rolled ${#silos[@]} silos in $(( $(date +%s) - started )) s"
if [ -n "$bench_pid" ]; then
  wait "$bench_pid"
fi
