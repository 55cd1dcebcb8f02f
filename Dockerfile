# kyso application image (api, worker, beat). Debian packages: see scripts/bootstrap-system.sh.
FROM python:3.11-slim-bookworm
WORKDIR /opt/kyso
COPY scripts/bootstrap-system.sh scripts/
RUN sh scripts/bootstrap-system.sh --runtime && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml requirements.lock README.md ./
COPY common common
COPY certs certs
COPY signing signing
COPY verify verify
COPY ocr ocr
COPY archive archive
COPY onestop onestop
COPY api api
RUN pip install --no-cache-dir -c requirements.lock .
RUN useradd --system --home /var/lib/kyso kyso && mkdir -p /var/lib/kyso && chown kyso /var/lib/kyso
USER kyso
EXPOSE 8000
CMD ["kyso", "serve", "--host", "0.0.0.0", "--port", "8000"]
