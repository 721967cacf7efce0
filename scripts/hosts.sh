#!/usr/bin/env bash
# Several hosts on this one machine: Linux network namespaces on a bridge of their own (root only).
#   scripts/hosts.sh up [--hosts N] [--standby [--async]]
#                                     silo hosts h1..hN (default 3; silo i on hi), PostgreSQL on host pg,
#                                     Redis on host redis; the gateway on the machine at 127.0.0.1:8080.
#                                     --standby: PostgreSQL on pg1 and pg2 instead (a primary and a streaming
#                                     standby managed by Patroni, etcd on host etcd), synchronous
#                                     replication unless --async; the service follows the primary
#   scripts/hosts.sh primary          the PostgreSQL host that is primary now (pg, pg1 or pg2)
#   scripts/hosts.sh kill H           kill -9 every process of host H (a crash; its link stays up)
#   scripts/hosts.sh restart H        start pg1's or pg2's Patroni again after a kill (it rejoins as a standby)
#   scripts/hosts.sh cut H            takes host H (h1..hN, pg, pg1, pg2, etcd, redis) off the network; its processes go on
#   scripts/hosts.sh heal H           puts it back
#   scripts/hosts.sh address          the machine's address on the hosts' network (receivers listen there)
#   scripts/hosts.sh status           each host: address, link, its processes
#   scripts/hosts.sh down             stops everything and removes every namespace, link and the bridge
# Silos are supervised as an orchestrator would: one that exits (a silo told after a cut that the
# others declared it dead stops itself) is started again. Webhooks to the hosts' network are allowed.
# Addresses: $ES_HOSTS_NET.0/24 (default 10.77.0), only inside the namespaces and on the bridge.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ES_DATA_DIR=${ES_DATA_DIR:-$ROOT/.data-hosts}
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/dev-env.sh"
source "$ROOT/scripts/lib/stack.sh"

NET=${ES_HOSTS_NET:-10.77.0}
BRIDGE=es-br0
MACHINE=$NET.1
PG_ADDRESS=$NET.2
REDIS_ADDRESS=$NET.3
STATE=$ES_DATA/hosts

usage() { sed -n '2,19p' "$0"; }

# host_address H: h1 → .11, h2 → .12 …, pg → .2, redis → .3
host_address() {
  case "$1" in
    pg|pg1) echo "$PG_ADDRESS" ;;
    redis) echo "$REDIS_ADDRESS" ;;
    pg2) echo "$NET.4" ;;
    etcd) echo "$NET.5" ;;
    h[0-9]*) echo "$NET.$((10 + ${1#h}))" ;;
    *) es_die "no host '$1': h1…hN, pg, pg1, pg2, etcd or redis" ;;
  esac
}

known_host() { [ -e "/run/netns/es-$1" ] || es_die "host '$1' is not up (scripts/hosts.sh status)"; }

silo_count() { cat "$STATE/silos" 2>/dev/null || echo 0; }

standby() { [ -e "$STATE/standby" ]; }

# The environment of every process of the stack: the dev configuration, pointed at the hosts. With
# a standby, the connection string names both servers and asks for the primary: Npgsql finds which
# one is, and looks again every second after a connection failed (a failover).
stack_env() {
  if standby; then
    export ConnectionStrings__Postgres="Host=$PG_ADDRESS:5432,$NET.4:5432;Target Session Attributes=primary;Host Recheck Seconds=1;Username=postgres;Password=dev-only;Database=$ES_PG_DATABASE"
  else
    export ConnectionStrings__Postgres="Host=$PG_ADDRESS;Port=5432;Username=postgres;Database=$ES_PG_DATABASE"
  fi
  export ConnectionStrings__Redis="$REDIS_ADDRESS:6379"
  export Webhooks__AllowHttp=true Webhooks__AllowedNetworks__0=127.0.0.0/8 Webhooks__AllowedNetworks__1="$NET.0/24"
  unset Smtp__Host Smtp__Port Smtp__Security
}

# in_host H CMD...   runs CMD in host H's namespace
in_host() { local host=$1; shift; ip netns exec "es-$host" "$@"; }

