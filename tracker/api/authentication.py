"""Token authentication against ApiToken: only the key's digest is stored, a revoked or
expired key stops working at once, and guessing keys is rate-limited across processes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from tracker.models import ApiToken
from tracker.security import client_ip, is_over, too_many


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, the header of DRF's authtoken. Wrong keys are
    counted per client address in the shared cache: past API_TOKEN_FAILURE_LIMIT in
    API_TOKEN_FAILURE_WINDOW seconds every token attempt from there gets 429."""

    request: Request | None = None

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        # DRF makes one authenticator per request: keeping the request here is safe.
        self.request = request
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        failures_key = f"api-token-failures:{client_ip(self.request) if self.request else ''}"
        limit = settings.API_TOKEN_FAILURE_LIMIT
        if is_over(failures_key, limit=limit):
            raise exceptions.Throttled(
                detail=_("Too many wrong API tokens from this address; try again later.")
            )
        token = ApiToken.objects.authenticate(key)
        if token is None:
            too_many(failures_key, limit=limit, window=settings.API_TOKEN_FAILURE_WINDOW)
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.is_expired(now):
            assert token.expires_at is not None
            raise exceptions.AuthenticationFailed(
                _("This API token expired at %(time)s. Create a new one at /accounts/api-token/.")
                % {"time": timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")}
            )
        token.touch(now)
        return token.user, token
