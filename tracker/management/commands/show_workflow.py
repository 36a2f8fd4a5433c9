"""Print every transition table (state, action, who, guards) as Markdown."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tracker.workflow import markdown, workflow_models


class Command(BaseCommand):
    help = "Print the workflow's transition tables, the one place each rule lives, as Markdown."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("\n".join(markdown(model) for model in workflow_models()), ending="")
