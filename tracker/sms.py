"""Text messages through a small, pluggable backend (design.md §5).

``settings.SMS_BACKEND`` names the class. The default logs each message; the file
backend appends JSON lines (for development and the fault-injection script); the HTTP
backend posts JSON to a provider's gateway with the settings below. Every message
carries a stable ``key`` that a provider can use to drop a repeated submission.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("tracker.sms")


class SmsBackend(Protocol):
    def send(self, phone: str, text: str, *, key: str) -> None: ...


class LoggingSmsBackend:
    """Writes each message to the log instead of sending it (the default)."""

    def send(self, phone: str, text: str, *, key: str) -> None:
        logger.info("SMS to %s [%s]: %s", phone, key, text)


# Messages sent through LocmemSmsBackend, for tests (like django.core.mail.outbox).
outbox: list[dict[str, str]] = []


class LocmemSmsBackend:
    """Keeps messages in ``tracker.sms.outbox``; for tests."""

    def send(self, phone: str, text: str, *, key: str) -> None:
        outbox.append({"phone": phone, "text": text, "key": key})


class FileSmsBackend:
    """Appends one JSON line per message to ``settings.SMS_FILE_PATH``."""

    def send(self, phone: str, text: str, *, key: str) -> None:
        line = json.dumps({"phone": phone, "text": text, "key": key}, ensure_ascii=False) + "\n"
        # One write() of an O_APPEND file is atomic enough for concurrent workers.
        fd = os.open(settings.SMS_FILE_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


class HttpSmsBackend:
    """Posts {"phone", "text", "key", "sign"} as JSON to ``SMS_HTTP_URL`` with a bearer token.

    Most Chinese SMS gateways (and an intranet relay in front of them) accept a JSON
    POST like this; a provider needing its own SDK gets its own small backend class.
    """

    def send(self, phone: str, text: str, *, key: str) -> None:
        payload = {"phone": phone, "text": text, "key": key, "sign": settings.SMS_SIGN_NAME}
        request = urllib.request.Request(
            settings.SMS_HTTP_URL,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
            if response.status >= 300:
                raise OSError(f"SMS gateway answered HTTP {response.status}")


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str, *, key: str) -> None:
    get_backend().send(phone, text, key=key)
