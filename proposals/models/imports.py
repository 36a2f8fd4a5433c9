"""Suggestion lists imported from spreadsheets (交办清单)."""

from __future__ import annotations

import contextlib
import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models.reference import Session
from tracker import outbox
from tracker.validators import not_in_future
from tracker.workflow import STAFF, SYSTEM, Conflict, Transition, Workflow, guarded_update

if TYPE_CHECKING:
    from proposals.spreadsheet import SheetPreview
    from tracker.models import User

logger = logging.getLogger(__name__)

# Named by string: the outbox publishes it by name (tracker imports no app).
APPLY_TASK = "proposals.tasks.apply_spreadsheet_import"


def spreadsheet_path(instance: SpreadsheetImport, filename: str) -> str:
    """Stored under a random name: the original name is kept in the row, never used as a path."""
    import uuid

    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class SpreadsheetImport(models.Model):
    """An uploaded suggestion list (交办清单), kept from the preview to its confirmation.

    Nothing is logged until staff confirm; the file is then read and checked again and
    every row is logged and assigned in one transaction. Never deleted: a discarded
    upload stays, marked so.

    previewed ─confirm→ applying ─finish (worker)→ applied
    applying ─refuse (worker: rows wrong now)→ previewed
    previewed ─discard→ discarded;  applying, stuck ─retry / discard→ applying / discarded
    previewed ─expire (system, STAGED_UPLOAD_HOURS after the upload)→ expired

    The sheet is read once, at upload, and its rows kept as JSON (``sheet``); the preview
    and the worker check those rows against the data as it is then, without opening the
    file again. A file that cannot be read as a list is refused at upload and not kept.
    The file of an upload never confirmed (expired, or discarded) is deleted
    STAGED_UPLOAD_HOURS after the upload; the row stays, saying when (``file_deleted_at``).
    """

    workflow: ClassVar[Workflow]

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("awaiting confirmation")
        APPLYING = "applying", _("importing")
        APPLIED = "applied", _("imported")
        DISCARDED = "discarded", _("discarded")
        EXPIRED = "expired", _("expired unconfirmed")

    file = models.FileField(_("file"), upload_to=spreadsheet_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    # The rows read from the file at upload (SheetData.as_json); emptied with the file.
    # Large (a 10,000-row list is a few MB): lists of imports defer it.
    sheet = models.JSONField(_("rows read from the file"), null=True, blank=True, editable=False)
    file_deleted_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)
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
    # When staff confirmed it (the worker sets applied_at when it is done), and when its
    # task was last queued: by the confirmation, a retry or the drain's sweep of stuck imports.
    confirmed_at = models.DateTimeField(_("sent to the worker at"), null=True, blank=True)
    queued_at = models.DateTimeField(_("last queued at"), null=True, blank=True)
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
                condition=Q(status__in=["previewed", "applying", "applied", "discarded", "expired"]),
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
        """Read the uploaded list once and keep it (the file and its rows) for the preview;
        nothing else is written. A file that cannot be read as a list, and a date later
        than today, are refused (ValidationError naming the field) and nothing is kept."""
        import hashlib

        from django.core.files.base import ContentFile

        from proposals.spreadsheet import SheetUnreadable, extract_sheet

        dates = (
            ("received_on", received_on, SpreadsheetImport._meta.get_field("received_on").verbose_name),
            ("assigned_on", assigned_on, SpreadsheetImport._meta.get_field("assigned_on").verbose_name),
        )
        for field, value, label in dates:
            try:
                not_in_future(value, label)
            except ValidationError as exc:
                raise ValidationError({field: exc}) from None
        try:
            sheet = extract_sheet(data, name)
        except SheetUnreadable as exc:
            raise ValidationError({"file": str(exc)}) from None
        upload = cls(
            original_name=name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            sheet=sheet.as_json(),
            session=session,
            received_on=received_on,
            assigned_on=assigned_on,
            uploaded_by=by,
        )
        upload.file.save(name, ContentFile(data), save=False)
        upload.save()
        return upload

    def read(self) -> SheetPreview:
        """Check the rows read at upload against the data as it is now."""
        from proposals.spreadsheet import SheetData, check_sheet, read_sheet

        if self.sheet is None:  # Uploaded before the rows were kept: read the file.
            with self.file.open("rb") as handle:
                return read_sheet(handle.read(), session=self.session, name=self.original_name)
        return check_sheet(SheetData.from_json(self.sheet), session=self.session)

    # -- the workflow: what staff may do now, and each transition ----------------------

    def actions(self, user: User) -> frozenset[str]:
        """The steps ``user`` may take on this upload now (the import page's buttons)."""
        return self.workflow.allowed(self, user)

    @property
    def is_waiting(self) -> bool:
        """Confirmed, and waiting for a worker to log and assign the rows."""
        return self.status == self.Status.APPLYING

    @property
    def is_stuck(self) -> bool:
        """Confirmed IMPORT_STUCK_AFTER seconds ago or more and still not finished by a worker
        (the worker is stopped, or the broker lost the task): staff may retry or discard."""
        if not self.is_waiting:
            return False
        if self.confirmed_at is None:
            return True  # confirmed before confirmation times were recorded
        return timezone.now() - self.confirmed_at >= timedelta(seconds=settings.IMPORT_STUCK_AFTER)

    def apply(self, *, by: User) -> int:
        """Log and assign every row now, in this process, all or nothing; returns how many
        suggestions were logged (scripts and benchmarks; the pages use confirm()).

        Raises spreadsheet.SheetRejected (nothing written) when a row has errors now.
        """
        with transaction.atomic():
            locked = SpreadsheetImport.objects.select_for_update().get(pk=self.pk)
            transition = self.workflow.check(locked, "apply", by)
            locked._apply_rows(transition, by=by)
        self.refresh_from_db()
        return self.created_count

    def confirm(self, *, by: User) -> None:
        """Staff confirm the preview: the upload is "importing" at once, and a worker logs and
        assigns the rows (a 10,000-row list takes minutes, longer than a web request may).

        The task goes through the outbox (written in this transaction, published after it
        commits), so a broker that is down or stalled delays the import but neither fails
        nor holds the request. The guarded UPDATE on "awaiting confirmation" makes the
        second of two confirmations a Conflict, without waiting on a worker's row lock.
        """
        self.refresh_from_db()
        transition = self.workflow.check(self, "confirm", by)
        now = timezone.now()
        with transaction.atomic():
            guarded_update(
                self,
                transition,
                expected=self.Status.PREVIEWED,
                fields={"applied_by": by, "failure": "", "confirmed_at": now, "queued_at": now},
            )
            outbox.enqueue(APPLY_TASK, self.pk)

    def retry(self, *, by: User) -> None:
        """Staff queue a stuck import again (its task was lost, or no worker ran). Harmless
        if the first task turns up after all: whichever runs second finds it imported."""
        with transaction.atomic():
            locked = self._lock_unless_applying()
            transition = self.workflow.check(locked, "retry", by)
            guarded_update(
                locked, transition, expected=self.Status.APPLYING, fields={"queued_at": timezone.now()}
            )
            outbox.enqueue(APPLY_TASK, self.pk)
        self.refresh_from_db()

    def discard(self, *, by: User) -> None:
        """Staff drop an upload they will not confirm, or an import stuck for minutes; it is
        kept, marked discarded, with who and when. A worker applying the list holds its row
        lock, so the discard is refused then; once discarded, a late worker finds the status
        changed under the lock and imports nothing."""
        with transaction.atomic():
            locked = self._lock_unless_applying()
            transition = self.workflow.check(locked, "discard", by)
            guarded_update(
                locked,
                transition,
                expected=locked.status,
                fields={"discarded_by": by, "discarded_at": timezone.now()},
            )
        self.refresh_from_db()

    def _lock_unless_applying(self) -> SpreadsheetImport:
        """This upload's row, locked; refused at once (never waited for) while a worker holds
        it, which is while it applies the list."""
        try:
            with transaction.atomic():
                return SpreadsheetImport.objects.select_for_update(nowait=True).get(pk=self.pk)
        except OperationalError:
            raise Conflict(
                gettext("A worker is importing this list right now; reload the page in a minute.")
            ) from None

    @classmethod
    def run_confirmed(cls, pk: int) -> int | None:
        """The worker's part of confirm(): log and assign every row, all or nothing. When the
        rows are refused now (or anything fails), the upload goes back to its preview with
        the reason, and nothing is written. Returns how many were logged.

        Safe to run twice for one upload (the outbox may publish the task again, and stuck
        imports are re-queued): the row is locked and its status checked under the lock, so
        a second run, or one after a discard, finds it no longer "importing" and returns."""
        from proposals.spreadsheet import SheetRejected

        try:
            with transaction.atomic():
                upload = cls.objects.select_for_update().select_related("session__congress").get(pk=pk)
                if cls.workflow.refusal(upload, "finish", None) or upload.applied_by is None:
                    return None  # Already done (a redelivered task), discarded, or never confirmed.
                return upload._apply_rows(cls.workflow["finish"], by=upload.applied_by)
        except SheetRejected as exc:
            cls._refuse(pk, gettext("Nothing was imported: %(errors)s") % {"errors": exc})
            return None
        except Exception:
            cls._refuse(
                pk,
                gettext(
                    "The import stopped with an unexpected error and nothing was imported. "
                    "Try again; if it fails again, tell the administrator."
                ),
            )
            raise

    @classmethod
    def _refuse(cls, pk: int, reason: str) -> None:
        """Back to the preview, with why; nothing when staff discarded it meanwhile."""
        upload = cls.objects.get(pk=pk)
        with contextlib.suppress(Conflict):
            guarded_update(
                upload,
                cls.workflow["refuse"],
                expected=cls.Status.APPLYING,
                fields={"applied_by": None, "failure": reason, "confirmed_at": None, "queued_at": None},
            )

    def _apply_rows(self, transition: Transition, *, by: User) -> int:
        """Inside the caller's transaction, with this upload locked."""
        from proposals.models.reference import Congress
        from proposals.spreadsheet import apply_sheet

        # The congress's lock, as Proposal.log takes it: the numbers the sheet is checked
        # against now stay free until every row is logged.
        Congress.objects.select_for_update().filter(pk=self.session.congress_id).exists()
        preview = self.read()
        created = apply_sheet(self, preview, by=by)
        guarded_update(
            self,
            transition,
            expected=self.status,
            fields={
                "created_count": created,
                "row_count": len(preview.rows),
                "applied_by": by,
                "applied_at": timezone.now(),
                "failure": "",
            },
        )
        return self.created_count

    @classmethod
    def expire_staged(cls) -> int:
        """Delete the file (and the rows read from it) of every upload never confirmed,
        STAGED_UPLOAD_HOURS after it was uploaded: a preview nobody confirmed becomes
        "expired", a discarded upload stays discarded. The rows stay, with when the file was
        deleted. Returns how many files were deleted (the hourly beat task, expire_uploads)."""
        cutoff = timezone.now() - timedelta(hours=settings.STAGED_UPLOAD_HOURS)
        candidates = cls.objects.filter(
            created_at__lte=cutoff,
            file_deleted_at__isnull=True,
            status__in=[cls.Status.PREVIEWED, cls.Status.DISCARDED],
        ).values_list("pk", flat=True)
        deleted = 0
        for pk in list(candidates):
            with transaction.atomic():
                upload = (
                    cls.objects.select_for_update(skip_locked=True)
                    .defer("sheet")
                    .filter(pk=pk, file_deleted_at__isnull=True)
                    .first()
                )
                if upload is None:
                    continue  # Being confirmed right now, or done by another run.
                fields = {"file_deleted_at": timezone.now(), "sheet": None}
                if upload.status == cls.Status.PREVIEWED:
                    guarded_update(upload, cls.workflow["expire"], expected=upload.status, fields=fields)
                elif upload.status == cls.Status.DISCARDED:
                    cls.objects.filter(pk=pk).update(**fields)
                else:
                    continue
                # Inside the transaction: if it rolls back, the next run deletes it again.
                upload.file.delete(save=False)
                deleted += 1
        return deleted

    @classmethod
    def requeue_stuck(cls) -> int:
        """Queue again every import still "importing" IMPORT_STUCK_AFTER seconds after it
        was last queued: its task was lost (a broker that lost its queue) or never ran.
        Imports a worker is applying right now are locked by it and skipped. Run by the
        outbox drain (every 30 s; registered in ProposalsConfig.ready), which exists to get
        queued work to a worker; once per IMPORT_STUCK_AFTER for each import."""
        now = timezone.now()
        due = Q(queued_at__isnull=True) | Q(
            queued_at__lte=now - timedelta(seconds=settings.IMPORT_STUCK_AFTER)
        )
        with transaction.atomic():
            stuck = list(
                cls.objects.filter(due, status=cls.Status.APPLYING)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:100]
            )
            if not stuck:
                return 0
            cls.objects.filter(pk__in=stuck).update(queued_at=now)
            outbox.enqueue_many(APPLY_TASK, [[pk] for pk in stuck])
        logger.warning("suggestion-list imports %s were not finished by a worker: queued again", stuck)
        return len(stuck)


