from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tracker.appendonly import AppendOnlyModel, AppendOnlyQuerySet

if TYPE_CHECKING:
    from proposals.models import Deputy


class Role(models.TextChoices):
    """The groups a user can belong to; each is a Django auth group of the same name."""

    CONGRESS_STAFF = "congress_staff", _("Congress staff")
    DEPT_CLERK = "dept_clerk", _("Department clerk")
    DEPT_LEADER = "dept_leader", _("Department leader")
    DEPUTY = "deputy", _("Deputy")


class AdminDuty(models.TextChoices):
    """The three administrators of a graded-protection system (三员), each an auth group
    holding only its own permissions (tracker/duties.py); none can do another's job."""

    SYSTEM = "system_admin", _("System administrator")
    SECURITY = "security_admin", _("Security administrator")
    AUDIT = "audit_admin", _("Audit administrator")


class Channel(models.TextChoices):
    """Where a reminder is delivered."""

    INBOX = "inbox", _("in-app inbox")
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")


class User(AbstractUser):
    """A person who signs in: congress staff, department clerk or leader, or a deputy."""

    department = models.ForeignKey(
        "proposals.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("For department clerks and leaders: the unit they work for."),
    )
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    # Channel choices for reminders. The in-app inbox always receives them: it is the
    # record a user can come back to, and costs nobody a message at midnight.
    notify_by_email = models.BooleanField(_("remind me by email"), default=True)
    notify_by_sms = models.BooleanField(_("remind me by SMS"), default=False)
    away_until = models.DateField(
        _("away until"),
        null=True,
        blank=True,
        help_text=_("While you are away, your reminders go to your delegate."),
    )
    delegate = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delegators",
        verbose_name=_("delegate"),
        help_text=_("A colleague who receives your reminders while you are away."),
    )
    # Per kind of notice (responses/notices.py): {"<event kind>": ["email", "sms"]}, the
    # channels besides the inbox chosen on the settings page. A kind not listed follows
    # notify_by_email and notify_by_sms.
    notice_channels = models.JSONField(_("notice channels per kind"), default=dict, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            # The admin's user page is split between two duties (tracker/duties.py).
            ("manage_accounts", _("Can edit accounts: names, contact details, department, active")),
            ("manage_roles", _("Can change roles: groups, permissions, admin-site access")),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        # Chinese names are written family name first with no space.
        return f"{self.last_name}{self.first_name}".strip()

    @property
    def role_names(self) -> frozenset[str]:
        """Names of the role groups the user belongs to, cached on the instance."""
        cached = getattr(self, "_role_names", None)
        if cached is None:
            # groups.all() uses a prefetch when there is one (the reminder Audience has it).
            cached = frozenset(group.name for group in self.groups.all())
            self._role_names = cached
        return cached

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.role_names

    @property
    def is_congress_staff(self) -> bool:
        return self.is_superuser or self.has_role(Role.CONGRESS_STAFF)

    @property
    def is_department_user(self) -> bool:
        return self.department_id is not None and (
            self.has_role(Role.DEPT_CLERK) or self.has_role(Role.DEPT_LEADER)
        )

    @property
    def is_department_leader(self) -> bool:
        return self.department_id is not None and self.has_role(Role.DEPT_LEADER)

    def is_away(self, today: date) -> bool:
        return self.away_until is not None and today <= self.away_until

    def reminder_channels(self) -> list[str]:
        """The channels this user's reminders go out on, from their choices and details."""
        channels: list[str] = [Channel.INBOX]
        if self.notify_by_email and self.email:
            channels.append(Channel.EMAIL)
        if self.notify_by_sms and self.phone:
            channels.append(Channel.SMS)
        return channels

    def channels_for_notice(self, kind: str) -> list[str]:
        """The channels a notice of ``kind`` goes out on: the inbox always, email and SMS
        as chosen for that kind (or in general), where an address or number is given."""
        chosen = self.notice_channels.get(kind) if isinstance(self.notice_channels, dict) else None
        by_email = Channel.EMAIL in chosen if isinstance(chosen, list) else self.notify_by_email
        by_sms = Channel.SMS in chosen if isinstance(chosen, list) else self.notify_by_sms
        channels: list[str] = [Channel.INBOX]
        if by_email and self.email:
            channels.append(Channel.EMAIL)
        if by_sms and self.phone:
            channels.append(Channel.SMS)
        return channels

    def stand_in(self, today: date) -> tuple[User, User | None]:
        """Who receives this person's reminders and notices today, and on whose behalf:
        their delegate while they are away (design.md §5), else themselves."""
        delegate = self.delegate
        if self.is_away(today) and delegate is not None and delegate.is_active:
            return delegate, self
        return self, None

    @property
    def deputy_profile(self) -> Deputy | None:
        """The Deputy record linked to this account, or None."""
        if not self.has_role(Role.DEPUTY):
            return None
        return getattr(self, "deputy", None)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at=None)


