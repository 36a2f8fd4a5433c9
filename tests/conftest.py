from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test.utils import override_settings


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
