#!/usr/bin/env bash
# First start of the postgres container: the owner role (owns the database and runs the
# migrations) and the runtime role the app connects as (owns nothing, bound by row-level
# security). Passwords come from the container's environment, never from this file.
set -euo pipefail

: "${PORTAL_OWNER_DB_PASSWORD:?set PORTAL_OWNER_DB_PASSWORD}"
: "${PORTAL_APP_DB_PASSWORD:?set PORTAL_APP_DB_PASSWORD}"
DATABASE="${PORTAL_DB_NAME:-portal}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$PORTAL_OWNER_DB_PASSWORD" \
  -v app_password="$PORTAL_APP_DB_PASSWORD" \
  -v database="$DATABASE" <<'SQL'
-- Neither role may bypass row-level security; FORCE ROW LEVEL SECURITY binds the owner too.
CREATE ROLE portal_owner LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE portal_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
CREATE DATABASE :"database" OWNER portal_owner;
\connect :"database"
-- Only the owner creates objects; the runtime role gets DML grants from the migrations.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO portal_app;
ALTER SCHEMA public OWNER TO portal_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO portal_app;
SQL
