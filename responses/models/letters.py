"""Reply letters imported from files (答复函档案)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models import Assignment, Department, Proposal
from tracker.workflow import STAFF, SYSTEM, Transition, Workflow

if TYPE_CHECKING:
    from tracker.models import User


def letter_path(instance: LetterImportFile, filename: str) -> str:
    """Stored under a random name: the original name is kept in the row, never trusted as a path."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"letters/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class LetterImport(models.Model):
    """One upload of reply letters. Its files are kept while staff read the preview; nothing
    reaches the archive until they confirm, and a discarded upload is kept, marked so.

    previewed ─confirm→ applied;  previewed ─discard→ discarded
    previewed ─expire (system, STAGED_UPLOAD_HOURS after the upload)→ expired

    The files of an upload never confirmed (expired, or discarded) are deleted
    STAGED_UPLOAD_HOURS after the upload; the rows stay, saying when (``file_deleted_at``).
    """

    workflow: ClassVar[Workflow]

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("awaiting confirmation")
        APPLIED = "applied", _("imported")
        DISCARDED = "discarded", _("discarded")
        EXPIRED = "expired", _("expired unconfirmed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed or discarded by"),
    )
    decided_at = models.DateTimeField(_("confirmed or discarded at"), null=True, blank=True)
    imported_count = models.PositiveIntegerField(_("letters imported"), default=0)
    file_deleted_at = models.DateTimeField(_("files deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter import")
        verbose_name_plural = _("letter imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["previewed", "applied", "discarded", "expired"]),
                name="responses_letterimport_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("responses:letter_import", args=[self.pk])

    def actions(self, user: User) -> frozenset[str]:
        """The steps ``user`` may take on this upload now (the import page's buttons)."""
        return self.workflow.allowed(self, user)

    @classmethod
    def expire_staged(cls) -> int:
        """Delete the files of every upload never confirmed, STAGED_UPLOAD_HOURS after it was
        uploaded: a preview nobody confirmed becomes "expired", a discarded upload stays
        discarded; the rows stay, with when the files were deleted. Returns how many uploads
        lost their files (the hourly beat task, expire_uploads)."""
        from django.db import transaction

        from tracker.workflow import guarded_update

        cutoff = timezone.now() - timedelta(hours=settings.STAGED_UPLOAD_HOURS)
        candidates = cls.objects.filter(
            created_at__lte=cutoff,
            file_deleted_at__isnull=True,
            status__in=[cls.Status.PREVIEWED, cls.Status.DISCARDED],
        ).values_list("pk", flat=True)
        expired = 0
        for pk in list(candidates):
            with transaction.atomic():
                # A confirmation holds this lock while it archives: skipped, not waited for.
                batch = cls.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                if batch is None or batch.file_deleted_at is not None:
                    continue
                fields = {"file_deleted_at": timezone.now()}
                if batch.status == cls.Status.PREVIEWED:
                    guarded_update(batch, cls.workflow["expire"], expected=batch.status, fields=fields)
                elif batch.status == cls.Status.DISCARDED:
                    cls.objects.filter(pk=pk).update(**fields)
                else:
                    continue
                # Inside the transaction: if it rolls back, the next run deletes them again.
                for stored in batch.files.all():
                    stored.file.delete(save=False)
                expired += 1
        return expired


_LETTERS_PREVIEWED = frozenset({LetterImport.Status.PREVIEWED})

# Confirming archives the new letters in the request (responses/letter_import.py): no
# worker, so no state in between.
LetterImport.workflow = Workflow(
    transitions=(
        Transition("confirm", _LETTERS_PREVIEWED, LetterImport.Status.APPLIED, (STAFF,)),
        Transition("discard", _LETTERS_PREVIEWED, LetterImport.Status.DISCARDED, (STAFF,)),
        # Never confirmed: the staged files are deleted STAGED_UPLOAD_HOURS after the upload.
        Transition("expire", _LETTERS_PREVIEWED, LetterImport.Status.EXPIRED, (SYSTEM,)),
    ),
    not_now=lambda batch: (
        gettext("This upload was already %(status)s.") % {"status": batch.get_status_display()}
    ),
)


class LetterImportFile(models.Model):
    """One uploaded file of an import, as received."""

    batch = models.ForeignKey(LetterImport, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(_("file"), upload_to=letter_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("uploaded letter file")
        verbose_name_plural = _("uploaded letter files")
        ordering = ["original_name", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ArchivedLetterQuerySet(models.QuerySet["ArchivedLetter"]):
    def visible_to(self, user: User) -> ArchivedLetterQuerySet:
        """Staff see the archive; a department sees its own letters and those of the
        suggestions it handles. A unit whose assignment was withdrawn keeps its own letters
        only: the letters of the units that took over were written after it left."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_congress_staff:
            return self
        if user.is_department_user and user.department_id is not None:
            handling = Assignment.objects.filter(department_id=user.department_id).exclude(
                status=Assignment.Status.WITHDRAWN
            )
            return self.filter(
                Q(department_id=user.department_id) | Q(proposal__in=handling.values("proposal"))
            )
        return self.none()


class ArchivedLetter(models.Model):
    """A reply letter read from a file (答复函档案): its text, the fields found in it, and the
    suggestion, department and reply it was matched to. One row per letter: the same file,
    or the same letter saved again, is recognised and not imported twice."""

    source = models.OneToOneField(
        LetterImportFile, on_delete=models.PROTECT, related_name="letter", verbose_name=_("file")
    )
    fingerprint = models.CharField(
        _("fingerprint"),
        max_length=64,
        unique=True,
        help_text=_("SHA-256 of the fields read from the letter."),
    )
    number = models.CharField(_("suggestion number"), max_length=30, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    letter_date = models.DateField(_("letter date"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=200, blank=True)
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    fields = models.JSONField(_("fields read from the letter"))
    text = models.TextField(_("text"))
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="archived_letters",
        verbose_name=_("suggestion"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="archived_letters",
        verbose_name=_("replying department"),
    )
    reply = models.ForeignKey(
        "Reply",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="archived_letters",
        verbose_name=_("reply in the tracker"),
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    objects = ArchivedLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("archived reply letter")
        verbose_name_plural = _("archived reply letters")
        ordering = ["-letter_date", "number", "pk"]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.signed_by}"

    def get_absolute_url(self) -> str:
        return reverse("responses:archived_letter", args=[self.pk])
