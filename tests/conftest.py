from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings

# Property-based tests (tests/tracker/test_no_500_on_any_input.py): "ci" keeps the suite's
# time in check (each example makes a request per role); "thorough" for a longer hunt:
# HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest tests/tracker/test_no_500_on_any_input.py
settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True, scope="session")
def english_interface() -> Iterator[None]:
    """Assert on the English source strings; tests/tracker/test_i18n.py covers Chinese.

    Session-wide so that setUpTestData (which runs before function fixtures) creates
    rows with English defaults too.
    """
    # A fast hasher too: every test class creates several users with passwords.
    with override_settings(
        LANGUAGE_CODE="en", PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        yield


@pytest.fixture(autouse=True, scope="session")
def local_cache() -> Iterator[None]:
    """An in-process cache, emptied for each test (clean_cache): rate limits and cached
    flags from one test must not reach the next. The shared backends are chosen in
    settings (CACHE_URL) and tested in tests/tracker/test_rate_limits.py."""
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        yield


@pytest.fixture(autouse=True)
def clean_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True, scope="session")
def eager_celery() -> Iterator[None]:
    """Run queued tasks in-process: a test that enqueues a delivery sees it delivered
    (inside captureOnCommitCallbacks(execute=True)), and no broker is needed."""
    from tracker.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def sms_outbox() -> Iterator[list[dict[str, str]]]:
    """Text messages go to tracker.sms.outbox, emptied for each test."""
    from tracker import sms

    sms.outbox.clear()
    with override_settings(SMS_BACKEND="tracker.sms.LocmemSmsBackend"):
        yield sms.outbox
