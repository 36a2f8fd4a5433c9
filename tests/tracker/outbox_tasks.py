"""A task for the outbox tests: it records each call, so a test sees what ran and in what order."""

from __future__ import annotations

from typing import Any

from celery import shared_task

calls: list[tuple[Any, ...]] = []


@shared_task
def record(*args: Any) -> int:
    calls.append(args)
    return len(calls)


RECORD = "tests.tracker.outbox_tasks.record"
