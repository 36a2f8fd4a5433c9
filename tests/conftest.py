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
    with override_settings(LANGUAGE_CODE="en"):
        yield