add_host() {
  local host=$1 address; address=$(host_address "$host")
  ip netns add "es-$host"
  ip link add "esv-$host" type veth peer name eth0 netns "es-$host"
  ip link set "esv-$host" master "$BRIDGE" up
  in_host "$host" ip addr add "$address/24" dev eth0
  in_host "$host" ip link set eth0 up
  in_host "$host" ip link set lo up
}

# start_silo I   silo I in host hI, supervised (the supervisor starts it again if it exits)
start_silo() {
  local i=$1 address; address=$(host_address "h$i")
  rm -f "$STATE/silo$i.stopped"
  es_log "starting silo$i on h$i ($address)"
  ( stack_env
    cd "$ES_DATA/app/silo" && exec ip netns exec "es-h$i" env Silo__AdvertisedAddress="$address" Silo__SiloPort=11111 Silo__GatewayPort=30000 \
      Silo__MetricsHost='*' Silo__MetricsPort=9464 Silo__HealthPort=8081 dotnet Silo.dll ) >>"$ES_DATA/logs/silo$i.log" 2>&1 &
  echo $! >"$ES_DATA/run/silo$i.pid"
}

supervise() {
  es_log "supervisor: watching $(silo_count) silos"
  while [ -e "$STATE/up" ]; do
    for i in $(seq 1 "$(silo_count)"); do
      if [ ! -e "$STATE/silo$i.stopped" ] && ! es_process_alive "silo$i"; then
        echo "$(date -u +%FT%TZ) silo$i exited; starting it again" >>"$ES_DATA/logs/supervisor.log"
        start_silo "$i" 2>>"$ES_DATA/logs/supervisor.log"
      fi
    done
    sleep 2
  done
}

# start_postgres: one PostgreSQL server on host pg
start_postgres() {
  es_ensure_postgres
  local pgdir=$STATE/postgres user; user=$(es_pg_user)
  mkdir -p "$pgdir"; chown "$user" "$pgdir"; chmod 700 "$pgdir"
  if [ ! -f "$pgdir/PG_VERSION" ]; then
    es_pg_run "$ES_PG_BIN/initdb" -D "$pgdir" -U postgres -A trust -E UTF8 --locale=C >"$STATE/initdb.log" 2>&1 \
      || { cat "$STATE/initdb.log" >&2; es_die "initdb failed"; }
    # Development only: every host of this private network may connect without a password.
    echo "host all all $NET.0/24 trust" >>"$pgdir/pg_hba.conf"
  fi
  es_log "PostgreSQL on host pg ($PG_ADDRESS:5432)"
  in_host pg runuser -u "$user" -- "$ES_PG_BIN/pg_ctl" -D "$pgdir" -l "$pgdir/server.log" -w -t 60 \
    -o "-p 5432 -k $pgdir -c listen_addresses=$PG_ADDRESS -c max_connections=300" start >/dev/null
  in_host pg runuser -u "$user" -- "$ES_PG_BIN/psql" -h "$PG_ADDRESS" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$ES_PG_DATABASE'" postgres | grep -q 1 \
    || in_host pg runuser -u "$user" -- "$ES_PG_BIN/psql" -h "$PG_ADDRESS" -U postgres -qc "CREATE DATABASE \"$ES_PG_DATABASE\"" postgres
}

