#!/usr/bin/env bash
# pg-control.sh start|stop DATA_DIR PORT: used by the tests to take PostgreSQL away and back.
set -euo pipefail
source "$(dirname "$0")/services.sh"
case "${1:-}" in
  start) es_pg_start "$2" "$3" postgres ;;
  stop) es_pg_stop "$2" ;;
  *) es_die "usage: pg-control.sh start|stop DATA_DIR PORT" ;;
esac
