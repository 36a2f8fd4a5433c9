"""A signed-in user's own API token: see it, create (or replace) it, revoke it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tracker.forms import ApiTokenForm
from tracker.http import AuthenticatedHttpRequest
from tracker.models import ApiToken
from tracker.workflow import InvalidTransition

# The new key waits in the session for the one page view that shows it.
NEW_KEY = "api_token_new_key"


@login_required
@require_safe
def api_token(request: AuthenticatedHttpRequest) -> HttpResponse:
    tokens = list(ApiToken.objects.filter(user=request.user).select_related("created_by", "revoked_by"))
    context = {
        "active": next((token for token in tokens if token.is_active), None),
        "revoked": [token for token in tokens if not token.is_active],
        "new_key": request.session.pop(NEW_KEY, None),
        "form": ApiTokenForm(),
        "now": timezone.now(),
    }
    response = render(request, "tracker/api_token.html", context)
    # The page may show a secret: no browser or proxy may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose when the token expires from the list."))
        return redirect("api_token")
    days = form.cleaned_data["expires_in_days"]
    expires_at = timezone.now() + timedelta(days=days) if days else None
    _token, key = ApiToken.issue(request.user, by=request.user, expires_at=expires_at)
    request.session[NEW_KEY] = key
    messages.success(
        request, _("Your new API token is shown below, this once. Any older token no longer works.")
    )
    return redirect("api_token")


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest) -> HttpResponse:
    token = ApiToken.objects.active().filter(user=request.user).first()
    if token is None:
        messages.info(request, _("You have no API token to revoke."))
        return redirect("api_token")
    try:
        token.revoke(by=request.user)
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your API token is revoked; it no longer works."))
    return redirect("api_token")
