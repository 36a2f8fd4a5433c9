"""Rate limits read from the settings on each request.

DRF's own classes copy DEFAULT_THROTTLE_RATES once, at import, so an override in the
environment of a test (override_settings) would not reach them.
"""

from __future__ import annotations

from typing import cast

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


def _rate(scope: str | None) -> str | None:
    # djangorestframework-stubs types the rates as numbers: they are strings ("60/minute").
    rates = cast("dict[str | None, str | None]", api_settings.DEFAULT_THROTTLE_RATES)
    return rates[scope]


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)
