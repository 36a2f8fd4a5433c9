from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = _("Accounts and roles")


class TrackerAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site behind two-step verification."""

    default = False
    default_site = "tracker.admin_site.TrackerAdminSite"
