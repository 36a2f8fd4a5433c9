from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The annual handling report (办理工作报告) and the unit assessment (考核).

    Read-side: the figures come from proposals.statistics; this app only stores what
    staff add to them (the cases they pick, a congress's report template, its assessment
    scheme and the recorded adjustments of a unit's score)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports and assessment")
