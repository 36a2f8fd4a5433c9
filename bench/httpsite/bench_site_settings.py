"""Settings for bench/bench_list_http.py's gunicorn: the project's settings (of whichever
checkout gunicorn runs in) plus a Django admin changelist of suggestions to compare with."""

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench_site_urls"
