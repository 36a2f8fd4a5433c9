"""Print the reminder engine's health as JSON; exit 1 when it is unhealthy.

Used by docker-compose.yml's health checks and by operators:
    python manage.py reminder_health
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from responses.reminders.health import health


class Command(BaseCommand):
    help = "Print the reminder engine's health (last scan, sends, failures, queue); exit 1 if unhealthy."

    def handle(self, *args: Any, **options: Any) -> None:
        status = health()
        self.stdout.write(json.dumps(status, ensure_ascii=False, indent=2))
        if not status["ok"]:
            raise CommandError("the reminder engine is unhealthy")
