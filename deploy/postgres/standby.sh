#!/bin/sh
# The entrypoint of a streaming hot standby of `db` (compose.yaml, profile `standby`): on the
# first start (an empty data volume) it copies the primary with pg_basebackup -R, which also
# writes standby.signal and primary_conninfo; then it runs PostgreSQL in recovery, serving
# read-only queries while it replays the primary's WAL.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready --host "$PRIMARY_HOST" --username replicator --quiet; do
        echo "waiting for the primary at $PRIMARY_HOST"
        sleep 1
    done
    PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD" pg_basebackup --host "$PRIMARY_HOST" \
        --username replicator --pgdata "$PGDATA" --write-recovery-conf \
        --wal-method stream --checkpoint fast --progress
    chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on
