# The API and the worker for docker-compose.yml: one image with the project installed,
# two targets that differ only in their command. Build through compose, or:
#   bash deploy/wheels.sh
#   DOCKER_BUILDKIT=0 docker build -f deploy/Dockerfile.app --target api -t mlgrader-api:local .
#   DOCKER_BUILDKIT=0 docker build -f deploy/Dockerfile.app --target worker -t mlgrader-worker:local .
# Base: the local debootstrap image mlgrader-base:bookworm (Debian's Python 3.11 + pip),
# made by sandbox/image/build.sh (`make setup`): no registry needed. The Python packages
# come from the wheelhouse deploy/wheels/ that deploy/wheels.sh makes on the host, offline
# (no package index is reached during the build). PyTorch is not installed: only the tests
# and the sandbox image need it.

# Stage 1: the dependencies (pyproject.toml's list, plus deploy/image-requirements.txt)
# from the wheelhouse into /usr/local; the wheels stay in this stage.
FROM mlgrader-base:bookworm AS deps
LABEL mlgrader.stage=build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1
COPY pyproject.toml deploy/image-requirements.txt /tmp/
COPY deploy/wheels /wheels
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && grep -v '^#' /tmp/image-requirements.txt >> /tmp/requirements.txt \
 && pip install --no-index --find-links /wheels -r /tmp/requirements.txt

# Stage 2: the base, the installed packages, and the project at /app (editable, so the
# repository layout that config/settings.py's defaults expect, testcases/ and reference/,
# is /app).
FROM mlgrader-base:bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_BREAK_SYSTEM_PACKAGES=1
COPY --from=deps /usr/local /usr/local
WORKDIR /app
COPY . /app
RUN pip install --no-index --no-build-isolation --no-deps -e /app \
 && mkdir -p /var/lib/mlgrader/data /var/lib/mlgrader/cache
# PYTHONPATH: `python3 -m api` and `celery -A worker.app` import from the source tree.
ENV PYTHONPATH=/app \
    GRADER_DATA_DIR=/var/lib/mlgrader/data \
    GRADER_CACHE_DIR=/var/lib/mlgrader/cache \
    GRADER_ASSIGNMENTS_DIR=/app/testcases

FROM app AS api
ENV GRADER_API_HOST=0.0.0.0 \
    GRADER_API_PORT=8000
EXPOSE 8000
CMD ["python3", "-m", "api"]

# The worker starts sandbox containers through the host's Docker engine: run it with
# /var/run/docker.sock mounted, and GRADER_WORK_DIR mounted at the same path as on the
# host (the engine resolves the sandboxes' bind mounts on the host). It runs as root to
# use the socket (Celery warns about that).
FROM app AS worker
CMD ["celery", "-A", "worker.app", "worker", "--loglevel=INFO", "--concurrency=2"]
