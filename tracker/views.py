from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page it works from."""
    user = request.user
    if not user.is_authenticated:
        return redirect("public:reply_list")
    if user.is_congress_staff:
        return redirect("proposals:list")
    if user.is_department_user:
        return redirect("proposals:queue")
    if user.deputy_profile is not None:
        return redirect("proposals:mine")
    return redirect("public:reply_list")


class LoginView(auth_views.LoginView):
    extra_context = {"demo_hint": settings.DEBUG}
