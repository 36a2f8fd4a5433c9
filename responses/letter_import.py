"""Importing reply letters (答复函) from files into the archive, with a preview first.

``preview_letters`` reads and parses every file and says, per letter, what it matched
(suggestion, departments, the reply already in the tracker), what is new and what failed
and why. It writes nothing. ``apply_import`` archives the new letters of a confirmed
upload in one transaction; a letter already archived (the same file, or the same letter
saved again, which gives the same fields) is left unchanged.

Matching is done with a fixed number of queries for the whole upload, not per letter.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from proposals.models import Assignment, Department, Proposal, normalise_name
from responses.letters.parse import ParsedLetter, chinese_number, parse_letter
from responses.letters.text import LetterError, check_text
from responses.models import ArchivedLetter, LetterImport, LetterImportFile, Reply
from tracker.archives import ArchiveRefused, check_members, check_ooxml, is_executable, open_zip, read_member
from tracker.workflow import guarded_update

if TYPE_CHECKING:
    from tracker.models import User

LETTER_SUFFIXES = (".txt", ".docx")

# How alike two department names must be to match a unit of the suggestion (the seed
# letter is signed "深圳市龙岗区市人民政府" for 深圳市龙岗区人民政府: 0.95) and any unit at all.
SIMILAR_TO_ASSIGNED = 0.75
SIMILAR_TO_ANY = 0.9


# The preview's names for the fields the parser can be unsure of.
UNSURE_LABELS = {
    "number": gettext_lazy("suggestion number"),
    "congress": gettext_lazy("congress"),
    "title": gettext_lazy("title"),
    "departments": gettext_lazy("handling unit"),
    "date": gettext_lazy("date"),
    "grade": gettext_lazy("result"),
    "contact_name": gettext_lazy("contact person"),
    "signed_by": gettext_lazy("signer"),
}


class ZipError(ValueError):
    """A .zip of letters that cannot be opened."""


@dataclass
class Upload:
    """One letter file as received: its name as the user knows it, and its bytes."""

    name: str
    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class DepartmentMatch:
    name: str
    role: str
    department: Department | None
    assigned_role: str | None = None  # the role the tracker has for that unit, if assigned

    @property
    def role_label(self) -> str:
        return role_label(self.role)


@dataclass
class LetterPreview:
    """What importing one file would do."""

    upload: Upload
    parsed: ParsedLetter | None = None
    error: str = ""
    proposal: Proposal | None = None
    departments: list[DepartmentMatch] = field(default_factory=list)
    department: Department | None = None  # the replying unit (the signer, else the single lead)
    reply: Reply | None = None
    duplicate_of: str = ""  # why it is already in: the archived letter, or an earlier file of this upload
    notes: list[str] = field(default_factory=list)

    NEW, UNCHANGED, FAILED = "new", "unchanged", "failed"

    @property
    def outcome(self) -> str:
        if self.error:
            return self.FAILED
        if self.duplicate_of:
            return self.UNCHANGED
        return self.NEW

    @property
    def fields(self) -> dict:
        return self.parsed.as_dict() if self.parsed else {}

    @property
    def unsure(self) -> dict[str, str]:
        """The fields the parser is unsure of, each with the other values it found ("" if none):
        the preview marks them for the clerk to check against the letter."""
        if not self.parsed:
            return {}
        return {name: " / ".join(self.parsed.candidates.get(name, [])) for name in self.parsed.uncertain}

    @property
    def unsure_notes(self) -> list[str]:
        notes = []
        for name, candidates in self.unsure.items():
            label = UNSURE_LABELS.get(name, name)
            if candidates:
                notes.append(
                    gettext("Check the %(field)s: the letter gives %(values)s.")
                    % {"field": label, "values": candidates}
                )
            else:
                notes.append(gettext("Check the %(field)s: read by a weak rule.") % {"field": label})
        return notes

    @cached_property
    def fingerprint(self) -> str:
        """Read once the letter is parsed (the matching, the duplicate check and the archive
        row all use it)."""
        return fingerprint(self.parsed) if self.parsed else ""


@dataclass
class ImportSummary:
    letters: list[LetterPreview]

    def count(self, outcome: str) -> int:
        return sum(1 for letter in self.letters if letter.outcome == outcome)

    @property
    def new(self) -> int:
        return self.count(LetterPreview.NEW)

    @property
    def unchanged(self) -> int:
        return self.count(LetterPreview.UNCHANGED)

    @property
    def failed(self) -> int:
        return self.count(LetterPreview.FAILED)

    @property
    def unsure(self) -> int:
        """New letters with a field to check."""
        return sum(1 for letter in self.letters if letter.outcome == LetterPreview.NEW and letter.unsure)

    @property
    def linked(self) -> int:
        return sum(1 for letter in self.letters if letter.outcome == LetterPreview.NEW and letter.proposal)


def fingerprint(parsed: ParsedLetter) -> str:
    """The same letter gives the same fields whether it comes as .txt or .docx, re-saved or not."""
    fields = parsed.as_dict()
    # What the parser is unsure of is no part of the letter: a better parser may be surer.
    fields.pop("uncertain")
    fields.pop("candidates")
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------
# Reading what was uploaded
# ---------------------------------------------------------------------------


def expand_uploads(uploads: Iterable[Upload]) -> list[Upload | LetterPreview]:
    """Letters as files, in the order given; a .zip is opened and its .txt and .docx members
    taken in its place. What cannot be opened comes back as a failed preview."""
    result: list[Upload | LetterPreview] = []
    for upload in uploads:
        if PurePath(upload.name).suffix.lower() != ".zip":
            result.append(upload)
            continue
        try:
            result.extend(_zip_members(upload))
        except ZipError as exc:
            result.append(LetterPreview(upload=upload, error=str(exc)))
    return result


def _zip_members(upload: Upload) -> list[Upload]:
    """The letters of a zip, checked from its directory before any is unpacked (how many,
    how large each and all together, none a zip bomb, no program inside) and unpacked
    with a limit each, since a zip can announce false sizes (tracker/archives.py)."""
    try:
        archive = open_zip(upload.data, upload.name)
        with archive:
            infos = [
                info
                for info in archive.infolist()
                if not info.is_dir()
                and PurePath(info.filename).suffix.lower() in LETTER_SUFFIXES
                and not PurePath(info.filename).name.startswith(("~$", "."))
                and "__MACOSX" not in info.filename
            ]
            check_members(
                archive,
                upload.name,
                max_members=settings.LETTER_ZIP_MAX_MEMBERS,
                max_total=settings.LETTER_ZIP_MAX_INFLATED,
                max_member=settings.LETTER_MAX_BYTES,
                members=infos,
            )
            for info in archive.infolist():
                if is_executable(b"", info.filename):
                    raise ArchiveRefused(
                        gettext("“%(name)s” holds a program (%(member)s) and is refused.")
                        % {"name": upload.name, "member": _zip_name(info)}
                    )
            return [
                Upload(
                    name=f"{upload.name}/{_zip_name(info)}",
                    data=read_member(archive, info, upload.name, limit=settings.LETTER_MAX_BYTES),
                )
                for info in sorted(infos, key=lambda i: i.filename)
            ]
    except ArchiveRefused as exc:
        raise ZipError(str(exc)) from exc


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Zip files made on Chinese Windows store names in GBK without saying so."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


# ---------------------------------------------------------------------------
# The preview
# ---------------------------------------------------------------------------


def preview_letters(uploads: Sequence[Upload]) -> ImportSummary:
    """Parse and match every letter; write nothing."""
    previews: list[LetterPreview] = []
    for upload in expand_uploads(uploads):
        if isinstance(upload, LetterPreview):
            previews.append(upload)
            continue
        preview = LetterPreview(upload=upload)
        if PurePath(upload.name).suffix.lower() not in LETTER_SUFFIXES:
            preview.error = gettext(
                "%(name)s: only .txt and .docx letters (or a .zip of them) can be imported."
            ) % {"name": upload.name}
        elif len(upload.data) > settings.LETTER_MAX_BYTES:
            preview.error = gettext("%(name)s is larger than %(size)d MB.") % {
                "name": upload.name,
                "size": settings.LETTER_MAX_BYTES // (1024 * 1024),
            }
        else:
            try:
                preview.parsed = parse_letter(upload.data, PurePath(upload.name).name)
            except LetterError as exc:
                preview.error = str(exc)
            else:
                if not preview.parsed.number:
                    preview.error = gettext(
                        "%(name)s: no suggestion number was found in the letter, so it cannot be filed."
                    ) % {"name": upload.name}
        previews.append(preview)
    _match(previews)
    return ImportSummary(previews)


def _match(previews: list[LetterPreview]) -> None:
    parsed = [p for p in previews if p.parsed is not None and not p.error]
    if not parsed:
        return
    replies = Reply.objects.filter(status=Reply.Status.SENT).order_by("-round")
    assignments = (
        Assignment.objects.exclude(status=Assignment.Status.WITHDRAWN)
        .select_related("department")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="sent_replies"))
    )
    proposals = (
        Proposal.objects.filter(number__in={p.parsed.number for p in parsed})
        .select_related("session", "congress")
        .prefetch_related(Prefetch("assignments", queryset=assignments, to_attr="live_assignments"))
    )
    by_number: dict[str, list[Proposal]] = {}
    for proposal in proposals:
        by_number.setdefault(proposal.number, []).append(proposal)
    departments = list(Department.objects.all())
    # Already archived: the same file (digest) or the same letter (fields), in one query.
    archived_rows = ArchivedLetter.objects.filter(
        Q(fingerprint__in={p.fingerprint for p in parsed})
        | Q(source__sha256__in={p.upload.sha256 for p in parsed})
    ).values_list("source__sha256", "fingerprint", "number")
    archived = {key: number for sha, fp, number in archived_rows for key in (sha, fp)}
    seen: dict[str, str] = {}
    for preview in parsed:
        fp, sha = preview.fingerprint, preview.upload.sha256
        if fp in archived or sha in archived:
            preview.duplicate_of = gettext("already in the archive")
        elif fp in seen or sha in seen:
            preview.duplicate_of = gettext("the same letter as %(name)s in this upload") % {
                "name": seen.get(fp) or seen[sha]
            }
        seen.setdefault(fp, preview.upload.name)
        seen.setdefault(sha, preview.upload.name)
        _match_one(preview, by_number.get(preview.parsed.number, []), departments)


def _match_one(preview: LetterPreview, candidates: list[Proposal], departments: list[Department]) -> None:
    letter = preview.parsed
    assert letter is not None
    proposal = _pick_proposal(letter, candidates, preview.notes)
    preview.proposal = proposal
    assigned = {a.department_id: a for a in proposal.live_assignments} if proposal else {}
    assigned_departments = [a.department for a in assigned.values()]
    for named in letter.departments:
        # A unit named with its role (龙岗区为主办单位) is first looked for among the units
        # that have that role here, so that 龙岗区 means the lead 龙岗区人民政府 and not a
        # co-handling 龙岗区住房和建设局.
        same_role = [a.department for a in assigned.values() if a.role == named.role]
        department = match_department(named.name, assigned_departments, departments, preferred=same_role)
        assignment = assigned.get(department.pk) if department else None
        preview.departments.append(
            DepartmentMatch(
                name=named.name,
                role=named.role,
                department=department,
                assigned_role=assignment.role if assignment else None,
            )
        )
        if assignment and assignment.role != named.role:
            preview.notes.append(
                gettext("The letter names %(name)s as %(letter)s; the tracker has it as %(tracker)s.")
                % {
                    "name": named.name,
                    "letter": Assignment.Role(named.role).label
                    if named.role in Assignment.Role.values
                    else named.role,
                    "tracker": assignment.get_role_display(),
                }
            )
    signer = (
        match_department(letter.signed_by, assigned_departments, departments) if letter.signed_by else None
    )
    leads = [m.department for m in preview.departments if m.department and m.role != Assignment.Role.CO]
    preview.department = signer or (leads[0] if len(leads) == 1 else None)
    if proposal and preview.department and preview.department.pk in assigned:
        sent = assigned[preview.department.pk].sent_replies
        preview.reply = sent[0] if sent else None
        if preview.reply and letter.grade and preview.reply.grade != letter.grade:
            preview.notes.append(
                gettext("The letter's grade is %(letter)s; the reply in the tracker has %(tracker)s.")
                % {"letter": letter.grade, "tracker": preview.reply.grade}
            )
    elif proposal and preview.department:
        preview.notes.append(
            gettext("%(name)s is not assigned this suggestion in the tracker.")
            % {"name": preview.department.name}
        )


def role_label(role: str) -> str:
    return str(Assignment.Role(role).label) if role in Assignment.Role.values else role


def _pick_proposal(letter: ParsedLetter, candidates: list[Proposal], notes: list[str]) -> Proposal | None:
    if not candidates:
        notes.append(
            gettext("No. %(number)s is not in the tracker: the letter is archived without a link.")
            % {"number": letter.number}
        )
        return None
    term, meeting = session_numbers(letter)
    if term is not None:
        fitting = [
            p
            for p in candidates
            if p.session.term == term and (meeting is None or p.session.meeting == meeting)
        ]
        if not fitting:
            notes.append(
                gettext("No. %(number)s is in the tracker, but not for the session the letter names.")
                % {"number": letter.number}
            )
            return None
        candidates = fitting
    if len(candidates) > 1:
        notes.append(
            gettext("No. %(number)s exists in %(count)d sessions; the letter does not say which.")
            % {"number": letter.number, "count": len(candidates)}
        )
        return None
    return candidates[0]


def session_numbers(letter: ParsedLetter) -> tuple[int | None, int | None]:
    """The term (届) and meeting (次会议) the letter names; meeting None between sessions."""
    term_match = re.search(r"第?([〇○零一二两三四五六七八九十\d]+)届", letter.congress or "")
    meeting_match = re.search(r"第?([〇○零一二两三四五六七八九十\d]+)次", letter.session or "")
    term = chinese_number(term_match.group(1)) if term_match else None
    meeting = chinese_number(meeting_match.group(1)) if meeting_match else None
    return term, meeting


def match_department(
    name: str,
    assigned: Sequence[Department],
    departments: Sequence[Department],
    *,
    preferred: Sequence[Department] = (),
) -> Department | None:
    """The unit a letter means by ``name``: exactly (name or short name), else the one unit of
    the suggestion whose name holds it (龙岗区 → 深圳市龙岗区人民政府) or is nearly it, else a
    unit anywhere whose name is nearly it. ``preferred`` (the suggestion's units with the role
    the letter gives) is searched before the rest. None when that is not one unit."""
    wanted = normalise_name(name)
    if not wanted:
        return None
    exact = [d for d in departments if wanted in (normalise_name(d.name), normalise_name(d.short_name))]
    if len(exact) == 1:
        return exact[0]

    def similarity(department: Department) -> float:
        full = normalise_name(department.name)
        short = normalise_name(department.short_name)
        if wanted in full or (short and (wanted in short or short in wanted)):
            return 1.0
        return SequenceMatcher(None, wanted, full).ratio()

    pools = ((preferred, SIMILAR_TO_ASSIGNED), (assigned, SIMILAR_TO_ASSIGNED), (departments, SIMILAR_TO_ANY))
    for pool, threshold in pools:
        scored = sorted(((similarity(d), d.pk, d) for d in pool), key=lambda s: (-s[0], s[1]))
        if scored and scored[0][0] >= threshold and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            return scored[0][2]
    return None


# ---------------------------------------------------------------------------
# Keeping an upload until it is confirmed, and confirming it
# ---------------------------------------------------------------------------


class TooManyLetters(ValueError):
    """An upload holds more letters than one preview page can read in a web request."""


class UploadRefused(ValueError):
    """Files of an upload refused by their content or size; nothing of the upload is kept."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons))


