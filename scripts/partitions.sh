#!/usr/bin/env bash
# Partitions and failover on several hosts (scripts/hosts.sh), under load. Each fault is injected
# 20 s into a 60-s load (--rate events/s to --subscriptions subscriptions of maxInFlight 1, whose
# receiver runs on this machine at the hosts' network address); the bench then waits for every
# delivery and reports lost, duplicates, per-entity inversions, the most calls at once to one
# subscription (above 1: two activations of its grain sending), API latency (max: the longest a
# call waited) and the calls refused (sent - accepted).
#   scripts/partitions.sh [all | cut-silo cut-db cut-redis failover ...] [--rate 100] [--subscriptions 5] [--cut 20] [--async]
# cut-silo: h2 (silo 2) off the network for --cut s, then back; cut-db: PostgreSQL's host; cut-redis:
# Redis's host; failover: the PostgreSQL primary's host, with a standby managed by Patroni that takes
# over (hosts.sh up --standby: synchronous replication; --async: asynchronous); kill-primary: every process of the
# primary's host killed (PostgreSQL and Patroni), started again after --cut s. The hosts are brought up (3 silo
# hosts) if they are not, and taken down at the end unless --keep. Results in
# $ES_DATA_DIR/logs/partition-<fault>.log (default .data-hosts).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ES_DATA_DIR=${ES_DATA_DIR:-$ROOT/.data-hosts}
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"
source "$ROOT/scripts/lib/stack.sh"

faults=()
rate=100
subscriptions=5
cut=20
keep=0
sync=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate=$2; shift 2 ;;
    --subscriptions) subscriptions=$2; shift 2 ;;
    --cut) cut=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --async) sync=(--async); shift ;;
    all) faults+=(cut-silo cut-db cut-redis); shift ;;
    cut-silo|cut-db|cut-redis|failover|kill-primary) faults+=("$1"); shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) es_die "unknown argument: $1" ;;
  esac
done
[ ${#faults[@]} -gt 0 ] || faults=(cut-silo cut-db cut-redis)

brought_up=0
standby=()
[[ " ${faults[*]} " == *" failover "* || " ${faults[*]} " == *" kill-primary "* ]] && standby=(--standby "${sync[@]}")
if [ ! -e "$ES_DATA/hosts/ready" ]; then
  "$ROOT/scripts/hosts.sh" up --hosts 3 "${standby[@]}" >/dev/null
  brought_up=1
fi
if [ ${#standby[@]} -gt 0 ] && [ ! -e "$ES_DATA/hosts/standby" ]; then
  es_die "failover needs the hosts up with a standby: scripts/hosts.sh down, then run this again"
fi
finish() { [ "$brought_up" -eq 1 ] && [ "$keep" -eq 0 ] && "$ROOT/scripts/hosts.sh" down >/dev/null 2>&1; true; }
trap finish EXIT

silos=$(cat "$ES_DATA/hosts/silos")
address=$("$ROOT/scripts/hosts.sh" address)
net=${address%.*}
metrics=$(for i in $(seq 1 "$silos"); do printf 'http://%s.%d:9464/metrics,' "$net" $((10 + i)); done)
if [ -e "$ES_DATA/hosts/standby" ]; then
  postgres="Host=$net.2:5432,$net.4:5432;Target Session Attributes=primary;Username=postgres;Password=dev-only;Database=$ES_PG_DATABASE"
else
  postgres="Host=$net.2;Port=5432;Username=postgres;Database=$ES_PG_DATABASE"
fi
dotnet build "$ROOT/bench/Bench.csproj" -c Release --nologo -v quiet >/dev/null
TOKEN=$("$ROOT/scripts/token.sh")

host_of() {
  case "$1" in
    cut-silo) echo h2 ;;
    cut-db|failover|kill-primary) "$ROOT/scripts/hosts.sh" primary ;;
    cut-redis) echo redis ;;
  esac
}

status=0
for fault in "${faults[@]}"; do
  log="$ES_DATA/logs/partition-$fault.log"
  host=$(host_of "$fault")
  restarts_before=$(grep -c 'starting it again' "$ES_DATA/logs/supervisor.log" 2>/dev/null || true)
  es_log "fault $fault: 60 s of $rate events/s to $subscriptions subscriptions; $host cut at 20 s for $cut s"
  dotnet "$ROOT/bench/bin/Release/net10.0/Bench.dll" --gateway "$ES_GATEWAY_URL" --token "$TOKEN" \
    --scenario load --duration 60 --rate "$rate" --concurrency 32 --subscriptions "$subscriptions" --entities 100 \
    --max-in-flight 1 --wait-minutes 10 --no-limit --label "$fault" --receiver-address "$address" \
    --metrics "${metrics%,}" --postgres "$postgres" >"$log" 2>&1 &
  bench=$!
  sleep 20
  if [ "$fault" = kill-primary ]; then
    "$ROOT/scripts/hosts.sh" kill "$host"
    sleep "$cut"
    "$ROOT/scripts/hosts.sh" restart "$host"
  else
    "$ROOT/scripts/hosts.sh" cut "$host"
    sleep "$cut"
    "$ROOT/scripts/hosts.sh" heal "$host"
  fi
  healed=$(date +%s)
  wait "$bench" || status=1
  # The cluster whole again: every silo active (the supervisor restarts one that stopped itself).
  whole=-1
  for _ in $(seq 1 180); do
    if es_wait_ready "$silos" 1; then whole=$(( $(date +%s) - healed )); break; fi
  done
  grep -v '^  …' "$log"
  [[ "$fault" == failover || "$fault" == kill-primary ]] && echo "  PostgreSQL primary before: $host, after: $("$ROOT/scripts/hosts.sh" primary || echo none) (replication: $([ ${#sync[@]} -gt 0 ] && echo asynchronous || echo synchronous))"
  echo "  cluster whole again (all $silos silos active) $whole s after the heal"
  echo "  silos restarted by the supervisor: $(( $(grep -c 'starting it again' "$ES_DATA/logs/supervisor.log" 2>/dev/null || true) - ${restarts_before:-0} ))"
  echo
done
exit $status
