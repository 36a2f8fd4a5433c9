from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "proposals"
    verbose_name = _("Suggestions and handling")

    def ready(self) -> None:
        # Each outbox drain also queues again the suggestion-list imports that no worker
        # finished (tracker cannot import proposals, so the import subscribes here).
        from proposals.models import SpreadsheetImport
        from tracker.outbox import on_drain

        on_drain(SpreadsheetImport.requeue_stuck)
