#!/usr/bin/env bash
# Build the sandbox image that runs student submissions. Idempotent: does nothing when
# the image exists and was built from the current requirements.txt and Dockerfile.
#
#   sandbox/image/build.sh            # Dockerfile: debootstrap base, no registry needed
#   sandbox/image/build.sh --slim     # Dockerfile.slim: FROM python:3.11-slim (needs a pull)
#   sandbox/image/build.sh --quiet    # print nothing if the image is already up to date
#
# Environment: GRADER_SANDBOX_IMAGE (default mlgrader-sandbox:1),
#              DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
cd "$(dirname "$0")"

IMAGE="${GRADER_SANDBOX_IMAGE:-mlgrader-sandbox:1}"
BASE_IMAGE="mlgrader-base:bookworm"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DOCKERFILE=Dockerfile
QUIET=0
for arg in "$@"; do
    case "$arg" in
        --slim) DOCKERFILE=Dockerfile.slim ;;
        --quiet) QUIET=1 ;;
        *) echo "usage: $0 [--slim] [--quiet]" >&2; exit 2 ;;
    esac
done

log() { echo "[build.sh] $*"; }
took() { log "$1 took $(( SECONDS - $2 )) s"; }

# The wheels must fit the image's Python (3.11, glibc >= 2.28), whatever python3 runs pip.
PIP_TARGET=(--only-binary=:all: --python-version 3.11 --platform manylinux_2_28_x86_64)

# --- 0. Up to date? -------------------------------------------------------------------
want_sha=$(cat requirements.txt "$DOCKERFILE" | sha256sum | cut -d' ' -f1)
have_sha=$(docker image inspect "$IMAGE" \
    --format '{{ index .Config.Labels "mlgrader.requirements-sha256" }}' 2>/dev/null || true)
if [[ "$have_sha" == "$want_sha" ]]; then
    [[ $QUIET == 1 ]] || log "$IMAGE is up to date ($DOCKERFILE, requirements sha256 ${want_sha:0:12})"
    exit 0
fi
log "building $IMAGE from $DOCKERFILE (requirements sha256 ${want_sha:0:12})"

# --- 1. Base image (Dockerfile only): debootstrap + docker import ------------------------
if [[ $DOCKERFILE == Dockerfile ]]; then
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        log "base image $BASE_IMAGE exists, skipping debootstrap"
    else
        start=$SECONDS
        rootfs=$(mktemp -d /var/tmp/mlgrader-rootfs.XXXXXX)
        trap 'rm -rf "$rootfs" "$rootfs.log"' EXIT
        log "debootstrap bookworm (minbase + python3, python3-pip) into $rootfs from $DEBIAN_MIRROR"
        if ! debootstrap --variant=minbase --include=python3,python3-pip \
                bookworm "$rootfs" "$DEBIAN_MIRROR" >"$rootfs.log" 2>&1; then
            tail -n 20 "$rootfs.log" >&2
            log "debootstrap failed" >&2
            exit 1
        fi
        log "stripping apt lists and caches, docs, man pages, locales from the rootfs"
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
               "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/man/* \
               "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
        find "$rootfs"/usr/share/doc -type f ! -name copyright -delete
        log "importing the rootfs as $BASE_IMAGE"
        tar --numeric-owner -C "$rootfs" -c . | docker import - "$BASE_IMAGE" >/dev/null
        rm -rf "$rootfs" "$rootfs.log"
        trap - EXIT
        took "base image (debootstrap + import)" "$start"
    fi
fi

# --- 2. Wheelhouse ----------------------------------------------------------------------
# Complete = every requirement (and dependency) resolves from wheels/ alone, offline.
start=$SECONDS
if python3 -m pip download -q --no-index --find-links wheels -d wheels "${PIP_TARGET[@]}" \
        -r requirements.txt >/dev/null 2>&1; then
    log "wheelhouse wheels/ is complete, skipping download"
else
    log "downloading wheels for requirements.txt into wheels/"
    python3 -m pip download -q -d wheels "${PIP_TARGET[@]}" -r requirements.txt
    took "wheel download" "$start"
fi

# --- 3. docker build --------------------------------------------------------------------
start=$SECONDS
old_id=$(docker image inspect "$IMAGE" --format '{{ .Id }}' 2>/dev/null || true)
numpy_version=$(sed -n 's/^numpy==//p' requirements.txt)
torch_version=$(sed -n 's/^torch==//p' requirements.txt)
log "docker build -f $DOCKERFILE -t $IMAGE"
# The classic builder: it can use the imported local base image and needs no buildx.
DOCKER_BUILDKIT="${DOCKER_BUILDKIT:-0}" docker build -f "$DOCKERFILE" -t "$IMAGE" \
    --build-arg NUMPY_VERSION="$numpy_version" \
    --build-arg TORCH_VERSION="$torch_version" \
    --build-arg REQUIREMENTS_SHA256="$want_sha" \
    .
took "docker build" "$start"
# Remove what this build left behind: the image it replaced and the build-stage image.
if [[ -n "$old_id" && "$old_id" != "$(docker image inspect "$IMAGE" --format '{{ .Id }}')" ]]; then
    docker rmi "$old_id" >/dev/null 2>&1 || log "could not remove the old image $old_id (still in use?)"
fi
docker image prune --force --filter label=mlgrader.stage=build >/dev/null

# --- 4. Smoke test ----------------------------------------------------------------------
got=$(docker run --rm --network none "$IMAGE" \
    python3 -c "import numpy, torch; print(numpy.__version__, torch.__version__.split('+')[0])")
if [[ "$got" != "$numpy_version $torch_version" ]]; then
    log "smoke test failed: image has numpy/torch '$got', expected '$numpy_version $torch_version'" >&2
    docker rmi "$IMAGE" >/dev/null  # so that the next run does not take it as up to date
    exit 1
fi
log "done: $IMAGE has numpy $numpy_version, torch $torch_version ($(docker image inspect "$IMAGE" \
    --format '{{ .Size }}' | numfmt --to=iec))"
