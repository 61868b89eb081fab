# The portal's production image: web (gunicorn), worker and beat (Celery) all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# WeasyPrint (council reports, loan agreements) loads Pango and HarfBuzz at run time; DejaVu fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them; exact versions from the runtime
# lock only (requirements-dev.lock, with pytest, linters and Playwright, stays out of the image).
COPY requirements.lock ./
RUN python -m pip install --no-compile -r requirements.lock

COPY . .

# Run as an unprivileged user that may write only instance/ (mail files, cache).
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home portal \
    && mkdir -p /app/instance \
    && chown portal:portal /app/instance
USER portal

ENV PORTAL_ENV=production
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "docker/healthcheck.py", "web"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "portal:create_app()"]