def letter_refusal(upload: Upload) -> str:
    """Why a file cannot be kept as a letter, judged by its content (and size), or "": a
    .txt must be text, a .docx a Word document with nothing else inside (tracker/archives.py).
    Whether it is a reply letter is for the preview to say."""
    suffix = PurePath(upload.name).suffix.lower()
    if suffix not in LETTER_SUFFIXES:
        return gettext("%(name)s: only .txt and .docx letters (or a .zip of them) can be imported.") % {
            "name": upload.name
        }
    if len(upload.data) > settings.LETTER_MAX_BYTES:
        return gettext("%(name)s is larger than %(size)d MB.") % {
            "name": upload.name,
            "size": settings.LETTER_MAX_BYTES // (1024 * 1024),
        }
    if is_executable(upload.data[:8]):
        return gettext("“%(name)s” is a program, not a letter.") % {"name": upload.name}
    try:
        if suffix == ".docx":
            check_ooxml(upload.data, upload.name, kind="docx")
        else:
            check_text(upload.data, upload.name)
    except (ArchiveRefused, LetterError) as exc:
        return str(exc)
    return ""


def checked_uploads(uploads: Iterable[Upload], *, skip_refused: bool = False) -> list[Upload]:
    """The letters of an upload (a zip's one by one), each checked by its content; when any
    file is refused, UploadRefused naming every one of them (or, with skip_refused, the
    others only: import_letters, whose preview already listed the refused as failed)."""
    files: list[Upload] = []
    refused: list[str] = []
    for item in expand_uploads(uploads):
        if isinstance(item, LetterPreview):  # a zip that could not be opened, or was refused
            refused.append(item.error)
            continue
        reason = letter_refusal(item)
        if reason:
            refused.append(reason)
        else:
            files.append(item)
    if refused and not skip_refused:
        raise UploadRefused(refused)
    return files


