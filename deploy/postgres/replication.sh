#!/bin/sh
# Run by the official postgres image on the primary's first start (/docker-entrypoint-initdb.d):
# with POSTGRES_REPLICATION_PASSWORD set, a `replicator` role that standbys stream from, and a
# pg_hba.conf line that lets it connect for replication from the Compose network.
set -eu
if [ -z "${POSTGRES_REPLICATION_PASSWORD:-}" ]; then
    echo "POSTGRES_REPLICATION_PASSWORD is unset: no replication role (no standby can stream)"
    exit 0
fi
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="$POSTGRES_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
