"""Separation of duties (三员分立): the system, security and audit administrators.

Each is an auth group (``AdminDuty``) holding only the permissions below; after every
``migrate`` (and in ``load_demo``) ``sync`` sets each group's permissions to exactly
these, so a permission added by hand is taken away again. Permissions of apps that are
not installed (django-otp's devices, django-axes' lockouts) are skipped until they are.

- The system administrator keeps accounts (names, contact details, department, active or
  not), departments, deputies, congresses with their sessions, categories and deadline
  rules. They cannot change anyone's groups, permissions, admin access or superuser flag.
- The security administrator decides who holds which role: a user's groups and
  permissions and admin-site access, the groups themselves, second-factor devices (a
  reset removes the device) and lockouts (releasing one removes the failed attempts).
  They cannot edit accounts, departments or rules, nor change their own roles.
- The audit administrator reads and downloads the security log and changes nothing.

No one holds two of these duties (the user form refuses it). The superuser can do
everything and is meant for break-glass only: each of its requests is logged.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

from tracker.models import AdminDuty

CONFIGURATION = ("congress", "deadlinerule", "session", "category", "department", "deputy")

DUTY_PERMISSIONS: dict[str, tuple[str, ...]] = {
    AdminDuty.SYSTEM: (
        "tracker.view_user",
        "tracker.add_user",
        "tracker.change_user",
        "tracker.manage_accounts",
        *(f"proposals.{action}_{model}" for model in CONFIGURATION for action in ("view", "add", "change")),
    ),
    AdminDuty.SECURITY: (
        "tracker.view_user",
        "tracker.change_user",
        "tracker.manage_roles",
        "auth.view_group",
        "auth.add_group",
        "auth.change_group",
        "auth.view_permission",
        "tracker.view_apitoken",
        # django-otp: a reset deletes the lost device, so the user enrols again.
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice",
        "otp_static.delete_staticdevice",
        # django-axes: releasing a lockout deletes the failed attempts.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
        "axes.view_accesslog",
    ),
    AdminDuty.AUDIT: (
        "tracker.view_securityevent",
        "admin.view_logentry",
    ),
}


def permissions_for(duty: str) -> list[Permission]:
    """The permissions of a duty that exist in this installation."""
    query = Q(pk__in=[])
    for name in DUTY_PERMISSIONS[duty]:
        app_label, _dot, codename = name.partition(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def sync() -> None:
    """Create the three groups if missing and give each exactly its permissions."""
    for duty in AdminDuty:
        group, _created = Group.objects.get_or_create(name=duty.value)
        wanted = {p.pk for p in permissions_for(duty)}
        held = set(group.permissions.values_list("pk", flat=True))
        if held - wanted:
            group.permissions.remove(*(held - wanted))
        if wanted - held:
            group.permissions.add(*(wanted - held))


def sync_after_migrate(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate is sent once per installed app, after that app's permissions are
    created; the last app's signal comes when every permission exists."""
    if using == DEFAULT_DB_ALIAS and sender.label == list(apps.get_app_configs())[-1].label:
        sync()


def duties_of(user: Any) -> set[str]:
    return {name for name in AdminDuty.values if name in getattr(user, "role_names", frozenset())}
