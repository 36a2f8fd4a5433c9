"""Statistics snapshots: the dashboard's figures of a large scope, computed by a worker.

At a million suggestions the live figures of a year take seconds (bench/README.md), more
than a web request may spend. For such a scope the dashboard shows the figures of the
latest snapshot, labelled with the time they were computed; a worker refreshes them
(proposals.statistics_snapshots). The snapshot holds the serialised output of the very
functions the live page calls (statistics.summary and statistics.monthly_trend), so the
two cannot define a figure differently.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatisticsSnapshot(models.Model):
    """The figures of one dashboard scope (congress year or session, optionally a unit)."""

    # "year=2026;session=;department=14": statistics_snapshots.scope_key
    key = models.CharField(_("scope"), max_length=100, unique=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    # When a page last asked for a refresh (so a busy page queues one refresh, not one per view).
    requested_at = models.DateTimeField(_("refresh requested at"), null=True, blank=True)
    # When a page last showed this scope: the periodic refresh keeps these scopes current.
    opened_at = models.DateTimeField(_("last opened at"), null=True, blank=True)
    data = models.JSONField(_("figures"), default=dict, blank=True)

    class Meta:
        verbose_name = _("statistics snapshot")
        verbose_name_plural = _("statistics snapshots")

    def __str__(self) -> str:
        return self.key
