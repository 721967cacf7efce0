#!/usr/bin/env bash
# Fault injection under sustained load. Each fault is injected 20 s into a 60-s load (--rate events/s
# to --subscriptions subscriptions of the local receiver); the bench then waits for every delivery
# and reports: lost (an accepted event a subscription never received), duplicates, extra (delivered
# although the gateway did not confirm it) and the longest stalls of acceptance and delivery.
#   scripts/chaos.sh [all | kill-silo pg-restart pg-crash redis-restart flaky-receiver scale roll ...] [--rate 40] [--subscriptions 5]
# pg-restart: a clean stop, 10 s down; pg-crash: an immediate stop (as a crash), 10 s down.
# scale: silos 3 and 4 added at 20 s, removed gracefully at 40 s; roll: every silo restarted in turn from 20 s.
# The stack is (re)started with a short retry schedule (1 s to 30 s, 16 retries) so that calls failed
# during a fault are retried within the run; scripts/down.sh then scripts/up.sh restore the normal one.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"
source "$ROOT/scripts/lib/stack.sh"

faults=()
rate=40
subscriptions=5
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate=$2; shift 2 ;;
    --subscriptions) subscriptions=$2; shift 2 ;;
    all) faults+=(kill-silo pg-restart pg-crash redis-restart flaky-receiver scale roll); shift ;;
    kill-silo|pg-restart|pg-crash|redis-restart|flaky-receiver|scale|roll) faults+=("$1"); shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) es_die "unknown argument: $1" ;;
  esac
done
[ ${#faults[@]} -gt 0 ] || faults=(kill-silo pg-restart redis-restart flaky-receiver)

i=0
for delay in 1 1 1 2 2 2 4 4 4 8 8 8 15 15 15 30; do
  export "Delivery__RetryDelaySeconds__$i=$delay"; i=$((i + 1))
done
"$ROOT/scripts/down.sh" >/dev/null 2>&1 || true
"$ROOT/scripts/up.sh" --detach >/dev/null
dotnet build "$ROOT/bench/Bench.csproj" -c Release --nologo -v quiet >/dev/null
TOKEN=$("$ROOT/scripts/token.sh")

inject() {
  case "$1" in
    kill-silo) kill -KILL "$(cat "$ES_DATA/run/silo2.pid")" ;;
    pg-restart)
      es_pg_stop "$ES_DATA/postgres"; sleep 10
      es_pg_start "$ES_DATA/postgres" "$ES_PG_PORT" "$ES_PG_DATABASE" ;;
    pg-crash)
      es_pg_crash "$ES_DATA/postgres"; sleep 10
      es_pg_start "$ES_DATA/postgres" "$ES_PG_PORT" "$ES_PG_DATABASE" ;;
    redis-restart)
      es_redis_stop "$ES_DATA/redis" "$ES_REDIS_PORT"
      es_redis_start "$ES_DATA/redis" "$ES_REDIS_PORT" ;;
    flaky-receiver) ;;
    scale)
      es_start_silo 3; es_start_silo 4
      es_wait_ready 4 60 || es_log "silos 3 and 4 did not both become active"
      es_log "4 silos; removing 3 and 4 gracefully"
      sleep 5
      es_stop_process silo3; es_stop_process silo4
      es_wait_ready 2 60 || es_log "the cluster did not settle back on 2 silos" ;;
    roll)
      for n in 1 2; do
        es_stop_process "silo$n"
        es_wait_ready 1 60 || es_log "the cluster did not settle without silo $n"
        es_start_silo "$n"
        es_wait_ready 2 120 || es_log "silo $n did not come back"
      done ;;
  esac
}

status=0
for fault in "${faults[@]}"; do
  log="$ES_DATA/logs/chaos-$fault.log"
  extra=()
  [ "$fault" = flaky-receiver ] && extra=(--fail-rate 0.5)
  es_log "fault $fault: 60 s of $rate events/s to $subscriptions subscriptions; injected at 20 s"
  dotnet "$ROOT/bench/bin/Release/net10.0/Bench.dll" --gateway "$ES_GATEWAY_URL" --token "$TOKEN" \
    --scenario load --duration 60 --rate "$rate" --concurrency 16 --subscriptions "$subscriptions" --entities 100 \
    --wait-minutes 10 --no-limit --label "$fault" "${extra[@]}" >"$log" 2>&1 &
  bench=$!
  sleep 20
  started=$(date +%s)
  inject "$fault"
  es_log "$fault injected (took $(( $(date +%s) - started )) s)"
  wait "$bench" || status=1
  grep -v '^  …' "$log"
  if ! es_process_alive silo2; then
    es_start_silo 2
    es_wait_ready 2 120 || es_die "silo 2 did not come back"
  fi
done
echo
echo "The stack still runs with the short retry schedule; scripts/down.sh && scripts/up.sh restore the normal one."
exit $status
