from __future__ import annotations

from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, object]:
    """Expose the signed-in user's roles to templates for navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_staff_user": False, "is_dept_user": False, "is_deputy_user": False}
    return {
        "is_staff_user": user.is_congress_staff,
        "is_dept_user": user.is_department_user,
        "is_deputy_user": user.deputy_profile is not None,
    }
