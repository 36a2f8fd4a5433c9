from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tracker import audit, duties

        audit.connect()
        # After every migrate: the three administrators' groups hold exactly their
        # permissions, including those of apps installed since (django-otp, django-axes).
        post_migrate.connect(duties.sync_after_migrate, dispatch_uid="tracker_sync_duties")
