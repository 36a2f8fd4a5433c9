from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tracker.middleware import start_session_clock

        # Whatever signs the user in (the login page, the admin's, a second factor later).
        user_logged_in.connect(start_session_clock, dispatch_uid="tracker_start_session_clock")
