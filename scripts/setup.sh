#!/usr/bin/env bash
# Prepare this machine for mlgrader (what `make setup` runs): Debian packages, a running
# Docker engine, the .venv with the project installed, and the sandbox image.
# Idempotent, and silent when everything is already in place. Needs root (apt, dockerd).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*"; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

# --- 1. Debian packages: dockerd, debootstrap (sandbox base image), redis-server, and
# Chromium for the browser tests (Playwright drives Debian's build: no browser download) ---
# (redis is only installed, not started: `make up` starts it, see docs/service.md.)
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
if (( ${#missing[@]} )); then
    [[ $EUID == 0 ]] || die "not root: cannot apt-get install ${missing[*]}"
    say "installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- 2. Docker engine ---------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
    [[ $EUID == 0 ]] || die "docker does not answer and only root can start dockerd here"
    log_file=/var/log/dockerd.log
    say "docker does not answer: starting dockerd in the background (log: $log_file)"
    setsid dockerd >"$log_file" 2>&1 </dev/null &
    dockerd_pid=$!
    for _ in $(seq 60); do
        docker info >/dev/null 2>&1 && break
        kill -0 "$dockerd_pid" 2>/dev/null || break  # dockerd exited: no point waiting
        sleep 1
    done
    if ! docker info >/dev/null 2>&1; then
        tail -n 15 "$log_file" >&2
        # dockerd needs CAP_SYS_ADMIN (bit 21 of CapEff): an unprivileged container lacks it.
        cap_eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
        if (( ((0x$cap_eff >> 21) & 1) == 0 )); then
            die "dockerd did not start: no CAP_SYS_ADMIN, so this is probably a container
       without privileges. Run it with --privileged, or mount the host's
       /var/run/docker.sock into it instead of running dockerd here."
        fi
        die "dockerd exited or did not answer within 60 s (see $log_file)"
    fi
    say "dockerd is running (pid $dockerd_pid)"
fi

# --- 3. .venv with the project and its dev extras ----------------------------------------
PYTHON="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
        || die "$PYTHON is $("$PYTHON" --version 2>&1), need Python 3.11 (set PYTHON=...)"
    say "creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi
# Reinstall when pyproject.toml changes, or when a top-level package appears (the editable
# install only maps the packages that existed when it was made).
stamp=$( { cat pyproject.toml; ls -d -- */__init__.py 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)
if [[ "$(cat .venv/.install-stamp 2>/dev/null)" != "$stamp" ]]; then
    say "installing the project into .venv: pip install -e '.[dev]'"
    start=$SECONDS
    .venv/bin/python -m pip install -q -e '.[dev]'
    echo "$stamp" > .venv/.install-stamp
    say "venv install took $(( SECONDS - start )) s"
fi

# --- 4. Sandbox image ----------------------------------------------------------------------
bash sandbox/image/build.sh --quiet