def stage_upload(
    uploads: Sequence[Upload], *, by: User, max_letters: int | None = None, skip_refused: bool = False
) -> LetterImport:
    """Keep the files of an upload for its preview (nothing is archived yet). A zip's letters
    are kept one by one, so that each archived letter has its own file. Every file is
    checked by its content first; a file refused (UploadRefused) or an upload holding more
    than max_letters (TooManyLetters) refuses the upload, and nothing of it is kept."""
    files = checked_uploads(uploads, skip_refused=skip_refused)
    if max_letters is not None and len(files) > max_letters:
        raise TooManyLetters(
            gettext(
                "This upload holds %(count)d letters; the page takes up to %(max)d at a time. "
                "Upload them in several parts, or ask the administrator to run import_letters on the folder."
            )
            % {"count": len(files), "max": max_letters}
        )
    with transaction.atomic():
        batch = LetterImport.objects.create(created_by=by)
        for upload in files:
            LetterImportFile.objects.create(
                batch=batch,
                file=ContentFile(upload.data, name=PurePath(upload.name).name),
                original_name=upload.name[:255],
                sha256=upload.sha256,
                size=len(upload.data),
            )
    return batch


def batch_uploads(batch: LetterImport) -> list[tuple[LetterImportFile, Upload]]:
    result = []
    for stored in batch.files.all():
        with stored.file.open("rb") as handle:
            result.append((stored, Upload(name=stored.original_name, data=handle.read())))
    return result


