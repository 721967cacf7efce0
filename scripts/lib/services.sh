# Shared by up.sh, down.sh and test.sh: installs, starts and stops the local Redis and
# PostgreSQL that the service runs on. Sourced, not run. Each instance lives in a data folder
# of its own, on its own port, so it never touches a system cluster.

es_log() { printf '\033[1;34m[es]\033[0m %s\n' "$*" >&2; }
es_die() { printf '\033[1;31m[es] %s\033[0m\n' "$*" >&2; exit 1; }

es_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    es_die "need root (or sudo) to run: $*"; fi
}

es_apt_install() {
  command -v apt-get >/dev/null || es_die "apt-get not found: install $* by hand"
  es_log "installing $* with apt-get"
  if [ -z "${ES_APT_UPDATED:-}" ]; then
    es_as_root apt-get update -qq >/dev/null || es_die "apt-get update failed"
    ES_APT_UPDATED=1
  fi
  es_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || es_die "apt-get install $* failed"
}

es_ensure_redis() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  es_apt_install redis-server
}

# Sets ES_PG_BIN to the folder holding pg_ctl and initdb, installing PostgreSQL if needed.
es_ensure_postgres() {
  local candidate
  for candidate in "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")" \
                   $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/postgres" ]; then
      ES_PG_BIN=$(readlink -f "$candidate/pg_ctl" | xargs dirname); return 0
    fi
  done
  es_apt_install postgresql
  ES_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -rV | head -n 1)
  [ -x "$ES_PG_BIN/pg_ctl" ] || es_die "PostgreSQL installed but pg_ctl not found"
}

# PostgreSQL refuses to run as root: when we are root, its processes run as 'postgres'.
es_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    echo postgres
  else
    id -un
  fi
}

es_pg_run() {
  local user; user=$(es_pg_user)
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# es_pg_start DATA_DIR PORT DATABASE
es_pg_start() {
  local dir=$1 port=$2 db=$3 user
  es_ensure_postgres
  user=$(es_pg_user)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$user" "$dir"; chmod 700 "$dir"
    runuser -u "$user" -- test -w "$dir" || es_die "user '$user' cannot write $dir: every folder above it must be searchable (chmod o+x) for PostgreSQL to run there"
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    es_log "initdb in $dir"
    es_pg_run "$ES_PG_BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
      || es_pg_run "$ES_PG_BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; es_die "initdb failed"; }
    rm -f "$dir.initdb.log"
  fi
  if es_pg_run "$ES_PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    es_log "PostgreSQL already running in $dir"
  else
    es_log "starting PostgreSQL on 127.0.0.1:$port"
    es_pg_run "$ES_PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_preload_libraries=pg_stat_statements -c autovacuum_naptime=10s" start >/dev/null \
      || { tail -n 30 "$dir/server.log" >&2; es_die "PostgreSQL did not start"; }
  fi
  if ! es_pg_run "$ES_PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres | grep -q 1; then
    es_pg_run "$ES_PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE \"$db\"" postgres >/dev/null \
      || es_die "could not create database $db"
  fi
}

es_pg_stop() {
  local dir=$1
  [ -f "$dir/PG_VERSION" ] || return 0
  es_ensure_postgres
  if es_pg_run "$ES_PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    es_log "stopping PostgreSQL in $dir"
    es_pg_run "$ES_PG_BIN/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null || true
  fi
}

# es_pg_crash DATA_DIR: stops PostgreSQL as a crash would (immediate: no shutdown checkpoint, and
# any commit that did not wait for its WAL flush may be gone); the next start recovers from the WAL.
es_pg_crash() {
  local dir=$1
  es_ensure_postgres
  es_log "crashing PostgreSQL in $dir (immediate stop)"
  es_pg_run "$ES_PG_BIN/pg_ctl" -D "$dir" -m immediate -w -t 60 stop >/dev/null || true
}

# es_redis_start DATA_DIR PORT  (append-only file on: membership must survive a restart)
es_redis_start() {
  local dir=$1 port=$2
  es_ensure_redis
  mkdir -p "$dir"
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    es_log "Redis already answering on 127.0.0.1:$port"; return 0
  fi
  es_log "starting Redis on 127.0.0.1:$port"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --appendonly yes --appendfsync everysec \
    --save "" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null \
    || es_die "Redis did not start"
  local i
  for i in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  tail -n 20 "$dir/redis.log" >&2; es_die "Redis did not answer on port $port"
}

es_redis_stop() {
  local dir=$1 port=$2
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    es_log "stopping Redis on port $port"
    redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis.pid" ]; then
    local pid; pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -f "$dir/redis.pid"
  fi
}