# start_patroni SYNC: PostgreSQL on pg1 and pg2 under Patroni (etcd on host etcd); SYNC 1 (the
# default) for synchronous replication (Patroni's synchronous_mode: a commit returns once the
# standby has it; asynchronous lost confirmed writes in a failover, bench/RESULTS.md)
start_patroni() {
  local sync=$1 user node address
  command -v patroni >/dev/null || es_apt_install patroni
  command -v etcd >/dev/null || es_apt_install etcd-server
  es_ensure_postgres
  user=$(es_pg_user)
  touch "$STATE/standby"
  mkdir -p "$STATE/etcd"
  es_log "etcd on host etcd ($NET.5:2379)"
  in_host etcd etcd --name etcd --data-dir "$STATE/etcd" --listen-client-urls "http://$NET.5:2379" \
    --advertise-client-urls "http://$NET.5:2379" --listen-peer-urls "http://$NET.5:2380" \
    --initial-advertise-peer-urls "http://$NET.5:2380" --initial-cluster "etcd=http://$NET.5:2380" \
    >>"$ES_DATA/logs/etcd.log" 2>&1 &
  echo $! >"$ES_DATA/run/etcd.pid"
  for _ in $(seq 1 50); do curl -fsS -m 1 "http://$NET.5:2379/health" >/dev/null 2>&1 && break; sleep 0.2; done
  for node in pg1 pg2; do
    address=$(host_address "$node")
    mkdir -p "$STATE/$node"; chown "$user" "$STATE/$node"; chmod 700 "$STATE/$node"
    cat >"$STATE/patroni-$node.yml" <<YAML
scope: events-subscriptions
name: $node
restapi:
  listen: $address:8008
  connect_address: $address:8008
etcd3:
  hosts: $NET.5:2379
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 16777216
    synchronous_mode: $([ "$sync" -eq 1 ] && echo true || echo false)
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 300
        wal_log_hints: "on"
        wal_keep_size: 256MB
  initdb:
  - encoding: UTF8
  - locale: C
  pg_hba:
  - host replication replicator $NET.0/24 trust
  - host all all $NET.0/24 trust
  - local all all trust
postgresql:
  listen: $address:5432
  connect_address: $address:5432
  data_dir: $STATE/$node/data
  bin_dir: $ES_PG_BIN
  pgpass: $STATE/$node/pgpass
  parameters:
    unix_socket_directories: $STATE/$node
  basebackup:
  - checkpoint: fast
  authentication:
    superuser:
      username: postgres
      password: dev-only
    replication:
      username: replicator
      password: dev-only
YAML
    chown "$user" "$STATE/patroni-$node.yml"
    start_patroni_node "$node"
    # The first takes the leader key and makes the cluster; the second copies it as a standby.
    [ "$node" = pg1 ] && wait_primary 90
  done
  local primary; primary=$(cmd_primary)
  in_host "$primary" runuser -u "$user" -- "$ES_PG_BIN/psql" -h "$(host_address "$primary")" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$ES_PG_DATABASE'" postgres | grep -q 1 \
    || in_host "$primary" runuser -u "$user" -- "$ES_PG_BIN/psql" -h "$(host_address "$primary")" -U postgres -qc "CREATE DATABASE \"$ES_PG_DATABASE\"" postgres
  for _ in $(seq 1 90); do
    curl -fsS -m 1 "http://$NET.4:8008/replica" >/dev/null 2>&1 || curl -fsS -m 1 "http://$PG_ADDRESS:8008/replica" >/dev/null 2>&1 && return 0
    sleep 1
  done
  es_die "the standby did not start (see $ES_DATA/logs/patroni-pg2.log)"
}

start_patroni_node() {
  local node=$1
  es_log "Patroni and PostgreSQL on host $node ($(host_address "$node"):5432)"
  in_host "$node" runuser -u "$(es_pg_user)" -- patroni "$STATE/patroni-$node.yml" >>"$ES_DATA/logs/patroni-$node.log" 2>&1 &
  echo $! >"$ES_DATA/run/patroni-$node.pid"
}

# wait_primary SECONDS: until one of the PostgreSQL hosts is primary
wait_primary() {
  local _
  for _ in $(seq 1 "$1"); do cmd_primary >/dev/null 2>&1 && return 0; sleep 1; done
  es_die "no PostgreSQL primary after $1 s (see $ES_DATA/logs/patroni-*.log)"
}

cmd_primary() {
  local node
  if ! standby; then echo pg; return 0; fi
  for node in pg1 pg2; do
    curl -fsS -m 1 -o /dev/null "http://$(host_address "$node"):8008/primary" 2>/dev/null && { echo "$node"; return 0; }
  done
  return 1
}

