# One image for the three services (intake, routing, notification) and the
# one-shot jobs (keys, create-topics, migrate): the command picks the role,
# e.g. `docker run tiepdan serve intake --host 0.0.0.0 --port 8001`.
#
# Build:  docker build -t tiepdan:dev .
# Needs BuildKit (the default builder since Docker 23) for the cache mounts; no
# `# syntax=` line, so the builder's own Dockerfile frontend is used and nothing
# unpinned is pulled. The base image is pinned by tag; pin it by digest too
# (python:...@sha256:...) once a registry is reachable from CI, and let a bot
# bump both.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---------------------------------------------------------------- builder ---
FROM ${PYTHON_IMAGE} AS builder

ARG UV_VERSION=0.13.9

# UV_PYTHON_DOWNLOADS=never: build the venv on the base image's own
# /usr/local/bin/python3.11, which the runtime stage has at the same path.
# UV_COMPILE_BYTECODE: ship .pyc files, the runtime never writes any.
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install "uv==${UV_VERSION}"

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project --no-editable

# Then the project itself, installed as a wheel (not editable), so the
# runtime stage needs the venv only, not the source tree.
COPY services/ services/
COPY shared/ shared/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# ---------------------------------------------------------------- runtime ---
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="tiepdan" \
      org.opencontainers.image.description="Citizen feedback and complaint-handling backend: intake, routing, notification"

# A fixed, numeric, non-root uid/gid: Kubernetes' runAsNonRoot can verify it,
# and volumes can be prepared for it. /keys is created owned by it so that a
# fresh named volume mounted there (docker-compose `keys`) is writable by the
# `keys init` one-shot: Docker copies the mount point's ownership into an
# empty named volume.
RUN groupadd --system --gid 10001 tiepdan \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tiepdan \
 && mkdir -p /app /keys \
 && chown 10001:10001 /keys

# The venv stays owned by root: the service cannot modify its own code.
COPY --from=builder /app/.venv /app/.venv

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /app
USER 10001:10001

# intake, routing, notification, portal (one per container; the command picks it).
EXPOSE 8001 8002 8003 8000

# No HEALTHCHECK here: the port depends on the role, so docker-compose.yml
# (and Kubernetes probes) define it per service against /readyz.
ENTRYPOINT ["tiepdan"]
CMD ["--help"]
