"""Celery tasks: thin wrappers that take ids and call model methods."""

from __future__ import annotations

from celery import shared_task

from tracker import outbox


@shared_task
def drain_outbox() -> int:
    """Hand the broker every task the web requests could not (beat, every 30 s)."""
    return outbox.drain()
