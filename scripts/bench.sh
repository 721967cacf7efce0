#!/usr/bin/env bash
# Runs a benchmark scenario against the local stack (scripts/up.sh starts it if it is not running).
#   scripts/bench.sh [--scenario NAME] [options of bench/]      (figures: bench/RESULTS.md)
# Scenarios:
#   load     (a, default) 10 subscriptions, 20,000 events, delivered to a local receiver, then the
#            plain-HttpClient limit and the ratio           --subscriptions --events --concurrency
#   fanout   (b) one event at a time to 1,000 subscriptions, 20 times
#   many     (c) events at --rate (200/s) to 1 subscription, then 100,000 more that never match (--create) with
#                --changes (100) of them refiltered a second: CPU per event and routing lag against 1, idle CPU,
#                memory per silo and per active grain; then (silos restarted) memory per idle subscription
#   growth   (d) 10 matching among 10 / 1,000 / 10,000 subscriptions          --steps 10,1000,10000
#   silos    (e) scenario a with two silos, then with one (silo 2 stopped, then started again)
#   month    one subscription with 1 and 4 million log rows and finished deliveries of history
#            (generated in SQL): activation and last log page p50/p99 against none; a retention run
#   outage   the receivers of 10 subscriptions answer 503 for 10 minutes while entities of 8 KiB
#            change 200 times a second, then are back: silos' memory before, during and after, what
#            waited, time to drain, lost, duplicates, per-entity inversions ("before": after a minute
#            of the same load with the receivers up). The silos run it with
#            retries every 5-30 s (restarted for it, and again after with the usual schedule)
# Options: --events N --duration S --rate R --subscriptions N --non-matching N --concurrency N
#          --entities N --fail-rate F --wait-minutes M --create N --no-limit --label TEXT --entity-kb K
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"
source "$ROOT/scripts/lib/stack.sh"

scenario=load
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) scenario=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

if ! curl -fsS -m 5 "$ES_GATEWAY_URL/readyz" >/dev/null 2>&1; then
  "$ROOT/scripts/up.sh" --detach
fi
dotnet build "$ROOT/bench/Bench.csproj" -c Release --nologo -v quiet >/dev/null
TOKEN=$("$ROOT/scripts/token.sh")

bench() {
  dotnet "$ROOT/bench/bin/Release/net10.0/Bench.dll" --gateway "$ES_GATEWAY_URL" --token "$TOKEN" \
    --postgres "$ConnectionStrings__Postgres" --redis "$ConnectionStrings__Redis" "$@"
}

case "$scenario" in
  load|a) bench --scenario load "${args[@]}" ;;
  fanout|b) bench --scenario fanout --subscriptions 1000 --events 20 --concurrency 1 --entities 1 "${args[@]}" ;;
  many|c)
    resource="bench$(date +%s)"
    bench --scenario many --resource "$resource" --concurrency 32 "${args[@]}"
    # Idle: silos started afresh, so that their heaps hold only what is live.
    es_stop_process silo1; es_stop_process silo2
    es_start_silo 1; es_start_silo 2
    es_wait_ready 2 180 || es_die "the silos did not come back"
    bench --scenario idle --resource "$resource" "${args[@]}" ;;
  growth|d) bench --scenario growth --events 2000 --concurrency 32 "${args[@]}" ;;
  silos|e)
    es_wait_ready 2 120 || es_die "the stack does not have two active silos"
    status=0
    bench --scenario load --label "two silos" "${args[@]}" || status=1
    es_stop_process silo2
    es_wait_ready 1 120 || es_die "the cluster did not settle on one silo"
    bench --scenario load --label "one silo" "${args[@]}" || status=1
    es_start_silo 2
    es_wait_ready 2 120 || es_die "silo 2 did not come back"
    exit $status ;;
  month) bench --scenario month "${args[@]}" ;;
  outage)
    # Retries every 5 to 30 s for 20 minutes: the receiver's return is seen within 30 s, and an
    # outage of 10 minutes exhausts nothing. Both silos are restarted with it, then without it.
    restart_silos() {
      es_stop_process silo1; es_stop_process silo2
      es_start_silo 1; es_start_silo 2
      es_wait_ready 2 180 || es_die "the silos did not come back"
    }
    delays=(5 10 20); for _ in $(seq 1 40); do delays+=(30); done
    i=0; for d in "${delays[@]}"; do export "Delivery__RetryDelaySeconds__$i=$d"; i=$((i + 1)); done
    restart_silos
    status=0
    bench --scenario outage --subscriptions 10 --rate 200 --duration 600 --warmup 60 --entity-kb 8 --entities 2000 --no-limit "${args[@]}" || status=1
    for j in $(seq 0 $((i - 1))); do unset "Delivery__RetryDelaySeconds__$j"; done
    restart_silos
    exit $status ;;
  *) es_die "unknown scenario '$scenario' (load, fanout, many, growth, silos, outage, month)" ;;
esac
