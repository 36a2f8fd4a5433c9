"""The security log (安全审计): what is recorded, and how it reads.

``record(kind, ...)`` appends one ``SecurityEvent``. It is called from:

- Django's sign-in signals (``user_logged_in``, ``user_logged_out``, ``user_login_failed``)
  and, when django-axes is installed, its ``user_locked_out``;
- ``m2m_changed`` of a user's groups and permissions and of a group's permissions, and
  saves that change ``is_staff``, ``is_superuser`` or ``is_active`` (roles);
- saves and deletes of the configuration models (``TRACKED``): congresses, deadline rules,
  sessions, categories, departments, deputies, users and groups, with the values before
  and after;
- ``AuditMiddleware``: every download (a response sent as an attachment: Excel exports,
  reply letters, evidence, archived letters) by a signed-in user, and every request of a
  superuser (break-glass);
- ``ApiToken.issue`` and ``revoke``.

Other code (the second factor, lockout release) calls ``record`` with its kind:
``record(SecurityEvent.Kind.MFA_FAILED, user=user, request=request)``.

The actor and IP address of a change made in a request come from the request being
served (``AuditMiddleware`` keeps it in a context variable); a change made by a command
or a worker has no actor and is marked ``"via": "system"``.

Configuration changes are captured with signals, not django-pghistory: pghistory writes its
history with PostgreSQL triggers, so the embedded default (SQLite) would record nothing.
Signals see every ``save()`` and ``delete()`` (the admin, forms, commands); a bulk
``QuerySet.update()`` of a configuration model bypasses them, and no code does one.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

if TYPE_CHECKING:
    from tracker.models import SecurityEvent

__all__ = ["TRACKED", "AuditMiddleware", "connect", "describe", "record"]

# Configuration models whose every change is logged with before/after values. Fields
# left out: the ones that change by themselves (last sign-in time).
TRACKED: dict[str, frozenset[str]] = {
    "proposals.Congress": frozenset(),
    "proposals.DeadlineRule": frozenset(),
    "proposals.Session": frozenset(),
    "proposals.Category": frozenset(),
    "proposals.Department": frozenset(),
    "proposals.Deputy": frozenset(),
    "tracker.User": frozenset({"last_login"}),
    "auth.Group": frozenset(),
}
# A user's fields that are privileges: their changes are role changes, not configuration.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "is_active")
# Values never written to the log, only the fact that they changed.
SECRET_FIELDS = frozenset({"password"})
HIDDEN = "******"

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("audit_request", default=None)


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from (REMOTE_ADDR: behind a proxy, the proxy sets
    it through the server's own configuration), or None."""
    if request is None:
        return None
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _label(obj: models.Model) -> str:
    return str(obj._meta.label)


