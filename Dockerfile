# One image for web (gunicorn), worker and beat; see docker-compose.yml.
# Debian 12 (bookworm) pinned: its postgresql-client is 15, the version of the db service,
# which `manage.py backup` and `restore` run (pg_dump, pg_restore).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TRACKER_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

# Reply letters as PDF (WeasyPrint): Pango/HarfBuzz for layout, and Chinese faces from
# Debian (Noto CJK) so that letters never print as boxes; nothing is fetched at run time.
# postgresql-client: pg_dump and pg_restore for `manage.py backup` and `restore`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
         fontconfig fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
         postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.lock .
RUN pip install -r requirements.lock

COPY . .

# Static files are collected into the image and served by WhiteNoise; translations are
# compiled when there are any (gettext is needed only for that, so it is removed again).
# The settings refuse to start without SECRET_KEY when DEBUG is off, hence the
# throwaway key for these build steps only.
RUN SECRET_KEY=build-only DEBUG=false python manage.py collectstatic --noinput -v0 \
    && if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
         apt-get update \
         && apt-get install -y --no-install-recommends gettext \
         && SECRET_KEY=build-only DEBUG=false python manage.py compilemessages --ignore=staticfiles -v0 \
         && apt-get purge -y gettext && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*; \
       fi \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tracker \
    && mkdir -p /app/var/media \
    && chown tracker /app/var /app/var/media

USER tracker
EXPOSE 8000
CMD ["gunicorn", "tracker.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
