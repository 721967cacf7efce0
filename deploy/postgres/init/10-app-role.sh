#!/bin/sh
# Run once by the postgres image on an empty data folder: the service connects as events_app, a
# role that owns the service's database (so the migrations can make its tables) and is not a
# superuser (it cannot read other databases, change server settings or run programs on the host).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE events_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${APP_DB_PASSWORD}';
ALTER DATABASE "$POSTGRES_DB" OWNER TO events_app;
ALTER SCHEMA public OWNER TO events_app;
SQL
