#!/usr/bin/env bash
# Start the local stack (what `make up` runs, after `make setup`): Redis, the HTTP API and
# one Celery worker, each a background process in its own session (setsid), with its
# output in RUN_DIR/NAME.log and its pid in RUN_DIR/NAME.pid (NAME: redis, api, worker).
# Then wait until the API answers GET /api/health. Idempotent: a service whose pid file
# names a live process of the expected program is left alone; the others are started.
# `make down` (scripts/down.sh) stops them. See docs/service.md.
#
# Environment (the rest is read by the services themselves: config/settings.py):
#   GRADER_RUN_DIR             (.run)   pid files, logs, Redis's data
#   GRADER_REDIS_PORT          (6379)   Redis listens on 127.0.0.1:PORT; GRADER_REDIS_URL
#                                       is set to redis://127.0.0.1:PORT/0 to match
#   GRADER_API_HOST/PORT       (127.0.0.1, 8000)
#   GRADER_TOKENS_FILE         (deploy/tokens.example.yaml: example tokens, local use only)
#   GRADER_DATA_DIR            (RUN_DIR/data)
#   GRADER_WORKER_CONCURRENCY  (2)      Celery pool processes
#   GRADER_UP_TIMEOUT          (60)     seconds to wait for the API's health check
set -euo pipefail
# shellcheck source=scripts/stack-common.sh
source "$(dirname "$0")/stack-common.sh"

say() { echo "up: $*"; }
die() { echo "up: ERROR: $*" >&2; exit 1; }

# Paths relative to the caller's directory, made absolute before the cd below.
tokens_file="$(realpath -m -- "${GRADER_TOKENS_FILE:-$REPO/deploy/tokens.example.yaml}")"
data_dir="$(realpath -m -- "${GRADER_DATA_DIR:-$RUN_DIR/data}")"
cd "$REPO"

redis_port="${GRADER_REDIS_PORT:-6379}"
api_host="${GRADER_API_HOST:-127.0.0.1}"
api_port="${GRADER_API_PORT:-8000}"
concurrency="${GRADER_WORKER_CONCURRENCY:-2}"
timeout="${GRADER_UP_TIMEOUT:-60}"
for var in redis_port api_port concurrency timeout; do
    [[ ${!var} =~ ^[0-9]+$ ]] || die "$var must be a number, not '${!var}'"
done
[[ -f $tokens_file ]] || die "GRADER_TOKENS_FILE: no such file: $tokens_file"
[[ -x .venv/bin/python && -x .venv/bin/celery ]] \
    || die "no .venv with celery: run make setup (make up does)"
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    die "redis-server/redis-cli not installed: run make setup (make up does)"
fi

redis_url="redis://127.0.0.1:$redis_port/0"
if [[ -n ${GRADER_REDIS_URL:-} && $GRADER_REDIS_URL != "$redis_url" ]]; then
    say "note: GRADER_REDIS_URL=$GRADER_REDIS_URL replaced by $redis_url (GRADER_REDIS_PORT)"
fi
# What the API and the worker see. GRADER_RUN_DIR also marks their processes as this
# stack's (it is in /proc/PID/environ of them and of the worker's pool children).
# PYTHONPATH: `python -m api` and `celery -A worker.app` import from this source tree.
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
export GRADER_RUN_DIR="$RUN_DIR" GRADER_REDIS_URL="$redis_url" \
    GRADER_TOKENS_FILE="$tokens_file" GRADER_DATA_DIR="$data_dir" \
    GRADER_API_HOST="$api_host" GRADER_API_PORT="$api_port"

mkdir -p "$RUN_DIR/redis" "$data_dir"
# One up.sh or down.sh at a time per RUN_DIR. The started processes must not inherit the
# lock's descriptor (9), or they would hold the lock for as long as they run.
exec 9>"$RUN_DIR/.lock"
flock 9

# tail_log NAME [OFFSET]: the end of NAME's log (from byte OFFSET on: this run's part).
tail_log() {
    local log
    log=$(log_file "$1")
    echo "---- last lines of $log ----" >&2
    tail -c +"$(( ${2:-0} + 1 ))" "$log" 2>/dev/null | tail -n 40 >&2 || true
    echo "----" >&2
}

# start NAME COMMAND...: run COMMAND in the background in a new session, log appended.
# A non-interactive bash does not put a background job in a process group of its own, so
# setsid(1) calls setsid(2) and execs COMMAND in place: $! is COMMAND's pid, and the
# group id of COMMAND and of all its children.
declare -A log_offset=()
start() {
    local name=$1 log pid
    shift
    log=$(log_file "$name")
    touch "$log"
    log_offset[$name]=$(stat -c %s "$log")
    printf '\n===== %s up.sh: %s\n' "$(date -Is)" "$*" >>"$log"
    setsid "$@" >>"$log" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$(pid_file "$name")"
    proc_starttime "$pid" >"$(start_file "$name")" || rm -f "$(start_file "$name")"
    say "started $name (pid $pid, log ${log#"$REPO"/})"
}

