#!/usr/bin/env bash
# Stop the local stack that `make up` started (what `make down` runs): for each of api,
# worker, redis (Redis last, so the worker can still acknowledge), the process named by
# RUN_DIR/NAME.pid gets SIGTERM; after up to 20 s (GRADER_DOWN_TIMEOUT) whatever is left
# of its process group (Celery's pool children too) gets SIGKILL. Then the pid files go.
# Only processes this stack started are touched: a pid file whose pid is gone or now runs
# another program is just removed. Leaves no process of the stack behind, or fails.
set -euo pipefail
# shellcheck source=scripts/stack-common.sh
source "$(dirname "$0")/stack-common.sh"
cd "$REPO"

say() { echo "down: $*"; }
die() { echo "down: ERROR: $*" >&2; exit 1; }

timeout="${GRADER_DOWN_TIMEOUT:-20}"
[[ $timeout =~ ^[0-9]+$ ]] || die "GRADER_DOWN_TIMEOUT must be a number, not '$timeout'"
[[ -d $RUN_DIR ]] || { say "nothing to stop (no ${RUN_DIR#"$REPO"/}/)"; exit 0; }
exec 9>"$RUN_DIR/.lock"
flock 9

# Microseconds since the epoch (SECONDS counts whole seconds: a deadline could come early).
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }

# wait_group PGID SECONDS: until no live process is left in the group; fails on timeout.
wait_group() {
    local deadline=$(( $(now_us) + $2 * 1000000 ))
    while [[ -n "$(group_members "$1")" ]]; do
        (( $(now_us) < deadline )) || return 1
        sleep 0.2
    done
}

# kill_group NAME PGID: SIGKILL what is left of the group, and make sure it is gone.
kill_group() {
    local left
    left=$(group_members "$2" | tr '\n' ' ')
    say "$1: still running after ${timeout} s: SIGKILL to process group $2 (pids $left)"
    kill -KILL -- "-$2" 2>/dev/null || true
    wait_group "$2" 10 || die "$1: process group $2 survived SIGKILL: $(group_members "$2" | tr '\n' ' ')"
}

stop() {
    local name=$1 pid_path pid left
    pid_path=$(pid_file "$name")
    if [[ ! -f $pid_path ]]; then
        say "$name: not running (no pid file)"
        return 0
    fi
    pid=$(head -n 1 "$pid_path")
    if running_pid "$name" >/dev/null; then
        # SIGTERM to the leader only: Celery's main process then shuts its pool down
        # itself (a warm shutdown); signalling the children directly would cut that short.
        say "$name: SIGTERM to pid $pid"
        kill -TERM "$pid" 2>/dev/null || true
        if wait_group "$pid" "$timeout"; then
            say "$name: stopped"
        else
            kill_group "$name" "$pid"
            say "$name: killed"
        fi
    elif [[ $pid =~ ^[0-9]+$ ]] && ! read_stat "$pid"; then
        # The leader is gone. Its group may outlive it (pool children of a worker that
        # was SIGKILLed): the kernel does not hand out a pid still in use as a group id,
        # so members of group $pid are ours.
        left=$(group_members "$pid" | tr '\n' ' ')
        if [[ -n $left ]]; then
            say "$name: pid $pid is gone but its process group is not (pids $left): SIGTERM"
            kill -TERM -- "-$pid" 2>/dev/null || true
            wait_group "$pid" "$timeout" || kill_group "$name" "$pid"
        else
            say "$name: not running (stale pid file, pid $pid is gone)"
        fi
    else
        say "$name: not running (stale pid file: pid $pid now runs another program, left alone)"
    fi
    rm -f "$pid_path" "$(start_file "$name")"
}

for name in api worker redis; do
    stop "$name"
done
