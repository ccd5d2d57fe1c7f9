#!/bin/bash
# The read replica (compose.yaml): on first start, a base backup of the primary set up to stream
# from it (-R writes primary_conninfo and standby.signal); then PostgreSQL as a hot standby.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pg_basebackup --host=db --username=replicator --pgdata="$PGDATA" \
        --write-recovery-conf --wal-method=stream --checkpoint=fast
    chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
