# shellcheck shell=bash
# Shared by scripts/up.sh, down.sh and status.sh (sourced, not run): where the local stack
# keeps its pid files and logs, and how to tell whether a pid file's process is still ours.
#
# Each service NAME (redis, api, worker) has, under RUN_DIR (GRADER_RUN_DIR, default .run):
#   NAME.pid    the pid of the process up.sh started; it leads its own session and process
#               group (setsid), so the group id is the same number
#   NAME.start  that process's start time (field 22 of /proc/PID/stat), so that a pid the
#               kernel has since given to another process is not taken for ours
#   NAME.log    its standard output and error, appended across restarts

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Relative to the caller's directory (make runs in the repo root), then absolute: the
# marker below and the pid files must not depend on where a later command runs from.
RUN_DIR="$(realpath -m -- "${GRADER_RUN_DIR:-$REPO/.run}")"
# shellcheck disable=SC2034  # used by the scripts that source this file
SERVICES=(redis api worker)

pid_file() { echo "$RUN_DIR/$1.pid"; }
start_file() { echo "$RUN_DIR/$1.start"; }
log_file() { echo "$RUN_DIR/$1.log"; }

# Read /proc/PID/stat into the array STAT: the fields after the command name (which may
# hold spaces and parens), so STAT[0] is the state, STAT[2] the process group and STAT[19]
# the start time (fields 3, 5 and 22 of the whole line). Fails when the process is gone or
# is a zombie. No subshell: group_members calls it for every process on the machine.
STAT=()
read_stat() {
    local line
    STAT=()
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    read -r -a STAT <<<"${line##*) }"
    [[ ${STAT[0]:-Z} != [ZX] ]]
}

proc_starttime() { read_stat "$1" && echo "${STAT[19]}"; }

proc_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; }

# Does PID run the program service NAME runs? (Its command line, loosely.)
is_program() {
    local cmd
    cmd=" $(proc_cmdline "$2") "
    case "$1" in
        redis) [[ $cmd == *redis-server* ]] ;;
        api) [[ $cmd == *" -m api "* ]] ;;
        worker) [[ $cmd == *celery* && $cmd == *worker.app* ]] ;;
        *) return 1 ;;
    esac
}

# Print the pid of service NAME if its pid file names a live process that is ours: the
# expected program, started when the .start file says. Fails otherwise (no pid file, a
# garbled one, a process that is gone, or a pid the kernel has reused since).
running_pid() {
    local name=$1 pid start
    pid=$(head -n 1 "$(pid_file "$name")" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    read_stat "$pid" || return 1
    is_program "$name" "$pid" || return 1
    if [[ -f $(start_file "$name") ]]; then
        start=$(head -n 1 "$(start_file "$name")")
        [[ "$(proc_starttime "$pid")" == "$start" ]] || return 1
    fi
    echo "$pid"
}

# Live (non-zombie) members of process group PGID, one pid per line.
group_members() {
    local dir
    for dir in /proc/[0-9]*; do
        read_stat "${dir#/proc/}" && [[ ${STAT[2]} == "$1" ]] && echo "${dir#/proc/}"
    done
    return 0
}

# Is a TCP port on 127.0.0.1 accepting connections?
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
