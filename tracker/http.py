"""The request type of views that only signed-in users reach."""

from __future__ import annotations

from django.http import HttpRequest

from tracker.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """An ``HttpRequest`` whose user is signed in, for annotating views behind
    ``@login_required`` (django-stubs' recipe). Only for type checking: Django passes a
    plain ``HttpRequest``."""

    user: User
