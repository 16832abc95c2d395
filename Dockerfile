# Safeguard Panel: one image for web (gunicorn), worker and beat; see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PANEL_VAR_DIR=/app/var

WORKDIR /app

# WeasyPrint (meeting packs) lays text out with Pango, in the image's own fonts: nothing is
# fetched when a pack is rendered. Graphviz's dot draws the intelligence link chart.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation graphviz \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged user; /app/var holds beat's schedule (a volume in compose).
RUN groupadd --system --gid 10001 panel \
    && useradd --system --uid 10001 --gid panel --home-dir /app --shell /usr/sbin/nologin panel \
    && mkdir -p /app/var /app/staticfiles /app/audit-anchor /app/files \
    && chown panel:panel /app /app/var /app/staticfiles /app/audit-anchor /app/files

COPY requirements.txt ./
RUN pip install --requirement requirements.txt

# The project, less what .dockerignore keeps out (a developer's .env, .venv, db.sqlite3, var/).
COPY --chown=panel:panel . ./

USER panel

# Static files are collected at build time with throwaway values that exist only for
# this one command (settings refuse to start with DEBUG off and no real key or hosts);
# the real SECRET_KEY, ALLOWED_HOSTS and AUDIT_HMAC_KEYS come from the environment at run time.
RUN DEBUG=0 \
    ALLOWED_HOSTS=build \
    SECRET_KEY=build-time-only-collectstatic-placeholder-never-used-to-sign-anything \
    AUDIT_HMAC_KEYS=build:YnVpbGQtdGltZS1vbmx5LXBsYWNlaG9sZGVyLW5ldmVyLXVzZWQ= \
    python manage.py collectstatic --noinput

EXPOSE 8000

# `python manage.py migrate` in this image runs as the database owner when
# DATABASE_OWNER_URL is set (docker-compose.yml's one-shot migrate service); the web,
# worker and beat processes connect as DATABASE_URL's application role.

CMD ["gunicorn", "panel.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
