"""Token authentication against ApiToken: only the key's digest is stored, and a
revoked key stops working at once."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from tracker.models import ApiToken


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, the header of DRF's authtoken."""

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = ApiToken.objects.authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
