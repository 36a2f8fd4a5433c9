from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tracker.mfa import needs_verification
from tracker.middleware import seconds_left
from tracker.models import Notification


def roles(request: HttpRequest) -> dict[str, object]:
    """Expose the signed-in user's roles to templates for navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_staff_user": False, "is_dept_user": False, "is_deputy_user": False, "unread_count": 0}
    # (is_verified is set by django-otp's middleware; a request built without it is shown
    # as verified: the middleware, not the page, enforces the step.)
    if hasattr(user, "is_verified") and needs_verification(request):
        # Before the second step nothing but the step, sign-out and the language switch is
        # reachable (tracker.mfa.MfaRequiredMiddleware): the page offers nothing else.
        return {
            "is_staff_user": False,
            "is_dept_user": False,
            "is_deputy_user": False,
            "unread_count": 0,
            "awaiting_second_step": True,
            "session_seconds_left": seconds_left(request),
            "session_warning_seconds": settings.SESSION_IDLE_WARNING,
        }
    return {
        # Counted only if the page shows it (one indexed query on the unread partial index).
        "unread_count": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user).unread().count()
        ),
        "is_staff_user": user.is_congress_staff,
        "is_dept_user": user.is_department_user,
        "is_deputy_user": user.deputy_profile is not None,
        # For the idle-session warning (static/js/session.js).
        "session_seconds_left": seconds_left(request),
        "session_warning_seconds": settings.SESSION_IDLE_WARNING,
    }
