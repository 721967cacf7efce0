#!/usr/bin/env bash
# CPU seconds used so far by each part of the local stack, from /proc/<pid>/stat (utime + stime,
# plus cutime + cstime: what exited children, such as PostgreSQL's backends, used).
#   scripts/cpu.sh                 one line per part: "postgres 12.34"
#   scripts/cpu.sh -- COMMAND...   runs COMMAND, then prints the CPU seconds each part used during it
# Used for the per-event CPU figures of bench/RESULTS.md.
set -euo pipefail
if [[ ${1:-} == --help || ${1:-} == -h ]]; then sed -n '2,6p' "$0"; exit 0; fi
TICK=$(getconf CLK_TCK)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${ES_DATA:-$ROOT/.data}

sample() {
  local pid cmd part fields postmaster
  declare -A sum=()
  postmaster=$(pgrep -f -- "-D $DATA/postgres" | head -1 || true)
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/}; pid=${pid%/stat}
    cmd=$( { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null ) || continue
    fields=$(sed 's/^.*) //' "$stat" 2>/dev/null) || continue
    set -- $fields
    # After the command name: $2 is the parent pid; utime stime cutime cstime are $12-$15.
    case "$cmd" in
      *"$DATA/app/silo"*) part=silos ;;
      *"$DATA/app/gateway"*) part=gateway ;;
      *Bench.dll*) part=bench ;;
      *redis-server*":${ES_REDIS_PORT:-6380}"*) part=redis ;;
      *)
        if [[ -n $postmaster && ( $pid == "$postmaster" || $2 == "$postmaster" ) ]]; then part=postgres; else continue; fi ;;
    esac
    sum[$part]=$(( ${sum[$part]:-0} + ${12} + ${13} + ${14} + ${15} ))
  done
  for part in postgres silos gateway redis bench; do
    echo "$part ${sum[$part]:-0}"
  done
}

if [[ ${1:-} == -- ]]; then
  shift
  before=$(sample)
  "$@"
  after=$(sample)
  echo "CPU seconds during: $*"
  join <(echo "$before" | sort) <(echo "$after" | sort) | awk -v t="$TICK" '{ printf "  %-9s %8.2f\n", $1, ($3 - $2) / t }'
else
  sample | awk -v t="$TICK" '{ printf "%s %.2f\n", $1, $2 / t }'
fi
