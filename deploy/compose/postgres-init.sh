#!/bin/sh
# PostgreSQL first-start initialisation for docker-compose.yml.
#
# The postgres image runs the scripts in /docker-entrypoint-initdb.d once, when
# it initialises an empty data volume; later starts skip them. Changing a
# password afterwards therefore needs `ALTER ROLE ... PASSWORD ...` (or a fresh
# volume: `docker compose down -v`).
#
# One database per service, each owned by its own login role (architecture:
# "each service has its own database and role; no service reads another's
# tables"): the owner runs its service's migrations and owns its tables, and
# CONNECT is revoked from PUBLIC so one service's role cannot open another's
# database.
#
# Passwords come from the environment (docker-compose passes them with dev
# defaults) and reach SQL as psql variables (:'name' quotes them as literals),
# never spliced into the SQL text by the shell.
set -e

psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    --set intake_password="${INTAKE_DB_PASSWORD:?INTAKE_DB_PASSWORD is not set}" \
    --set routing_password="${ROUTING_DB_PASSWORD:?ROUTING_DB_PASSWORD is not set}" \
    --set notification_password="${NOTIFICATION_DB_PASSWORD:?NOTIFICATION_DB_PASSWORD is not set}" \
    <<'EOSQL'
CREATE ROLE intake LOGIN PASSWORD :'intake_password';
CREATE DATABASE tiepdan_intake OWNER intake;
REVOKE ALL ON DATABASE tiepdan_intake FROM PUBLIC;

CREATE ROLE routing LOGIN PASSWORD :'routing_password';
CREATE DATABASE tiepdan_routing OWNER routing;
REVOKE ALL ON DATABASE tiepdan_routing FROM PUBLIC;

CREATE ROLE notification LOGIN PASSWORD :'notification_password';
CREATE DATABASE tiepdan_notification OWNER notification;
REVOKE ALL ON DATABASE tiepdan_notification FROM PUBLIC;
EOSQL