cmd_up() {
  local hosts=3 with_standby=0 sync=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --hosts) hosts=${2:-}; shift 2 || es_die "--hosts needs a number" ;;
      --standby) with_standby=1; shift ;;
      --async) sync=0; shift ;;
      --sync) sync=1; shift ;;
      *) es_die "unknown option: $1" ;;
    esac
  done
  [[ "$hosts" =~ ^[0-9]+$ ]] && [ "$hosts" -ge 1 ] && [ "$hosts" -le 9 ] || es_die "--hosts must be a number from 1 to 9"
  [ "$(id -u)" -eq 0 ] || es_die "network namespaces need root"
  command -v ip >/dev/null || es_apt_install iproute2
  [ -e "$STATE/up" ] && es_die "already up (scripts/hosts.sh down first)"
  curl -s -m 2 -o /dev/null "$ES_GATEWAY_URL/healthz" && es_die "something answers at $ES_GATEWAY_URL already (scripts/down.sh?)"
  ip -4 addr | grep -q "inet $NET\." && es_die "$NET.0/24 is in use on this machine: choose another with ES_HOSTS_NET"
  mkdir -p "$STATE" "$ES_DATA/logs" "$ES_DATA/run"
  # Whatever stops the start half way (a failed step, es_die, Ctrl-C), everything made is removed.
  trap 'if [ ! -e "$STATE/ready" ]; then es_log "up failed: cleaning up"; cmd_down >/dev/null 2>&1 || true; fi' EXIT
  rm -f "$STATE/ready"
  echo "$hosts" >"$STATE/silos"
  touch "$STATE/up"

  es_log "network $NET.0/24: bridge $BRIDGE, the machine at $MACHINE"
  ip link add "$BRIDGE" type bridge
  ip addr add "$MACHINE/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  rm -f "$STATE/standby"
  local pg_hosts=pg
  [ "$with_standby" -eq 1 ] && pg_hosts="pg1 pg2 etcd"
  for host in $pg_hosts redis $(seq -f 'h%g' 1 "$hosts"); do add_host "$host"; done

  es_ensure_redis
  es_log "Redis on host redis ($REDIS_ADDRESS:6379)"
  mkdir -p "$STATE/redis"
  in_host redis redis-server --bind "$REDIS_ADDRESS" --port 6379 --protected-mode no --dir "$STATE/redis" --appendonly yes \
    --appendfsync everysec --save "" --daemonize yes --pidfile "$STATE/redis/redis.pid" --logfile "$STATE/redis/redis.log" >/dev/null

  if [ "$with_standby" -eq 1 ]; then
    start_patroni "$sync"
  else
    start_postgres
  fi

  es_publish
  stack_env
  es_log "applying database migrations"
  dotnet "$ES_DATA/app/silo/Silo.dll" migrate >"$ES_DATA/logs/migrate.log" 2>&1 || { cat "$ES_DATA/logs/migrate.log" >&2; es_die "migrations failed"; }
  for i in $(seq 1 "$hosts"); do start_silo "$i"; done
  es_start_gateway
  nohup "$0" supervise >>"$ES_DATA/logs/supervisor.log" 2>&1 &
  echo $! >"$ES_DATA/run/supervisor.pid"
  es_log "waiting for $ES_GATEWAY_URL/readyz with $hosts silos"
  es_wait_ready "$hosts" 180 || es_die "not ready after 180 s (logs in $ES_DATA/logs)"
  touch "$STATE/ready"
  cmd_status
  es_log "ready: the API at $ES_GATEWAY_URL; receivers for the silos listen on $MACHINE; scripts/hosts.sh down stops it all"
}

cmd_cut() {
  local host=${1:?cut needs a host}; known_host "$host"
  ip link set "esv-$host" down
  es_log "$host ($(host_address "$host")) cut off; its processes go on"
}

cmd_heal() {
  local host=${1:?heal needs a host}; known_host "$host"
  ip link set "esv-$host" up
  es_log "$host ($(host_address "$host")) back on the network"
}

cmd_kill() {
  local host=${1:?kill needs a host}; known_host "$host"
  ip netns pids "es-$host" | xargs -r kill -KILL
  es_log "$host ($(host_address "$host")): every process killed"
}

