from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib import admin

        # The admin's header and page titles name the product, not "Django 站点管理员".
        admin.site.site_header = _("Proposal response tracker: administration")
        admin.site.site_title = _("Proposal response tracker")
        admin.site.index_title = _("Reference data, accounts and rules")
