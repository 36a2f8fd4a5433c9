"""Suggestion lists imported from spreadsheets (交办清单)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models.reference import Session
from tracker.validators import not_in_future
from tracker.workflow import InvalidTransition, check_staff

if TYPE_CHECKING:
    from tracker.models import User


if TYPE_CHECKING:
    from proposals.spreadsheet import SheetPreview


def spreadsheet_path(instance: SpreadsheetImport, filename: str) -> str:
    """Stored under a random name: the original name is kept in the row, never used as a path."""
    import uuid

    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class SpreadsheetImport(models.Model):
    """An uploaded suggestion list (交办清单), kept from the preview to its confirmation.

    Nothing is logged until staff confirm; the file is then read and checked again and
    every row is logged and assigned in one transaction. Never deleted: a discarded
    upload stays, marked so.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("awaiting confirmation")
        APPLYING = "applying", _("importing")
        APPLIED = "applied", _("imported")
        DISCARDED = "discarded", _("discarded")

    file = models.FileField(_("file"), upload_to=spreadsheet_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="spreadsheet_imports", verbose_name=_("session")
    )
    received_on = models.DateField(_("received on"))
    assigned_on = models.DateField(_("assigned on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("suggestions imported"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    applied_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("discarded by"),
    )
    discarded_at = models.DateTimeField(_("discarded at"), null=True, blank=True)
    # Why the last confirmation wrote nothing (rows refused when checked again), shown on
    # the preview; empty once a confirmation succeeds.
    failure = models.TextField(_("why the last confirmation failed"), blank=True)

    class Meta:
        verbose_name = _("suggestion list import")
        verbose_name_plural = _("suggestion list imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["previewed", "applying", "applied", "discarded"]),
                name="proposals_spreadsheetimport_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("proposals:import_detail", args=[self.pk])

    @classmethod
    def stage(
        cls, data: bytes, *, name: str, session: Session, received_on: date, assigned_on: date, by: User
    ) -> SpreadsheetImport:
        """Keep an uploaded file for its preview; nothing else is written. Neither date
        may be later than today (ValidationError naming the field)."""
        import hashlib

        from django.core.files.base import ContentFile

        for field, value in (("received_on", received_on), ("assigned_on", assigned_on)):
            try:
                not_in_future(value, cls._meta.get_field(field).verbose_name)
            except ValidationError as exc:
                raise ValidationError({field: exc}) from None
        upload = cls(
            original_name=name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            session=session,
            received_on=received_on,
            assigned_on=assigned_on,
            uploaded_by=by,
        )
        upload.file.save(name, ContentFile(data), save=False)
        upload.save()
        return upload

    def read(self) -> SheetPreview:
        """Read and check the stored sheet against the data as it is now."""
        from proposals.spreadsheet import read_sheet

        with self.file.open("rb") as handle:
            data = handle.read()
        return read_sheet(data, session=self.session)

    def apply(self, *, by: User) -> int:
        """Log and assign every row now, all or nothing; returns how many suggestions were logged.

        Raises spreadsheet.SheetRejected (nothing written) when a row has errors now. The
        pages use confirm(), which does this in the worker.
        """
        check_staff(by)
        with transaction.atomic():
            self._lock_previewed()
            self._apply_rows(by=by)
        return self.created_count

    def confirm(self, *, by: User) -> None:
        """Staff confirm the preview: the upload is "importing" at once, and a worker logs and
        assigns the rows (a 10,000-row list takes minutes, longer than a web request may)."""
        from proposals.tasks import apply_spreadsheet_import

        check_staff(by)
        with transaction.atomic():
            locked = self._lock_previewed()
            locked.status = self.Status.APPLYING
            locked.applied_by = by
            locked.failure = ""
            locked.save(update_fields=["status", "applied_by", "failure"])
            pk = self.pk
            transaction.on_commit(lambda: apply_spreadsheet_import.delay(pk))
        self.refresh_from_db()

    def _lock_previewed(self) -> SpreadsheetImport:
        """This upload's row, locked until the transaction ends, so that two confirmations
        cannot both log the rows; InvalidTransition once it is no longer a preview."""
        locked = SpreadsheetImport.objects.select_for_update().get(pk=self.pk)
        if locked.status != self.Status.PREVIEWED:
            raise InvalidTransition(
                gettext("This list was already %(status)s.") % {"status": locked.get_status_display()}
            )
        return locked

    @classmethod
    def run_confirmed(cls, pk: int) -> int | None:
        """The worker's part of confirm(): log and assign every row, all or nothing. When the
        rows are refused now (or anything fails), the upload goes back to its preview with
        the reason, and nothing is written. Returns how many were logged."""
        from proposals.spreadsheet import SheetRejected

        try:
            with transaction.atomic():
                upload = cls.objects.select_for_update().select_related("session__congress").get(pk=pk)
                if upload.status != cls.Status.APPLYING or upload.applied_by is None:
                    return None  # Already done (a redelivered task) or never confirmed.
                return upload._apply_rows(by=upload.applied_by)
        except SheetRejected as exc:
            reason = gettext("Nothing was imported: %(errors)s") % {"errors": exc}
            cls.objects.filter(pk=pk, status=cls.Status.APPLYING).update(
                status=cls.Status.PREVIEWED, applied_by=None, failure=reason
            )
            return None
        except Exception:
            cls.objects.filter(pk=pk, status=cls.Status.APPLYING).update(
                status=cls.Status.PREVIEWED,
                applied_by=None,
                failure=gettext(
                    "The import stopped with an unexpected error and nothing was imported. "
                    "Try again; if it fails again, tell the administrator."
                ),
            )
            raise

    def _apply_rows(self, *, by: User) -> int:
        """Inside the caller's transaction, with this upload locked."""
        from proposals.spreadsheet import apply_sheet

        preview = self.read()
        self.created_count = apply_sheet(self, preview, by=by)
        self.row_count = len(preview.rows)
        self.status = self.Status.APPLIED
        self.applied_by = by
        self.applied_at = timezone.now()
        self.failure = ""
        self.save(
            update_fields=["created_count", "row_count", "status", "applied_by", "applied_at", "failure"]
        )
        return self.created_count

    def discard(self, *, by: User) -> None:
        """Staff drop an upload they will not confirm; it is kept, marked discarded."""
        check_staff(by)
        with transaction.atomic():
            updated = SpreadsheetImport.objects.filter(pk=self.pk, status=self.Status.PREVIEWED).update(
                status=self.Status.DISCARDED, discarded_by=by, discarded_at=timezone.now()
            )
            if not updated:
                self.refresh_from_db()
                raise InvalidTransition(
                    gettext("This list was already %(status)s.") % {"status": self.get_status_display()}
                )
        self.refresh_from_db()
