#!/usr/bin/env bash
# CPU seconds used so far by each part of the local stack, from /proc/<pid>/stat (utime + stime,
# plus cutime + cstime: what exited children, such as PostgreSQL's backends, used).
#   scripts/cpu.sh                 one line per part: "postgres 12.34"
#   scripts/cpu.sh -- COMMAND...   runs COMMAND, then prints the CPU seconds each part used during it,
#                                  and "command": what COMMAND's own processes used (the bench's load
#                                  generator and receiver)
# Used for the per-event CPU figures of bench/RESULTS.md.
set -euo pipefail
if [[ ${1:-} == --help || ${1:-} == -h ]]; then sed -n '2,8p' "$0"; exit 0; fi
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
  marks=$(mktemp); trap 'rm -f "$marks"' EXIT
  times > "$marks"
  "$@"
  times >> "$marks"
  after=$(sample)
  echo "CPU seconds during: $*"
  join <(echo "$before" | sort) <(echo "$after" | sort) | awk -v t="$TICK" '{ printf "  %-9s %8.2f\n", $1, ($3 - $2) / t }' | grep -v '^  bench '
  # The command's own processes (the bench's load generator and receiver, its build), which have
  # exited by now: what this shell's children used while it ran (lines 2 and 4 of `times`).
  awk 'function sec(x) { split(x, p, "m"); sub(/s$/, "", p[2]); return p[1] * 60 + p[2] }
       NR == 2 { c0 = sec($1) + sec($2) } NR == 4 { c1 = sec($1) + sec($2) }
       END { printf "  %-9s %8.2f\n", "command", c1 - c0 }' "$marks"
else
  sample | awk -v t="$TICK" '{ printf "%s %.2f\n", $1, $2 / t }'
fi
