# The crm-graphql server: installs the package, applies migrations, serves.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CRM_HOST=0.0.0.0 \
    CRM_PORT=8000

WORKDIR /app
COPY pyproject.toml README.md schema.graphql ./
COPY crm_graphql ./crm_graphql
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 crm
USER crm

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"

# Migrations first (idempotent), then the server.
CMD ["sh", "-c", "crm-graphql migrate && crm-graphql serve"]
