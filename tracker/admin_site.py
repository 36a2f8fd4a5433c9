"""The admin site, behind two-step verification (django-otp's OTPAdminSite): a staff
user whose session has not passed the second factor is not let in. Its login is the
site's own two-step sign-in, not a second login form."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite


class TrackerAdminSite(OTPAdminSite):
    # The header and page titles name the product, not "Django 站点管理员".
    site_header = _("Proposal response tracker: administration")
    site_title = _("Proposal response tracker")
    index_title = _("Reference data, accounts and rules")

    def __init__(self, name: str = "admin") -> None:
        # OTPAdminSite names itself "otpadmin"; the URLs keep the usual instance name.
        super().__init__(name)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(target, reverse("login"))
