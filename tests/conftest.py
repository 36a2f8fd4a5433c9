from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english_interface(settings: pytest.FixtureRequest) -> None:
    """Assert on the English source strings; tests/tracker/test_i18n.py covers Chinese."""
    settings.LANGUAGE_CODE = "en"