def _stuck_only(upload: SpreadsheetImport, user: User | None, today: date) -> str | None:
    """Stuck: no worker has finished it for IMPORT_STUCK_AFTER.

    An import in progress is retried or discarded only then: before, a worker may well
    be applying it."""
    if upload.is_waiting and not upload.is_stuck:
        return gettext(
            "A worker may still be importing this list; wait a few minutes before retrying or discarding it."
        )
    return None


def _not_now(upload: SpreadsheetImport) -> str:
    if upload.is_waiting:
        return gettext("This list is already being imported.")
    return gettext("This list was already %(status)s.") % {"status": upload.get_status_display()}


_PREVIEWED = frozenset({SpreadsheetImport.Status.PREVIEWED})
_APPLYING = frozenset({SpreadsheetImport.Status.APPLYING})

SpreadsheetImport.workflow = Workflow(
    transitions=(
        # Staff confirm the preview; a worker applies it (the pages).
        Transition("confirm", _PREVIEWED, SpreadsheetImport.Status.APPLYING, (STAFF,)),
        # Applied at once, in the caller's process (scripts, benchmarks).
        Transition("apply", _PREVIEWED, SpreadsheetImport.Status.APPLIED, (STAFF,)),
        # The worker: every row logged and assigned, or the rows refused when read again.
        Transition("finish", _APPLYING, SpreadsheetImport.Status.APPLIED, (SYSTEM,)),
        Transition("refuse", _APPLYING, SpreadsheetImport.Status.PREVIEWED, (SYSTEM,)),
        # An import no worker has finished in IMPORT_STUCK_AFTER: queue it again, or drop it.
        Transition(
            "retry",
            _APPLYING,
            None,
            (STAFF,),
            guards=(_stuck_only,),
            refused=lambda upload: (
                gettext("This list is no longer waiting for the worker; it is %(status)s.")
                % {"status": upload.get_status_display()}
            ),
        ),
        Transition(
            "discard",
            _PREVIEWED | _APPLYING,
            SpreadsheetImport.Status.DISCARDED,
            (STAFF,),
            guards=(_stuck_only,),
        ),
        # Never confirmed: the staged file is deleted STAGED_UPLOAD_HOURS after the upload.
        Transition("expire", _PREVIEWED, SpreadsheetImport.Status.EXPIRED, (SYSTEM,)),
    ),
    not_now=lambda upload: _not_now(upload),
)
