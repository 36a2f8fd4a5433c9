from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tracker import audit, duties

        audit.connect()
        # After every migrate: the three administrators' groups hold exactly their
        # permissions, including those of apps installed since (django-otp, django-axes).
        post_migrate.connect(duties.sync_after_migrate, dispatch_uid="tracker_sync_duties")

        # Role groups are named by their code (congress_staff …), which the code looks them
        # up by; people read them by the role's name, in the admin's lists, filters and
        # pickers alike.
        from django.contrib.auth.models import Group

        from tracker.models import AdminDuty, Role

        def group_name(group: Group) -> str:
            if group.name in Role.values:
                return str(Role(group.name).label)
            if group.name in AdminDuty.values:
                return str(AdminDuty(group.name).label)
            return group.name

        Group.__str__ = group_name  # type: ignore[method-assign,assignment]

        # The sign-in apps name themselves in English only (django-axes' models are
        # translatable, its app and django-otp's devices are not): give them Chinese names.
        from django.apps import apps

        names = {
            "axes": _("Sign-in records"),
            "otp_static": _("Recovery codes"),
            "otp_totp": _("Authenticator apps"),
            "django_otp": _("Two-step verification"),
        }
        for label, name in names.items():
            if label in apps.app_configs:
                apps.get_app_config(label).verbose_name = name
        devices = {
            ("otp_static", "staticdevice"): (_("recovery code set"), _("recovery code sets")),
            ("otp_totp", "totpdevice"): (_("authenticator app"), _("authenticator apps")),
        }
        for (app_label, model_name), (singular, plural) in devices.items():
            if app_label in apps.app_configs:
                meta = apps.get_model(app_label, model_name)._meta
                meta.verbose_name, meta.verbose_name_plural = singular, plural

        from django.contrib.auth.signals import user_logged_in

        from tracker.middleware import start_session_clock

        # Whatever signs the user in (the login page, the admin's, a second factor later).
        user_logged_in.connect(start_session_clock, dispatch_uid="tracker_start_session_clock")


class TrackerAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site behind two-step verification."""

    default = False
    default_site = "tracker.admin_site.TrackerAdminSite"
