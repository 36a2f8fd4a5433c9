"""Reference data: congresses and their rules, sessions, categories, departments, deputies."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tracker.deadlines import Deadline, Unit, compute_deadline
from tracker.stages import ReminderStages, parse_reminder_days, validate_reminder_days


class Rule(models.TextChoices):
    """The kinds of period a congress configures (DeadlineRule.obligation)."""

    REPLY = "reply", _("reply to the deputy")
    EXTENSION_MAX = "extension_max", _("latest extended reply")
    CO_OPINION = "co_opinion", _("co-handler's opinion to the lead unit")
    CHANGE_WINDOW = "change_window", _("sign for or dispute an assignment")
    RECESS_ASSIGN = "recess_assign", _("assign a suggestion raised between sessions")
    FEEDBACK = "feedback", _("deputy feedback")
    REHANDLING = "rehandling", _("re-handling after 不满意")
    PROGRESS_REPORT = "progress_report", _("commitment progress report")
    PUBLICATION = "publication", _("publish the reply (上网公开)")


# The defaults of design.md §4 (Deputies Law and common local rules); each congress
# may override any of them with a DeadlineRule row.
DEFAULT_RULES: dict[str, tuple[int, str]] = {
    Rule.REPLY: (3, Unit.CALENDAR_MONTHS),
    Rule.EXTENSION_MAX: (6, Unit.CALENDAR_MONTHS),
    Rule.CO_OPINION: (1, Unit.CALENDAR_MONTHS),
    Rule.CHANGE_WINDOW: (7, Unit.WORKING_DAYS),
    Rule.RECESS_ASSIGN: (5, Unit.WORKING_DAYS),
    Rule.FEEDBACK: (20, Unit.WORKING_DAYS),
    Rule.REHANDLING: (1, Unit.CALENDAR_MONTHS),
    Rule.PROGRESS_REPORT: (3, Unit.CALENDAR_MONTHS),
    # 国办发〔2014〕46号: replies published within 20 working days of being sent.
    Rule.PUBLICATION: (20, Unit.WORKING_DAYS),
}


def normalise_number(raw: str) -> str:
    """A suggestion number as typed, in the form it is stored and looked up in: NFKC
    (full-width ２０２４０４９３ → 20240493, Ｄ → D) without surrounding spaces. Entry also
    requires ASCII and the congress's pattern (Congress.clean_number); a lookup (progress
    page, search, filters) uses this alone, so that what was typed finds what was stored."""
    return unicodedata.normalize("NFKC", raw or "").strip()


class ConsultationRule(models.TextChoices):
    """Which draft replies a congress sends to the lead deputy before they are sent."""

    OFF = "off", _("none")
    KEY = "key", _("key suggestions (重点建议)")
    ALL = "all", _("every suggestion")


class Congress(models.Model):
    """A people's congress (national, provincial, city or district) with its own rules."""

    class GradeScale(models.TextChoices):
        ABC = "ABC", _("A / B / C")
        ABCD = "ABCD", _("A / B / C / D")

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    number_pattern = models.CharField(
        _("number pattern"),
        max_length=200,
        default=r"^\d{4}\d{4}$",
        help_text=_("Regular expression a suggestion number must match."),
    )
    number_hint = models.CharField(
        _("number format"),
        max_length=200,
        # Stored text the office edits, in the office's language: a translated default
        # would be saved in whatever language the creating user happened to use.
        default="8位数字：年份加4位顺序号，如20240493",
        help_text=_("Shown to staff when a number does not match the pattern."),
    )
    numbers_unique_across_sessions = models.BooleanField(
        _("numbers unique across sessions"),
        default=True,
        help_text=_("On for numbers that include the year; off for plain serials per session."),
    )
    grade_scale = models.CharField(
        _("grade scale"), max_length=4, choices=GradeScale.choices, default=GradeScale.ABC
    )
    roll_to_working_day = models.BooleanField(
        _("move deadlines off rest days"),
        default=True,
        help_text=_("A deadline that falls on a rest day or holiday moves to the next working day."),
    )
    # Reminder stages (design.md §5): days relative to a deadline, negative before it.
    reminder_days = models.CharField(
        _("reminder stages"),
        max_length=100,
        default="-14,-3,0,1",
        validators=[validate_reminder_days],
        help_text=_(
            "Days relative to a deadline when reminders go out, separated by commas: "
            "-14 is two weeks before, 0 the due day, 1 the first day overdue."
        ),
    )
    reminder_repeat_days = models.PositiveSmallIntegerField(
        _("repeat while overdue every (days)"),
        default=7,
        help_text=_("After the last stage, remind again every this many days; 0 stops."),
    )
    remind_leader_from = models.PositiveSmallIntegerField(
        _("department leader reminded from overdue reminder no."),
        default=1,
        help_text=_("1 = from the first overdue reminder. Key suggestions' supervising leaders too."),
    )
    remind_staff_from = models.PositiveSmallIntegerField(
        _("congress staff reminded from overdue reminder no."), default=2
    )
    silence_closes_round = models.BooleanField(
        _("silence closes the round"),
        default=True,
        help_text=_(
            "When the feedback window passes without a rating, the round closes as “no feedback” "
            "(counted apart from 满意). Off: staff are reminded to chase the deputy instead."
        ),
    )
    supervision_plan_due = models.CharField(
        _("supervision plan due (month-day)"),
        max_length=5,
        default="05-31",
        validators=[RegexValidator(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")],
        help_text=_("A supervision theme's plan is due on this day of its year (MM-DD)."),
    )
    supervision_report_due = models.CharField(
        _("supervision report due (month-day)"),
        max_length=5,
        default="01-31",
        validators=[RegexValidator(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")],
        help_text=_("A supervision theme's report is due on this day of the following year (MM-DD)."),
    )
    # Taking part before the reply (issue 14): consultation on the draft, the contact gate
    # and the two-part rating. Configuration per congress, never constants.
    consultation = models.CharField(
        _("consultation on the draft reply (征询意见)"),
        max_length=3,
        choices=ConsultationRule.choices,
        default=ConsultationRule.KEY,
        help_text=_(
            "Which suggestions' draft replies go to the lead deputy for comment and publication "
            "consent before the leader may send them."
        ),
    )
    consultation_wait_days = models.PositiveSmallIntegerField(
        _("wait for the deputy's answer (working days)"),
        default=5,
        help_text=_(
            "Sending waits at most this many working days after the draft went to the lead deputy; "
            "0: until the deputy answers."
        ),
    )
    contact_before_reply = models.BooleanField(
        _("contact before the reply is submitted"),
        default=False,
        help_text=_(
            "On: a reply can be submitted for approval only after a contact with the deputies is "
            "logged; for a key suggestion, a face-to-face meeting (面商)."
        ),
    )
    two_part_rating = models.BooleanField(
        _("two-part rating (双测评)"),
        default=False,
        help_text=_("On: deputies rate how the unit communicated and what it achieved separately."),
    )
    cosign_window_days = models.PositiveSmallIntegerField(
        _("co-signers answer within (days)"),
        default=3,
        help_text=_(
            "联名确认期限: calendar days an invited deputy has to confirm or decline co-signing a "
            "suggestion submitted online; an invitation left unanswered counts as declined."
        ),
    )
    require_mfa_for_clerks = models.BooleanField(
        _("two-step verification for department clerks"),
        default=False,
        help_text=_(
            "Congress staff, department leaders and administrators always sign in with a second "
            "factor; on, department clerks must too (a unit serving several congresses follows "
            "the strictest)."
        ),
    )

    class Meta:
        verbose_name = _("congress")
        verbose_name_plural = _("congresses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            re.compile(self.number_pattern, re.ASCII)
        except (re.error, ValueError) as exc:
            raise ValidationError(
                {
                    "number_pattern": gettext("This is not a valid regular expression: %(error)s")
                    % {"error": exc}
                }
            ) from None

    def rule(self, obligation: str) -> tuple[int, str]:
        """The (count, unit) this congress uses for an obligation, or the default."""
        rules = getattr(self, "_rules_cache", None)
        if rules is None:
            rules = {r.obligation: (r.count, r.unit) for r in self.deadline_rules.all()}
            self._rules_cache = rules
        return rules.get(obligation, DEFAULT_RULES[obligation])

    def deadline(self, obligation: str, start: date) -> Deadline:
        count, unit = self.rule(obligation)
        return compute_deadline(start, count, unit, roll_to_working_day=self.roll_to_working_day)

    def clean_number(self, raw: str) -> str:
        """A suggestion number as typed, in its normal form (normalise_number) once it is
        made of ASCII characters only and matches this congress's pattern; otherwise
        ValidationError(code="bad_number") saying what is wrong."""
        number = normalise_number(raw)
        for character in number:
            if not character.isascii():
                # Arabic-Indic or other non-ASCII digits survive NFKC; Python's \d would
                # accept them, so they are refused by name before the pattern is tried.
                raise ValidationError(
                    gettext(
                        "“%(number)s” is not a valid number for %(congress)s: “%(character)s” (%(code)s) "
                        "is not an ASCII digit or letter (0–9, A–Z)."
                    )
                    % {
                        "number": number,
                        "congress": self.name,
                        "character": character,
                        "code": f"U+{ord(character):04X}",
                    },
                    code="bad_number",
                )
        if not re.fullmatch(self.number_pattern, number, flags=re.ASCII):
            raise ValidationError(
                gettext("“%(number)s” is not a valid number for %(congress)s: %(hint)s")
                % {"number": number, "congress": self.name, "hint": self.number_hint},
                code="bad_number",
            )
        return number

    def requires_consultation(self, *, is_key: bool) -> bool:
        """Whether a draft reply must go to the lead deputy before it is sent."""
        return self.consultation == ConsultationRule.ALL or (
            self.consultation == ConsultationRule.KEY and is_key
        )

    def grades(self) -> list[str]:
        return list(self.grade_scale)

    def reminder_stages(self) -> ReminderStages:
        return _reminder_stages(self.reminder_days, self.reminder_repeat_days)


@functools.lru_cache(maxsize=64)
def _reminder_stages(days: str, repeat: int) -> ReminderStages:
    """Parsed once per setting: the reminder scan asks for every due row."""
    return ReminderStages(parse_reminder_days(days), repeat)


class DeadlineRule(models.Model):
    """One congress's period for one obligation, e.g. reply within 3 calendar months."""

    congress = models.ForeignKey(
        Congress, on_delete=models.CASCADE, related_name="deadline_rules", verbose_name=_("congress")
    )
    obligation = models.CharField(_("obligation"), max_length=20, choices=Rule.choices)
    count = models.PositiveSmallIntegerField(_("count"))
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "obligation"], name="proposals_deadlinerule_one_per_obligation"
            ),
            models.CheckConstraint(
                condition=Q(unit__in=Unit.values), name="proposals_deadlinerule_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(obligation__in=Rule.values),
                name="proposals_deadlinerule_obligation_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_obligation_display()}: {self.count} {self.get_unit_display()}"


class Session(models.Model):
    """A session of a congress (第七届人大第五次会议), or the recess between sessions."""

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("congress")
    )
    name = models.CharField(_("name"), max_length=100)
    term = models.PositiveSmallIntegerField(_("term (届)"))
    meeting = models.PositiveSmallIntegerField(
        _("meeting (次)"), null=True, blank=True, help_text=_("Empty for the recess (闭会期间).")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-year", "-meeting"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "name"], name="proposals_session_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_recess(self) -> bool:
        return self.meeting is None


class Category(models.Model):
    """A two-level subject category, per congress (e.g. 城建环资 › 交通)."""

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="categories", verbose_name=_("congress")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "parent", "name"], name="proposals_category_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent is not None else self.name

    def clean(self) -> None:
        if self.parent is not None and self.parent.parent_id:
            raise ValidationError({"parent": gettext("Categories have at most two levels.")})


def normalise_name(text: str) -> str:
    """A name as compared when imported lists and letters are matched to departments,
    deputies and categories: full-width → half-width (brackets included), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


class Department(models.Model):
    """A government unit that handles suggestions (承办单位)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deputy(models.Model):
    """A deputy (代表) of a congress; may be linked to a sign-in account."""

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="deputies", verbose_name=_("congress")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    delegation = models.CharField(_("delegation"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputy",
        verbose_name=_("account"),
    )
    # A deputy who left is deactivated, never deleted: their suggestions keep them, new
    # suggestions cannot name them.
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.delegation}）" if self.delegation else self.name
