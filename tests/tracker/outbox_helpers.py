"""Helpers for tests of the outbox against a real broker: a redis-server of the test's
own on a free port (stalled with SIGSTOP), and publishing to it for real instead of
running tasks in-process."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import override_settings

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def refused_broker_url() -> str:
    """A Redis URL on a port where nothing listens: every publish is refused at once."""
    return f"redis://127.0.0.1:{free_port()}/0"


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """The outbox publishes to ``url`` for real (the suite otherwise runs tasks in-process)."""
    from tracker.celery import app

    app.conf.task_always_eager = False
    try:
        with override_settings(OUTBOX_BROKER_URL=url, OUTBOX_DRAIN_AFTER=0):
            yield
    finally:
        app.conf.task_always_eager = True


class RedisServer:
    """A redis-server of the test's own, on a free port, with no persistence."""

    def __init__(self) -> None:
        assert REDIS_SERVER is not None
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.ping():
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.05)

    def client(self) -> Any:
        import redis

        return redis.Redis(port=self.port, socket_timeout=2)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def stall(self) -> None:
        """The server stops answering, its port still accepting connections (SIGSTOP)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.process.kill()
        self.process.wait()

    def flush(self) -> None:
        self.client().flushall()

    def queued_tasks(self, queue: str = "celery") -> list[tuple[str, list[Any]]]:
        """(task name, arguments) of every message waiting in the Celery queue."""
        tasks = []
        for raw in self.client().lrange(queue, 0, -1):
            message = json.loads(raw)
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            tasks.append((message["headers"]["task"], args))
        return tasks
