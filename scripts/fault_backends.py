"""Delivery backends for scripts/fault_reminders.py and fault_notices.py, slowed down.

The workers of the fault-injection run load these (EMAIL_BACKEND / SMS_BACKEND) instead
of Django's file email backend and ``tracker.sms.FileSmsBackend``. The message is written
by the real backend; then the call sleeps FAULT_SEND_DELAY seconds, like a provider that
accepted a message and is slow to answer. ``responses.reminders.delivery.deliver`` calls the backend
between marking rows sent and committing, so a worker killed (or a database connection
terminated) during that sleep reproduces the one window where a message can go out twice.

Each message is noted in FAULT_SENDS_LOG (JSON lines: channel, key, reminder ids for
email, pid, process group, time) just before it is written, so that every copy in the
output has a note (a kill between note and write leaves a note without a copy, which is
harmless); the script uses the notes to aim its faults at sends in flight and to check
that every repeated copy was in flight when a fault struck.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

from tracker.sms import FileSmsBackend


def _note(record: dict[str, Any]) -> None:
    record.update(pid=os.getpid(), pgid=os.getpgrp(), t=time.time())
    line = json.dumps(record, ensure_ascii=False) + "\n"
    # A single write() on an O_APPEND file keeps lines from concurrent workers whole.
    fd = os.open(os.environ["FAULT_SENDS_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def _slow_answer() -> None:
    time.sleep(float(os.environ.get("FAULT_SEND_DELAY", "0")))


class SlowFileEmailBackend(FileEmailBackend):
    """Django's file backend, one folder per process under EMAIL_FILE_PATH.

    Django names each file after the second and ``id(backend)``, and forked pool children
    can repeat both: in one shared folder two processes' messages could interleave in
    one file.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("file_path", os.path.join(settings.EMAIL_FILE_PATH, str(os.getpid())))
        super().__init__(*args, **kwargs)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            ids = message.extra_headers.get("X-Tracker-Reminders", "")
            _note(
                {
                    "channel": "email",
                    "to": list(message.to),
                    "message_id": message.extra_headers.get("Message-ID", ""),
                    "ids": [int(i) for i in ids.split(",") if i],
                    "notice_ids": [
                        int(i) for i in message.extra_headers.get("X-Tracker-Notices", "").split(",") if i
                    ],
                }
            )
        sent = super().send_messages(email_messages)
        _slow_answer()
        return sent


class SlowFileSmsBackend(FileSmsBackend):
    def send(self, phone: str, text: str, *, key: str) -> None:
        _note({"channel": "sms", "phone": phone, "key": key})
        super().send(phone, text, key=key)
        _slow_answer()