# already_running NAME: say so if it is; otherwise drop its stale pid file, if any.
already_running() {
    local pid
    if pid=$(running_pid "$1"); then
        say "$1 is already running (pid $pid)"
        return 0
    fi
    if [[ -f $(pid_file "$1") ]]; then
        say "$1: stale pid file (pid $(head -n 1 "$(pid_file "$1")") is gone or another program)"
    fi
    rm -f "$(pid_file "$1")" "$(start_file "$1")"
    return 1
}

# --- 1. Redis --------------------------------------------------------------------------
# Ours answers on the port with its own pid (not some other Redis that holds the port).
redis_pid_on_port() {
    redis-cli -h 127.0.0.1 -p "$redis_port" info server 2>/dev/null \
        | tr -d '\r' | sed -n 's/^process_id://p'
}
if ! already_running redis; then
    if port_open "$redis_port"; then
        die "port $redis_port is taken by another process: stop it or set GRADER_REDIS_PORT"
    fi
    # The run dir in the process title tells this stack's Redis apart in ps.
    start redis redis-server "$REPO/deploy/redis.conf" --port "$redis_port" \
        --dir "$RUN_DIR/redis" \
        --proc-title-template "{title} {listen-addr} {server-mode} mlgrader-run=$RUN_DIR"
fi
pid=$(head -n 1 "$(pid_file redis)")
deadline=$(( SECONDS + 20 ))
until [[ "$(redis_pid_on_port)" == "$pid" ]]; do
    if ! running_pid redis >/dev/null; then
        tail_log redis "${log_offset[redis]:-0}"
        die "redis exited (log above)"
    fi
    if (( SECONDS >= deadline )); then
        tail_log redis "${log_offset[redis]:-0}"
        die "this stack's redis (pid $pid) does not answer on port $redis_port within 20 s" \
            "(started earlier on another port? run make down first)"
    fi
    sleep 0.2
done

# --- 2. Worker and API -------------------------------------------------------------------
if ! already_running worker; then
    start worker "$REPO/.venv/bin/celery" -A worker.app worker \
        --loglevel=INFO --concurrency="$concurrency"
fi
if ! already_running api; then
    if port_open "$api_port"; then
        die "port $api_port is taken by another process: stop it or set GRADER_API_PORT"
    fi
    start api "$REPO/.venv/bin/python" -m api
fi

# --- 3. Wait for the API's health check, and for the worker ------------------------------
case "$api_host" in
    0.0.0.0 | "") probe_host=127.0.0.1 ;;
    :: | "[::]") probe_host="[::1]" ;;
    *:*) probe_host="[$api_host]" ;;
    *) probe_host=$api_host ;;
esac
health_url="http://$probe_host:$api_port/api/health"
# Prints the body; exit status 0 on a 2xx answer.
probe() {
    .venv/bin/python - "$health_url" <<'EOF' 2>/dev/null
import sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(r.read().decode(errors="replace")[:500])
except urllib.error.HTTPError as e:
    print(f"HTTP {e.code}: {e.read().decode(errors='replace')[:500]}")
    sys.exit(1)
except OSError as e:
    print(e)
    sys.exit(1)
EOF
}
deadline=$(( SECONDS + timeout ))
until answer=$(probe); do
    if ! running_pid api >/dev/null; then
        tail_log api "${log_offset[api]:-0}"
        die "the API exited before answering $health_url (log above)"
    fi
    if (( SECONDS >= deadline )); then
        tail_log api "${log_offset[api]:-0}"
        die "the API did not answer $health_url within $timeout s (last: $answer)"
    fi
    sleep 0.5
done
say "API health: $answer"
if [[ $answer == *'"degraded"'* ]]; then
    say "warning: the API reports a degraded service (a false check above; see its log)"
fi

# A worker that was started now: wait (within the same deadline) for Celery's "ready".
# One that exits fails `make up`; one still getting ready is only reported.
if [[ -n ${log_offset[worker]:-} ]]; then
    # (No `tail | grep -q` here: with pipefail, grep quitting early fails the pipeline.)
    until [[ "$(tail -c +"$(( log_offset[worker] + 1 ))" "$(log_file worker)")" == *" ready."* ]]; do
        if ! running_pid worker >/dev/null; then
            tail_log worker "${log_offset[worker]}"
            die "the worker exited (log above)"
        fi
        if (( SECONDS >= deadline )); then
            say "warning: the worker is running but has not logged 'ready.' yet" \
                "(see ${RUN_DIR#"$REPO"/}/worker.log)"
            break
        fi
        sleep 0.5
    done
fi

for name in "${SERVICES[@]}"; do
    running_pid "$name" >/dev/null || { tail_log "$name"; die "$name is not running (log above)"; }
done
say "the stack is up: API http://$probe_host:$api_port, Redis $redis_url," \
    "logs and pid files in ${RUN_DIR#"$REPO"/}/ (make status, make down)"
