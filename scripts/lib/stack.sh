# The processes of the local stack, shared by up.sh, down.sh, bench.sh and chaos.sh.
# Sourced after services.sh and dev-env.sh; the service runs from the copy published in $ES_DATA/app.

# es_publish   builds the silo and the gateway into $ES_DATA/app (Release): the stack runs from
# that copy, so that building or testing the tree never pulls files from under running processes.
es_publish() {
  mkdir -p "$ES_DATA/logs"
  es_log "building (Release)"
  local project
  : >"$ES_DATA/logs/build.log"
  for project in Silo Gateway; do
    dotnet publish "$ROOT/$project/$project.csproj" -c Release -o "$ES_DATA/app/${project,,}" --nologo -v quiet >>"$ES_DATA/logs/build.log" 2>&1 \
      || { tail -n 30 "$ES_DATA/logs/build.log" >&2; es_die "build failed (see $ES_DATA/logs/build.log)"; }
  done
}

# es_start_process NAME DLL [VAR=value...]   runs in the background, pid in $ES_DATA/run/NAME.pid
es_start_process() {
  local name=$1 dll=$2; shift 2
  mkdir -p "$ES_DATA/logs" "$ES_DATA/run"
  es_log "starting $name"
  ( cd "$(dirname "$dll")" && exec env "$@" dotnet "$dll" ) >>"$ES_DATA/logs/$name.log" 2>&1 &
  echo $! >"$ES_DATA/run/$name.pid"
}

# es_start_silo N   silo N (1 to 20), on ports of its own: 11110+N, 29999+N, metrics 9100+N
es_start_silo() {
  local n=$1
  es_start_process "silo$n" "$ES_DATA/app/silo/Silo.dll" \
    Silo__SiloPort=$((11110 + n)) Silo__GatewayPort=$((29999 + n)) Silo__MetricsPort=$((9100 + n))
}

es_start_gateway() {
  es_start_process gateway "$ES_DATA/app/gateway/Gateway.dll" Urls="$ES_GATEWAY_URL"
}

# es_stop_process NAME   SIGTERM (a graceful stop: a silo hands over its work), then SIGKILL
# after 60 s (a silo exits on its own within Cluster__ShutdownTimeoutSeconds + 10 s)
es_stop_process() {
  local file="$ES_DATA/run/$1.pid" pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    es_log "stopping $1 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { es_log "$1 did not stop in 60 s: killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$file"
}

# es_running_silos   the numbers of the silos running now, one a line
es_running_silos() {
  local pidfile n
  for pidfile in "$ES_DATA"/run/silo*.pid; do
    [ -e "$pidfile" ] || continue
    n=$(basename "$pidfile" .pid); n=${n#silo}
    es_process_alive "silo$n" && echo "$n"
  done | sort -n
}

# es_process_alive NAME
es_process_alive() {
  [ -s "$ES_DATA/run/$1.pid" ] && kill -0 "$(cat "$ES_DATA/run/$1.pid")" 2>/dev/null
}

# es_wait_ready SILOS SECONDS   until /readyz reports that many active silos
es_wait_ready() {
  local silos=$1 seconds=$2 _
  for _ in $(seq 1 "$seconds"); do
    if curl -fsS -m 5 "$ES_GATEWAY_URL/readyz" 2>/dev/null | grep -q "\"$silos active silo"; then return 0; fi
    sleep 1
  done
  return 1
}
