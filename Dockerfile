# syntax=docker/dockerfile:1.7
# One image per eventtide component, all from this file: the build argument PACKAGE names
# the component (producer, consumer, operator, ...), which is also its folder, image and
# chart key. Built from the repository root, which is the build context:
#   docker build --build-arg PACKAGE=consumer -t ghcr.io/eventtide/consumer:dev .
#   docker build --build-arg PACKAGE=operator --build-arg PACKAGE_DIR=operator \
#     -t ghcr.io/eventtide/operator:dev .
# PACKAGE_DIR is the package's folder, services/<PACKAGE> unless given (the operator's is
# operator/). Only the lockfile, the workspace's pyproject files and the sources of the
# package and of eventtide-core are copied in (and the dashboard's npm lockfile, into a
# stage of its own); the runtime stage gets the virtualenv alone.
# The subcommand comes from whoever runs the image (the chart's `args`, the operator's
# Deployments); with none, `eventtide --help` lists them.

FROM ghcr.io/astral-sh/uv:0.9.30 AS uv

# The dashboard's chart library (uPlot) from the npm registry through the checked-in
# lockfile, so an image never depends on a local `make dashboard-vendor` (.dockerignore
# keeps a local copy out of the context) and nothing is fetched from a CDN at run time.
# The build stage copies it into the API package, whose wheel carries it; the other
# components' builds copy it too (a COPY cannot depend on PACKAGE) but never install it.
FROM node:24.20.0-trixie-slim AS dashboard
WORKDIR /dashboard
COPY services/api/dashboard/package.json services/api/dashboard/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund --loglevel=error \
 && mkdir /vendor \
 && cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css /vendor/

FROM python:3.11.14-slim-bookworm AS build
ARG PACKAGE
ARG PACKAGE_DIR=services/${PACKAGE}
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# uv reads every workspace member's pyproject.toml to check the lockfile, so all of them
# come first; that layer and the dependency install below change only with the lockfile.
COPY pyproject.toml uv.lock ./
COPY services/core/pyproject.toml services/core/
COPY services/producer/pyproject.toml services/producer/
COPY services/consumer/pyproject.toml services/consumer/
COPY services/api/pyproject.toml services/api/
COPY services/processor/pyproject.toml services/processor/
COPY services/ml/pyproject.toml services/ml/
COPY operator/pyproject.toml operator/
COPY tools/devstack/pyproject.toml tools/devstack/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package eventtide-${PACKAGE}
COPY services/core services/core
COPY ${PACKAGE_DIR} ${PACKAGE_DIR}
COPY --from=dashboard /vendor/ services/api/src/eventtide/api/dashboard/static/vendor/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package eventtide-${PACKAGE}

FROM python:3.11.14-slim-bookworm AS runtime
ARG PACKAGE
LABEL org.opencontainers.image.source="https://github.com/eventtide/eventtide" \
      org.opencontainers.image.title="eventtide ${PACKAGE}" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 eventtide \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin eventtide
COPY --from=build --chown=0:0 /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OTEL_SERVICE_NAME=${PACKAGE}
WORKDIR /tmp
USER 10001:10001
ENTRYPOINT ["eventtide"]
CMD ["--help"]