cmd_restart() {
  local host=${1:?restart needs a host}; known_host "$host"
  case "$host" in pg1|pg2) standby && start_patroni_node "$host" ;; *) es_die "restart takes pg1 or pg2 (silos are restarted by the supervisor)" ;; esac
}

cmd_status() {
  local ns host link procs
  printf '%-6s %-12s %-5s %s\n' host address link processes
  printf '%-6s %-12s %-5s %s\n' machine "$MACHINE" "$(ip link show "$BRIDGE" >/dev/null 2>&1 && echo up || echo none)" \
    "$(es_process_alive gateway && echo "gateway $ES_GATEWAY_URL" || echo -)"
  for ns in /run/netns/es-*; do
    [ -e "$ns" ] || continue
    host=${ns#/run/netns/es-}
    link=$(ip -o link show "esv-$host" 2>/dev/null | grep -q ',UP' && echo up || echo cut)
    procs=$(ip netns pids "es-$host" 2>/dev/null | xargs -r ps -o comm= -p 2>/dev/null | sort | uniq -c | awk '{printf "%s%s", sep, $2 ($1 > 1 ? " x" $1 : ""); sep=", "}' || true)
    printf '%-6s %-12s %-5s %s\n' "$host" "$(host_address "$host")" "$link" "${procs:--}"
  done
}

cmd_down() {
  rm -f "$STATE/up" "$STATE/ready"
  [ -s "$ES_DATA/run/supervisor.pid" ] && kill "$(cat "$ES_DATA/run/supervisor.pid")" 2>/dev/null || true
  rm -f "$ES_DATA/run/supervisor.pid"
  # Links up again first: a silo stopping gracefully hands its work over to the others.
  for ns in /run/netns/es-*; do
    [ -e "$ns" ] && ip link set "esv-${ns#/run/netns/es-}" up 2>/dev/null || true
  done
  es_stop_process gateway
  local stopping=()
  for pidfile in "$ES_DATA"/run/silo*.pid; do
    [ -e "$pidfile" ] || continue
    touch "$STATE/$(basename "$pidfile" .pid).stopped" 2>/dev/null || true
    es_stop_process "$(basename "$pidfile" .pid)" &
    stopping+=($!)
  done
  # Only these: a failed up's own background processes (Patroni, etcd) are stopped below.
  [ ${#stopping[@]} -eq 0 ] || wait "${stopping[@]}"
  for node in pg1 pg2; do
    # Patroni stops its PostgreSQL when it stops.
    [ -s "$ES_DATA/run/patroni-$node.pid" ] && es_stop_process "patroni-$node"
  done
  [ -s "$ES_DATA/run/etcd.pid" ] && es_stop_process etcd
  if [ -e /run/netns/es-pg ] && [ -f "$STATE/postgres/PG_VERSION" ]; then
    es_ensure_postgres
    in_host pg runuser -u "$(es_pg_user)" -- "$ES_PG_BIN/pg_ctl" -D "$STATE/postgres" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  [ -e /run/netns/es-redis ] && in_host redis redis-cli -h "$REDIS_ADDRESS" -p 6379 shutdown >/dev/null 2>&1 || true
  # Whatever is left in a namespace is killed; then the namespaces, their links and the bridge go.
  for ns in /run/netns/es-*; do
    [ -e "$ns" ] || continue
    ns=${ns#/run/netns/}
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip link del "esv-${ns#es-}" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -f "$STATE"/silo*.stopped
  es_log "hosts down (data kept in $STATE; remove it for a fresh start)"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  cut) cmd_cut "${2:-}" ;;
  heal) cmd_heal "${2:-}" ;;
  address) echo "$MACHINE" ;;
  primary) cmd_primary ;;
  kill) cmd_kill "${2:-}" ;;
  restart) cmd_restart "${2:-}" ;;
  status) cmd_status ;;
  down) cmd_down ;;
  supervise) supervise ;;
  -h|--help|"") usage ;;
  *) es_die "unknown command: $1 (see --help)" ;;
esac