def record(
    kind: str,
    *,
    user: Any = None,
    username: str = "",
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    **data: Any,
) -> SecurityEvent:
    """Append one line to the security log. ``user`` is who acted (default: the signed-in
    user of the request being served); ``username`` what was typed when no account
    matched; ``obj`` what it was done to; ``data`` codes and values (no sentences)."""
    from tracker.models import SecurityEvent

    request = request if request is not None else _request.get()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not getattr(user, "pk", None):
        user = None
    if user is None and request is None:
        data.setdefault("via", "system")
    return SecurityEvent.objects.create(
        kind=kind,
        actor=user,
        actor_name=(user.get_username() if user is not None else username)[:150],
        ip=client_ip(request),
        object_type=_label(obj) if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=_jsonable(data),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# ---------------------------------------------------------------------------------------
# Middleware: the request in context, downloads and break-glass


class AuditMiddleware:
    """Keeps the request at hand for the signal receivers, and logs every download by a
    signed-in user and every request of a superuser. After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            response = self.get_response(request)
            self._log(request, response)
        finally:
            _request.reset(token)
        return response

    def _log(self, request: HttpRequest, response: HttpResponse) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        disposition = response.get("Content-Disposition", "")
        if disposition.startswith("attachment") and response.status_code == 200:
            record(
                "export",
                request=request,
                path=request.path,
                query=request.GET.urlencode()[:1000],
                filename=_filename(disposition),
                content_type=response.get("Content-Type", ""),
            )
        if user.is_superuser:
            record(
                "superuser_request",
                request=request,
                method=request.method,
                path=request.path,
                query=request.GET.urlencode()[:1000],
                status=response.status_code,
            )


def _filename(disposition: str) -> str:
    """The file name a Content-Disposition header offers (the UTF-8 one if there is one)."""
    from urllib.parse import unquote

    for part in disposition.split(";"):
        key, _eq, value = part.strip().partition("=")
        if key.lower() == "filename*" and "''" in value:
            return unquote(value.split("''", 1)[1])
    for part in disposition.split(";"):
        key, _eq, value = part.strip().partition("=")
        if key.lower() == "filename":
            return value.strip('"')
    return ""


# ---------------------------------------------------------------------------------------
# Sign-in


def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record("login", user=user, request=request)


def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("logout", user=user, request=request)


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already replaced the password in ``credentials`` with stars.
    username = str(credentials.get("username") or credentials.get("email") or "")[:150]
    record("login_failed", user=None, username=username, request=request, anonymous=True)


def _locked_out(
    sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    record("locked_out", user=None, username=str(username or "")[:150], request=request, anonymous=True)


def _lockout_released(sender: Any, instance: Any, **kwargs: Any) -> None:
    record("lockout_released", username="", obj=None, locked_username=str(getattr(instance, "username", "")))


def _device_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        record("mfa_changed", obj=instance.user, detail="enrolled", device=type(instance).__name__)


def _device_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    record("mfa_changed", obj=instance.user, detail="reset", device=type(instance).__name__)


# ---------------------------------------------------------------------------------------
# Roles and configuration


def _value(instance: models.Model, field: models.Field[Any, Any]) -> Any:
    if field.name in SECRET_FIELDS:
        return HIDDEN
    if field.is_relation and (field.many_to_one or field.one_to_one):
        related_id = getattr(instance, field.attname)
        if related_id is None:
            return None
        try:
            return f"{getattr(instance, field.name)} (#{related_id})"
        except models.ObjectDoesNotExist:
            return f"#{related_id}"
    return _jsonable(field.value_from_object(instance))


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    skipped = TRACKED[str(model._meta.label)]
    return [
        field for field in model._meta.concrete_fields if not field.primary_key and field.name not in skipped
    ]


def _snapshot(instance: models.Model) -> dict[str, Any]:
    return {field.name: _value(instance, field) for field in _fields(type(instance))}


def _before_save(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    if raw or instance.pk is None or instance._state.adding:
        instance._audit_before = None  # type: ignore[attr-defined]
        return
    update_fields = kwargs.get("update_fields")
    names = [field.name for field in _fields(sender)]
    if update_fields is not None and not set(update_fields) & set(names):
        instance._audit_before = None  # type: ignore[attr-defined]
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = _snapshot(old) if old is not None else None  # type: ignore[attr-defined]
    if old is not None and "password" in names:
        instance._audit_password_changed = old.password != instance.password  # type: ignore[attr-defined]


def _after_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    if created:
        record("config_created", obj=instance, model=_label(instance), values=_snapshot(instance))
        return
    before = getattr(instance, "_audit_before", None)
    if before is None:
        return
    after = _snapshot(instance)
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value and name not in SECRET_FIELDS
    }
    if getattr(instance, "_audit_password_changed", False):
        changes["password"] = [HIDDEN, HIDDEN]
    instance._audit_before = None  # type: ignore[attr-defined]
    instance._audit_password_changed = False  # type: ignore[attr-defined]
    privileges = {name: changes.pop(name) for name in PRIVILEGE_FIELDS if name in changes}
    if privileges:
        record("role_changed", obj=instance, model=_label(instance), changes=privileges)
    if changes:
        record("config_changed", obj=instance, model=_label(instance), changes=changes)


def _after_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    record("config_deleted", obj=instance, model=_label(instance), values=_snapshot(instance))


def _names(model: type[models.Model], pks: Iterable[Any]) -> list[str]:
    if model._meta.label == "auth.Permission":
        return sorted(
            f"{app}.{codename}"
            for app, codename in model._default_manager.filter(pk__in=list(pks)).values_list(
                "content_type__app_label", "codename"
            )
        )
    if model._meta.label == "auth.Group":  # by code: rendered by its label when read
        return sorted(model._default_manager.filter(pk__in=list(pks)).values_list("name", flat=True))
    return sorted(str(obj) for obj in model._default_manager.filter(pk__in=list(pks)))


def _m2m_receiver(field: str) -> Callable[..., None]:
    """Logs what ``field`` (a user's groups or permissions, a group's permissions) gained or
    lost, as one role change per user or group whose set changed."""

    def receiver(
        sender: Any,
        instance: models.Model,
        action: str,
        reverse: bool,
        model: type[models.Model],
        pk_set: set[Any] | None,
        **kwargs: Any,
    ) -> None:
        if action == "pre_clear":
            # What a clear() removes, read before it goes.
            instance._audit_cleared = _through_ids(sender, instance, model)  # type: ignore[attr-defined]
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        change = "added" if action == "post_add" else "removed"
        changed: dict[str, Any]
        if not reverse:
            pks = getattr(instance, "_audit_cleared", []) if action == "post_clear" else pk_set or ()
            changed = {change: _names(model, pks)}
            if changed[change]:
                record("role_changed", obj=instance, model=_label(instance), field=field, **changed)
            return
        # Reverse: ``instance`` is the group or permission, ``pk_set`` the owners.
        pks = getattr(instance, "_audit_cleared", []) if action == "post_clear" else pk_set or ()
        owners = list(model._default_manager.filter(pk__in=list(pks)))
        changed = {change: [_name_of(instance)]}
        for owner in owners:
            record("role_changed", obj=owner, model=_label(owner), field=field, **changed)

    return receiver


def _name_of(obj: models.Model) -> str:
    if obj._meta.label == "auth.Permission":
        return f"{obj.content_type.app_label}.{obj.codename}"  # type: ignore[attr-defined]
    if obj._meta.label == "auth.Group":
        return str(obj.name)  # type: ignore[attr-defined]
    return str(obj)


def _through_ids(through: type[models.Model], instance: models.Model, model: type[models.Model]) -> list[Any]:
    """The ids of ``model`` linked to ``instance`` in the m2m table ``through``."""
    source = next(f for f in through._meta.fields if f.is_relation and f.related_model is type(instance))
    target = next(
        f for f in through._meta.fields if f.is_relation and f.related_model is model and f is not source
    )
    return list(
        through._default_manager.filter(**{source.attname: instance.pk}).values_list(
            target.attname, flat=True
        )
    )


_connected = False


def connect() -> None:
    """Subscribe the receivers (TrackerConfig.ready)."""
    global _connected
    if _connected:
        return
    _connected = True
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="audit_login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="audit_logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
    if apps.is_installed("axes"):
        from axes.signals import user_locked_out  # type: ignore[import-not-found,import-untyped,unused-ignore]

        user_locked_out.connect(_locked_out, dispatch_uid="audit_locked_out")
        # Releasing a lockout (the security administrator, or axes_reset) deletes the attempts.
        post_delete.connect(
            _lockout_released,
            sender=apps.get_model("axes", "AccessAttempt"),
            dispatch_uid="audit_axes_release",
        )
    # A second-factor device enrolled, or removed by a reset.
    for label in ("otp_totp.TOTPDevice", "otp_static.StaticDevice"):
        app_label = label.partition(".")[0]
        if apps.is_installed(f"django_otp.plugins.{app_label}"):
            device = apps.get_model(label)
            post_save.connect(_device_saved, sender=device, dispatch_uid=f"audit_device_{label}")
            post_delete.connect(_device_deleted, sender=device, dispatch_uid=f"audit_device_del_{label}")
    for label in TRACKED:
        model = apps.get_model(label)
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"audit_pre_{label}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"audit_post_{label}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"audit_delete_{label}")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Group = apps.get_model("auth", "Group")
    for through, field in (
        (User.groups.through, "groups"),
        (User.user_permissions.through, "user_permissions"),
        (Group.permissions.through, "permissions"),
    ):
        m2m_changed.connect(
            _m2m_receiver(field), sender=through, dispatch_uid=f"audit_m2m_{field}", weak=False
        )


# ---------------------------------------------------------------------------------------
# Reading


def _field_label(model_label: str, name: str) -> str:
    if name == "password":
        return gettext("password")
    try:
        model = apps.get_model(model_label)
        return str(model._meta.get_field(name).verbose_name)
    except (LookupError, FieldDoesNotExist, ValueError):
        return name


def _model_label(model_label: str) -> str:
    try:
        return str(apps.get_model(model_label)._meta.verbose_name)
    except (LookupError, ValueError):
        return model_label


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if isinstance(value, list):
        return "、".join(_show(item) for item in value) or "—"
    return str(value)


def _changes(model_label: str, changes: dict[str, Any]) -> str:
    parts = []
    for name, pair in changes.items():
        label = _field_label(model_label, name)
        if name in SECRET_FIELDS:
            parts.append(gettext("%(field)s changed") % {"field": label})
            continue
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        parts.append(f"{label}: {_show(before)} → {_show(after)}")
    return "; ".join(parts)


def describe(event: SecurityEvent) -> str:
    """The event as a sentence in the active language."""
    data = event.data or {}
    kind = event.kind
    model = data.get("model", event.object_type)
    thing = {"type": _model_label(model), "object": event.object_repr}
    if kind == "login_failed":
        return gettext("Failed sign-in as “%(username)s”") % {"username": event.actor_name}
    if kind == "locked_out":
        return gettext("“%(username)s” locked out after repeated failures") % {"username": event.actor_name}
    if kind == "role_changed":
        if "changes" in data:
            return gettext("%(type)s “%(object)s”: %(changes)s") % {
                **thing,
                "changes": _changes(model, data["changes"]),
            }
        field = _field_label(model, data.get("field", ""))
        if data.get("added"):
            return gettext("%(type)s “%(object)s”: %(field)s added %(names)s") % {
                **thing,
                "field": field,
                "names": _group_names(data["added"]),
            }
        return gettext("%(type)s “%(object)s”: %(field)s removed %(names)s") % {
            **thing,
            "field": field,
            "names": _group_names(data.get("removed", [])),
        }
    if kind == "config_changed":
        return gettext("%(type)s “%(object)s” changed: %(changes)s") % {
            **thing,
            "changes": _changes(model, data.get("changes", {})),
        }
    if kind == "config_created":
        return gettext("%(type)s “%(object)s” added") % thing
    if kind == "config_deleted":
        return gettext("%(type)s “%(object)s” deleted") % thing
    if kind == "export":
        return gettext("Downloaded “%(filename)s” from %(path)s") % {
            "filename": data.get("filename", ""),
            "path": _path(data),
        }
    if kind == "superuser_request":
        return gettext("Superuser %(method)s %(path)s → %(status)s") % {
            "method": data.get("method", ""),
            "path": _path(data),
            "status": data.get("status", ""),
        }
    if kind in ("token_created", "token_revoked"):
        label = gettext("API key %(prefix)s… of %(user)s") % {
            "prefix": data.get("prefix", ""),
            "user": data.get("owner", event.object_repr),
        }
        return f"{event.get_kind_display()}: {label}"
    if kind == "lockout_released":
        return gettext("Lockout of “%(username)s” released") % {"username": data.get("locked_username", "")}
    if kind == "mfa_changed" and data.get("detail") in ("enrolled", "reset"):
        if data["detail"] == "enrolled":
            return gettext("Second factor enrolled for “%(object)s”") % thing
        return gettext("Second factor of “%(object)s” reset") % thing
    if kind == "purged":
        return gettext("%(count)s security-log rows older than %(days)s days removed") % {
            "count": data.get("count", 0),
            "days": data.get("days", ""),
        }
    text = str(event.get_kind_display())
    if event.object_repr:
        text += f": {event.object_repr}"
    if data.get("detail"):
        text += f" ({data['detail']})"
    return text


def _group_names(names: list[str]) -> str:
    """Role and duty groups by their label (“Department leader”), others as named."""
    from tracker.models import AdminDuty, Role

    labels = {**dict(Role.choices), **dict(AdminDuty.choices)}
    return "、".join(str(labels.get(name, name)) for name in names) or "—"


def _path(data: dict[str, Any]) -> str:
    path = str(data.get("path", ""))
    return f"{path}?{data['query']}" if data.get("query") else path
