"""Celery tasks: thin wrappers that take ids and call model methods."""

from __future__ import annotations

from celery import shared_task

from proposals.models import SpreadsheetImport


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_spreadsheet_import(upload_id: int) -> int | None:
    """Log and assign the rows of a confirmed suggestion list (交办清单), all or nothing.
    Idempotent (the outbox may publish it twice): a second run finds the list imported."""
    return SpreadsheetImport.run_confirmed(upload_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def refresh_statistics_snapshot(key: str) -> None:
    """Recompute one dashboard scope's snapshot (queued by a page that found it stale)."""
    from proposals import statistics_snapshots

    statistics_snapshots.refresh(key)


@shared_task
def refresh_statistics_snapshots() -> int:
    """Keep the snapshots of the scopes people opened recently current (periodic)."""
    from proposals import statistics_snapshots

    return statistics_snapshots.refresh_opened()
