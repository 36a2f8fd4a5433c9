"""Where one page's time goes: CPU per request and a cProfile of a few requests.

Signs in as a user (staff by default, with the second step marked passed, as
bench_proposal_list.py does), requests the page once to warm up, times --repeat requests
by process CPU (PostgreSQL's own time is not in it: compare with the page's SQL from
bench_list_http.py), then profiles --profile more and prints the functions with the most
cumulative time.

    .venv/bin/python bench/profile_page.py /proposals/ \\
        --database-url postgres://postgres@127.0.0.1:5432/tracker_bench1m

Needs a database loaded by bench_proposal_list.py (its name must contain "bench").
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", default="/proposals/", help="the page (default /proposals/)")
    parser.add_argument("--user", default="staff")
    parser.add_argument("--repeat", type=int, default=10, help="requests timed by CPU (default 10)")
    parser.add_argument("--profile", type=int, default=5, help="requests profiled (default 5)")
    parser.add_argument("--lines", type=int, default=40, help="profile lines printed (default 40)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench"),
    )
    args = parser.parse_args(argv)
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("--database-url: the database name must contain 'bench'")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from tracker.models import User

    # Plain static storage: production's manifest storage would need collectstatic first.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        user = User.objects.get(username=args.user)
        client.force_login(user)
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name="benchmark", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        response = client.get(args.path)
        print(f"GET {args.path} as {args.user}: {response.status_code}, {len(response.content):,} bytes")
        if response.status_code != 200:
            return 1
        cpu = []
        for _ in range(args.repeat):
            started = time.process_time()
            client.get(args.path)
            cpu.append((time.process_time() - started) * 1000)
        print(
            f"CPU per request (this process, not PostgreSQL's): median {statistics.median(cpu):.1f} ms, "
            f"min {min(cpu):.1f} ms, max {max(cpu):.1f} ms over {args.repeat}"
        )
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.profile):
            client.get(args.path)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
