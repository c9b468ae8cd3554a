#!/usr/bin/env bash
# Which services of the local stack run (what `make status` runs): one line each for
# redis, api and worker. Exit status 0 when all three run, 3 otherwise.
set -euo pipefail
# shellcheck source=scripts/stack-common.sh
source "$(dirname "$0")/stack-common.sh"

all=0
for name in "${SERVICES[@]}"; do
    log=$(log_file "$name")
    if pid=$(running_pid "$name"); then
        printf '%-7s running      pid %-8s log %s\n' "$name" "$pid" "$log"
    elif [[ -f $(pid_file "$name") ]]; then
        printf '%-7s not running  (stale pid file %s)\n' "$name" "$(pid_file "$name")"
        all=3
    else
        printf '%-7s not running\n' "$name"
        all=3
    fi
done
exit "$all"
