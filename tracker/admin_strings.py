"""Strings of Django 5.2's admin templates that Django's own zh_Hans catalogue does not
translate yet (the screen-reader headings of the admin index). Marked here so that
makemessages keeps them in this project's catalogue, which Django reads first."""

from __future__ import annotations

from django.utils.translation import gettext_noop

ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django-axes' models (its catalogue has no Chinese).
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)
