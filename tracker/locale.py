"""The office's language wins over the browser's.

A clerk's browser often prefers English (an English Windows, a phone bought abroad) while
the office works in Chinese. Django's LocaleMiddleware would follow the browser's
Accept-Language; this one follows, in order, the language the user chose with the
switcher in the page header (the language cookie set by Django's ``set_language`` view)
and then the office's ``LANGUAGE_CODE``. ``LANGUAGE_FROM_BROWSER = True`` restores
Django's behaviour for a deployment that wants it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def chosen_language(request: HttpRequest) -> str:
    """The language for this request: the user's choice if valid, else the office's."""
    if getattr(settings, "LANGUAGE_FROM_BROWSER", False):
        return translation.get_language_from_request(request)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie:
        try:
            return translation.get_supported_language_variant(cookie)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class OfficeLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
