"""Tables that only grow: the suggestions' event trail, progress reports, deputies'
comments on promises, the security log, the online submissions' and supervision themes'
events, and the assessment scheme's changes and adjustments: every model built on
``AppendOnlyModel`` (a test checks that each one's table is listed here).

In Python, their QuerySet refuses ``update()`` and ``delete()`` and their rows refuse
``save()`` once stored and ``delete()``, on every database. On PostgreSQL, triggers
(migrations responses 0009_append_only_triggers and 0017, reports 0001) refuse UPDATE
and DELETE in SQL too, whoever sends it; the one way out is ``purge_audit``, which may
remove security-log rows older than AUDIT_RETENTION_DAYS (never fewer than 180 days) and
nothing else.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.db import models

__all__ = ["APPEND_ONLY_TABLES", "AppendOnlyError", "AppendOnlyModel", "AppendOnlyQuerySet", "refuse"]

_M = TypeVar("_M", bound=models.Model)

# (table, purgeable): the tables the PostgreSQL triggers protect. Only the security log
# may lose rows, and only rows older than the retention, through purge_audit.
APPEND_ONLY_TABLES: tuple[tuple[str, bool], ...] = (
    ("proposals_proposalevent", False),
    ("responses_progressreport", False),
    ("responses_commitmentcomment", False),
    ("tracker_securityevent", True),
    # responses 0017_append_only_submission_supervision_events
    ("proposals_submissionevent", False),
    ("responses_supervisionevent", False),
    # reports 0001_annual_report_and_assessment
    ("reports_assessmentschemechange", False),
    ("reports_assessmentadjustment", False),
)


class AppendOnlyError(Exception):
    """An attempt to change or remove a row of an append-only table."""


def refuse(model: type[models.Model], operation: str) -> NoReturn:
    raise AppendOnlyError(
        f"{operation} on {model._meta.db_table} refused: {model._meta.verbose_name_plural} are append-only."
    )


class AppendOnlyQuerySet(models.QuerySet[_M]):
    """A QuerySet whose rows cannot be changed or removed in bulk."""

    def update(self, **kwargs: Any) -> int:
        refuse(self.model, "UPDATE")

    def delete(self) -> tuple[int, dict[str, int]]:
        refuse(self.model, "DELETE")

    def _purge(self) -> int:
        """Delete these rows for purge_audit, which checks the retention first (and on
        PostgreSQL, the trigger checks it again). Nothing else may call this."""
        count, _per_model = models.QuerySet.delete(self)
        return count


class AppendOnlyModel(models.Model):
    """A row that is written once: saving it again or deleting it raises."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            refuse(type(self), "UPDATE")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        refuse(type(self), "DELETE")