def preview_batch(batch: LetterImport) -> ImportSummary:
    return preview_letters([upload for _stored, upload in batch_uploads(batch)])


def apply_import(batch: LetterImport, *, by: User) -> ImportSummary:
    """Archive the new letters of a previewed upload, all in one transaction. The row lock
    makes a second confirmation wait for the first and then be refused, having read nothing."""
    with transaction.atomic():
        batch = LetterImport.objects.select_for_update().get(pk=batch.pk)
        transition = LetterImport.workflow.check(batch, "confirm", by)
        stored = batch_uploads(batch)
        summary = preview_letters([upload for _row, upload in stored])
        now = timezone.now()
        archived = [
            _archived_letter(preview, row, by=by, at=now)
            for (row, _upload), preview in zip(stored, summary.letters, strict=True)
            if preview.outcome == LetterPreview.NEW
        ]
        ArchivedLetter.objects.bulk_create(archived)
        guarded_update(
            batch,
            transition,
            expected=LetterImport.Status.PREVIEWED,
            fields={"decided_by": by, "decided_at": now, "imported_count": len(archived)},
        )
    return summary


def _archived_letter(preview: LetterPreview, source: LetterImportFile, *, by: User, at) -> ArchivedLetter:
    letter = preview.parsed
    assert letter is not None
    return ArchivedLetter(
        source=source,
        fingerprint=preview.fingerprint,
        number=letter.number or "",
        title=(letter.title or "")[:300],
        letter_date=letter.date,
        signed_by=(letter.signed_by or "")[:200],
        grade=(letter.grade or "")[:1],
        fields=letter.as_dict(),
        text=letter.text,
        proposal=preview.proposal,
        department=preview.department,
        reply=preview.reply,
        imported_by=by,
        imported_at=at,
    )


def discard_import(batch: LetterImport, *, by: User) -> None:
    """Staff drop an upload without importing it; it is kept, marked discarded."""
    with transaction.atomic():
        batch = LetterImport.objects.get(pk=batch.pk)
        transition = LetterImport.workflow.check(batch, "discard", by)
        guarded_update(
            batch,
            transition,
            expected=LetterImport.Status.PREVIEWED,
            fields={"decided_by": by, "decided_at": timezone.now()},
        )


def expire_uploads() -> int:
    """Delete the staged files of every import (交办清单 and letters) never confirmed
    STAGED_UPLOAD_HOURS after its upload; the import rows stay, marked. Returns how many
    uploads lost their files."""
    from proposals.models import SpreadsheetImport

    return SpreadsheetImport.expire_staged() + LetterImport.expire_staged()