class Notification(models.Model):
    """One message in a user's in-app inbox; written in the same transaction that
    marks its reminder sent, so the inbox gets each reminder exactly once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The inbox page, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # The unread count in every page header.
            models.Index(
                fields=["recipient"], condition=models.Q(read_at=None), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("inbox_open", args=[self.pk])

    def mark_read(self) -> None:
        """Mark read once; the first reading time is kept."""
        if self.read_at is None:
            self.read_at = timezone.now()
            Notification.objects.filter(pk=self.pk, read_at=None).update(read_at=self.read_at)


def _token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        """Not revoked (an expired token is still listed as the user's, and refused at use)."""
        return self.filter(revoked_at=None)

    def authenticate(self, key: str) -> ApiToken | None:
        """The unrevoked token with this key, with its user, or None; the caller refuses an
        expired one with its own message."""
        return self.active().select_related("user").filter(digest=_token_digest(key)).first()

    def revoke_all(self, user: User, *, by: User) -> int:
        """Revoke every active token of ``user`` (a password change); returns how many."""
        return self.active().filter(user=user).update(revoked_at=timezone.now(), revoked_by=by)


class ApiToken(models.Model):
    """A personal key for the REST API. Only its SHA-256 digest is stored (the key is
    shown once, when it is created); a revoked key stays on record with who revoked it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("user")
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("key begins with"), max_length=8)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Empty: the token works until revoked.")
    )
    # Written at most once per LAST_USED_PRECISION per token: not a write per API request.
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    LAST_USED_PRECISION = timedelta(minutes=1)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at=None),
                name="tracker_apitoken_one_active_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at=None, revoked_by=None)
                | models.Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="tracker_apitoken_revocation_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @classmethod
    def issue(cls, user: User, *, by: User, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
        """Create a new key for ``user``, revoking the one they had; returns the token and
        the key, which is not stored and cannot be shown again."""
        key = secrets.token_hex(20)
        with transaction.atomic():
            # Locks the user's active token, so two requests cannot both keep theirs.
            for old in cls.objects.select_for_update().active().filter(user=user):
                old.revoke(by=by)
            token = cls.objects.create(
                user=user, digest=_token_digest(key), prefix=key[:8], created_by=by, expires_at=expires_at
            )
            token._log(SecurityEvent.Kind.TOKEN_CREATED, by=by)
        return token, key

    def touch(self, now: datetime | None = None) -> None:
        """Record a use, unless one was recorded less than LAST_USED_PRECISION ago."""
        now = now or timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < self.LAST_USED_PRECISION:
            return
        # The filter makes concurrent requests of the same minute write once between them.
        stale = models.Q(last_used_at=None) | models.Q(last_used_at__lte=now - self.LAST_USED_PRECISION)
        ApiToken.objects.filter(stale, pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    def revoke(self, *, by: User) -> None:
        """Stop the key working; the row stays, with who revoked it and when."""
        from tracker.workflow import InvalidTransition

        now = timezone.now()
        # Compare-and-set: of two revocations at once, one is recorded and the other refused.
        if self.revoked_at is not None or not ApiToken.objects.filter(pk=self.pk, revoked_at=None).update(
            revoked_at=now, revoked_by=by
        ):
            raise InvalidTransition(gettext("This API token is already revoked."))
        self.revoked_at = now
        self.revoked_by = by
        self._log(SecurityEvent.Kind.TOKEN_REVOKED, by=by)

    def _log(self, kind: str, *, by: User) -> None:
        from tracker import audit

        audit.record(kind, user=by, obj=self, owner=self.user.get_username(), prefix=self.prefix)


class MfaReset(models.Model):
    """A security administrator's reset of someone's two-step verification: their
    authenticator and recovery codes are removed, and they enrol again at next sign-in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mfa_resets", verbose_name=_("user")
    )
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reset by")
    )
    reset_at = models.DateTimeField(_("reset at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=200)
    devices_removed = models.PositiveSmallIntegerField(_("devices removed"), default=0)

    class Meta:
        verbose_name = _("two-step verification reset")
        verbose_name_plural = _("two-step verification resets")
        ordering = ["-reset_at", "-pk"]
        # The security administrator's right (三员: the audit helper gives it to that role).
        permissions = [("reset_mfa", _("Can reset another user's two-step verification"))]

    def __str__(self) -> str:
        return f"{self.user} · {self.reset_at:%Y-%m-%d %H:%M}"


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def unpublished(self) -> OutboxMessageQuerySet:
        return self.filter(published_at=None)


class OutboxMessage(models.Model):
    """A Celery task to hand to the broker, written in the transaction that needs it
    (tracker/outbox.py): the work is on record once the transaction commits, whether or
    not the broker answers then. Kept after it is published (or merged into an identical
    message published in its place); only the prune_outbox command deletes published
    rows, and only old ones."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("handed to the broker at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Set on a duplicate that a drain did not hand to the broker because an identical
    # message of a task that may be merged (OUTBOX_COALESCE_TASKS) went in its place; it
    # carries the same published_at, so prune_outbox deletes the two together.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "pk"]
        indexes = [
            # The drain: unpublished rows, oldest first (a handful, among every row ever queued).
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(published_at=None),
                name="tracker_outbox_unpublished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class SecurityEventQuerySet(AppendOnlyQuerySet["SecurityEvent"]):
    def older_than(self, days: int) -> SecurityEventQuerySet:
        return self.filter(created_at__lt=timezone.now() - timedelta(days=days))


class SecurityEvent(AppendOnlyModel):
    """One line of the security log (安全审计): sign-ins and failures, role and permission
    changes, configuration changes with their before and after values, downloads of
    personal data, API keys, and every request of a superuser. Written by tracker.audit;
    stores codes and values, rendered in the reader's language (``describe``). Append-only:
    on PostgreSQL a trigger refuses UPDATE and DELETE; ``purge_audit`` may remove rows
    older than AUDIT_RETENTION_DAYS and nothing else."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("signed in")
        LOGOUT = "logout", _("signed out")
        LOGIN_FAILED = "login_failed", _("sign-in failed")
        LOCKED_OUT = "locked_out", _("locked out")
        LOCKOUT_RELEASED = "lockout_released", _("lockout released")
        MFA_VERIFIED = "mfa_verified", _("second factor verified")
        MFA_FAILED = "mfa_failed", _("second factor failed")
        MFA_CHANGED = "mfa_changed", _("second factor enrolled or reset")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        ROLE_CHANGED = "role_changed", _("roles or permissions changed")
        CONFIG_CREATED = "config_created", _("configuration added")
        CONFIG_CHANGED = "config_changed", _("configuration changed")
        CONFIG_DELETED = "config_deleted", _("configuration deleted")
        EXPORT = "export", _("personal data downloaded")
        TOKEN_CREATED = "token_created", _("API key created")
        TOKEN_REVOKED = "token_revoked", _("API key revoked")
        SUPERUSER_REQUEST = "superuser_request", _("superuser request (break-glass)")
        PURGED = "purged", _("old audit rows purged")

    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # The username as it was (or as typed, for a failed sign-in); kept if the account changes.
    actor_name = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "login",
                        "logout",
                        "login_failed",
                        "locked_out",
                        "lockout_released",
                        "mfa_verified",
                        "mfa_failed",
                        "mfa_changed",
                        "password_changed",
                        "role_changed",
                        "config_created",
                        "config_changed",
                        "config_deleted",
                        "export",
                        "token_created",
                        "token_revoked",
                        "superuser_request",
                        "purged",
                    ]
                ),
                name="tracker_securityevent_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-created_at"], name="securityevent_kind_idx")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M:%S} {self.get_kind_display()}"

    def describe(self) -> str:
        """What happened, in the reader's language."""
        from tracker.audit import describe

        return describe(self)
