# The image every Nara process runs from (compose.yaml): app nodes, workers, the scheduler.
FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput
# uploads: a named volume takes this directory's owner when first mounted
RUN mkdir -p /data/media && chown nobody /data/media
USER nobody
