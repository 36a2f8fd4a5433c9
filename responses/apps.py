from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "responses"
    verbose_name = _("Replies, promises and reminders")

    def ready(self) -> None:
        # The reminder ledger follows the deadlines of suggestions and assignments
        # (proposals) as well as of replies and commitments; proposals does not import
        # responses, so the ledger subscribes here.
        from responses.models import Obligation
        from tracker.workflow import watch_deadlines

        watch_deadlines(Obligation.objects.follow)

        # Handover notices: recorded with each suggestion event, listed on the settings
        # page and rendered in the inbox (tracker.notices holds the hooks).
        from responses import notices

        notices.register()
