#!/usr/bin/env bash
# Make the wheelhouse deploy/wheels/ that deploy/Dockerfile.app installs from, offline:
# the project's dependencies (pyproject.toml) and deploy/image-requirements.txt, as cp311
# manylinux wheels.
# The image build itself then needs no package index (like sandbox/image/build.sh; this
# also sidesteps registries a container cannot reach or whose TLS it does not trust).
# Idempotent: does nothing when the base image's pip resolves everything from the folder.
#
#   bash deploy/wheels.sh [--quiet]       # then: docker-compose build (see docker-compose.yml)
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE="mlgrader-base:bookworm"
quiet=0
[[ ${1:-} == --quiet ]] && quiet=1
log() { [[ $quiet == 1 ]] || echo "[wheels.sh] $*"; }
die() { echo "[wheels.sh] ERROR: $*" >&2; exit 1; }

docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 \
    || die "no $BASE_IMAGE image: run make setup (or sandbox/image/build.sh) first"

# The same list deploy/Dockerfile.app installs.
requirements=$(mktemp)
trap 'rm -f "$requirements"' EXIT
python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
    >"$requirements"
grep -v '^#' deploy/image-requirements.txt >>"$requirements"
mkdir -p deploy/wheels

# The test that counts: the base image's own pip (Debian's Python 3.11.2) resolves every
# requirement from the folder, offline. Prints pip's complaint when it does not.
resolves_in_image() {
    docker run --rm --network none \
        -v "$PWD/deploy/wheels:/wheels:ro" -v "$requirements:/tmp/requirements.txt:ro" \
        "$BASE_IMAGE" pip install --dry-run --quiet --break-system-packages \
        --no-index --find-links /wheels -r /tmp/requirements.txt 2>&1
}

# Wheels for the image's Python (CPython 3.11, glibc 2.36), whatever python3 runs pip
# here. pip evaluates environment markers with its own interpreter, though: a dependency
# behind one like python_full_version < "3.11.3" is missed when this python3 is newer
# than the image's; the loop below fetches what the image's pip still asks for.
target=(--only-binary=:all: --python-version 3.11 --implementation cp
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64
        --platform manylinux2014_x86_64 --platform any)
download() { python3 -m pip download -q -d deploy/wheels "${target[@]}" "$@"; }

if resolves_in_image >/dev/null; then
    log "deploy/wheels/ is complete"
    exit 0
fi
echo "[wheels.sh] downloading the project's dependencies into deploy/wheels/"
download -r "$requirements"
for _ in $(seq 10); do
    out=$(resolves_in_image) && { log "deploy/wheels/ is complete"; exit 0; }
    missing=$(sed -n 's/^ERROR: No matching distribution found for \([^;]*\).*/\1/p' <<<"$out" \
        | head -n 1)
    [[ -n $missing ]] || { echo "$out" >&2; die "the image's pip cannot install the wheelhouse"; }
    echo "[wheels.sh] the image's Python also needs $missing: downloading it"
    download "$missing"
done
die "deploy/wheels/ still incomplete after 10 rounds: $out"
