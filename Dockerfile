# The production image: web (gunicorn), Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    poppler-utils \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 hankinta
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only DJANGO_SETTINGS_MODULE=config.settings.production python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media /anchors && chown -R hankinta /app/var /anchors
USER hankinta
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
