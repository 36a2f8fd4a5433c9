"""Every role's main journey in a real browser, at desk width and at phone width.

Chromium (Debian's, driven by Playwright) walks one suggestion from intake to the
deputy's rating, once at 1366 px and once at 390 px, each as the people who do it:

  staff      logs a suggestion and assigns a lead and a co-handling unit
  co-handler signs for its part (签收) and sends its opinion to the lead unit
  clerk      signs for the lead part and drafts a B reply with a promise
  leader     approves and sends the reply (审签并发出)
  deputy     reads the reply and rates it (on a phone at 390 px)
  consult    the lead deputy comments on a key suggestion's draft and consents to its
             publication; keyleader: the leader sends it; rate2: the deputy follows the
             progress page's link and rates in two parts (at 390 px; at 1366 px they only look)
  online     a deputy drafts a suggestion with two co-signers, who confirm; he submits it
             and staff accept it, giving it its number (phone width only)
  public     reads the published replies, a suggestion's progress and the statistics
  admin      opens the admin site
  supervision staff create a supervision theme (重点督办) of three suggestions from two
             units, record a site visit with an agreed action; the unit finds the action
             among its dated duties and reports it done; the special report downloads

On every page it fails on: an HTTP error, a console error or a page error, a request to
another host (government intranets are offline), content wider than the screen at phone
width, English words on a Chinese page, and accessibility violations that axe-core
(vendored in tests/browser/vendor) rates serious or critical under WCAG 2.1 A/AA.
Screenshots of every page go to --shots (a scratch folder by default). With
--update-screenshots each journey also writes its showcase moments, one screen each, to
docs/screenshots/journey-<role>-<what>-<width>.png (the README's "What it looks like").

Without --base-url it starts its own server: a fresh database (PostgreSQL when
--database-url is given, else SQLite in a scratch folder) with the demo data, static
files collected, gunicorn with DEBUG off. Exit status 0 only when every check passed.

    .venv/bin/python scripts/browser_journeys.py
    .venv/bin/python scripts/browser_journeys.py --database-url postgres://postgres@127.0.0.1:5432/tracker_browser
    .venv/bin/python scripts/browser_journeys.py --base-url http://127.0.0.1:8000  # a server already running
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "browser" / "vendor" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "demo"
# The demo's public authenticator key (proposals/demo.py, printed by load_demo): staff,
# leaders and administrators pass the second step with its current code.
DEMO_TOTP_KEY = base64.b32decode("DEMODEMODEMODEMODEMODEMODEMODEMO")


def totp(at: float | None = None) -> str:
    """The 6-digit RFC 6238 code of the demo key (30 s steps, SHA-1), as an app shows it."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(DEMO_TOTP_KEY, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{int.from_bytes(digest[offset : offset + 4], 'big') & 0x7FFFFFFF:06d}"[-6:]


WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}

# Words that may stand in a Chinese page: codes, formats and names that are written in
# Latin letters in Chinese too.
ALLOWED_LATIN = {
    "PDF", "Word", "Excel", "API", "Token", "OpenAPI", "JSON", "CSV", "xlsx", "docx", "zip", "txt",
    "English", "demo", "Django", "Ctrl", "Mac", "SMS", "TOTP", "ID", "IP", "URL", "QR", "DH", "PNG", "JPEG",
}  # fmt: skip
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_@.\-/])[A-Za-z]{3,}(?![A-Za-z0-9_@\-/])")


@dataclass
class Problem:
    journey: str
    width: str
    page: str
    what: str

    def __str__(self) -> str:
        return f"[{self.journey} @ {self.width}] {self.page}: {self.what}"


DOCS_SHOTS = ROOT / "docs" / "screenshots"


@dataclass
class Run:
    base: str
    shots: Path
    problems: list[Problem] = field(default_factory=list)
    pages: int = 0
    axe_source: str = ""
    docs: Path | None = None  # --update-screenshots: where the showcase screens go

    def problem(self, journey: str, width: str, page: str, what: str) -> None:
        self.problems.append(Problem(journey, width, page, what))


class Visit:
    """One person in one browser context at one width, with the checks attached."""

    def __init__(self, run: Run, browser: object, journey: str, width: str) -> None:
        self.run, self.journey, self.width = run, journey, width
        w, h = WIDTHS[width]
        self.context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": w, "height": h},
            device_scale_factor=1,
            is_mobile=width == "phone",
            has_touch=width == "phone",
            locale="zh-CN",
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.current = "(start)"
        host = urlsplit(run.base).netloc
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._fail(f"page error: {error}"))
        self.page.on("response", self._response)

        def route(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if urlsplit(url).netloc not in {host, ""} and not url.startswith(("data:", "blob:")):
                self._fail(f"request to another host: {url}")
                route.abort()  # type: ignore[attr-defined]
            else:
                route.continue_()  # type: ignore[attr-defined]

        self.page.route("**/*", route)

    def _fail(self, what: str) -> None:
        self.run.problem(self.journey, self.width, self.current, what)

    def _console(self, message: object) -> None:
        if message.type == "error":  # type: ignore[attr-defined]
            self._fail(f"console error: {message.text}")  # type: ignore[attr-defined]

    def _response(self, response: object) -> None:
        status = response.status  # type: ignore[attr-defined]
        if status >= 400:
            self._fail(f"HTTP {status} for {response.url}")  # type: ignore[attr-defined]

    # --- navigation -------------------------------------------------------------------

    def go(self, path: str) -> None:
        self.page.goto(self.run.base + path)
        self.check(path)

    def click(self, selector: str, *, expect_message: bool = False) -> None:
        self.page.locator(selector).first.click()
        self.page.wait_for_load_state()
        self.check(urlsplit(self.page.url).path)
        if expect_message and not self.page.locator(".messages").count():
            self._fail(f"no confirmation message after {selector}")

    def sign_in(self, username: str) -> None:
        self.go("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.locator('form[action="/accounts/login/"] [type=submit]').click()
        self.page.wait_for_load_state()
        if "/accounts/login/" in self.page.url:
            raise AssertionError(f"{username} could not sign in")
        # The second step: a code is accepted once, so a person signing in again within
        # the same 30 s (the desktop and the phone journeys) waits for the next code.
        for _attempt in range(3):
            if "/accounts/mfa/verify/" not in self.page.url:
                break
            self.check("/accounts/mfa/verify/")
            self.page.fill("input[name=code]", totp())
            self.page.locator('form[action="/accounts/mfa/verify/"] [type=submit]').click()
            self.page.wait_for_load_state()
            if "/accounts/mfa/verify/" in self.page.url:
                time.sleep(30 - time.time() % 30 + 1)
        else:
            raise AssertionError(f"{username} could not pass the second step")
        self.check(urlsplit(self.page.url).path)

    def close(self) -> None:
        self.context.close()

    def showcase(self, what: str, *, at: str | None = None) -> None:
        """With --update-screenshots: this screen, as the person sees it, for the README.
        ``at`` scrolls that element to the top first."""
        if self.run.docs is None:
            return
        if at is not None:
            self.page.locator(at).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        else:
            self.page.evaluate("() => window.scrollTo(0, 0)")
        name = f"journey-{self.journey}-{what}-{self.width}.png"
        self.page.screenshot(path=str(self.run.docs / name))

    # --- the checks on every page ---------------------------------------------------------

    def check(self, name: str) -> None:
        self.current = name
        self.run.pages += 1
        page = self.page
        page.wait_for_load_state("load")
        if self.width == "phone":
            overflow = page.evaluate(
                """() => {
                  const width = document.documentElement.clientWidth;
                  const wide = [...document.querySelectorAll('body *')].filter(e => {
                    const r = e.getBoundingClientRect();
                    if (r.width === 0 || r.right <= width + 1) return false;
                    // Content inside a scrolling box (a wide table in .table-wrap) is fine.
                    for (let p = e.parentElement; p; p = p.parentElement) {
                      const s = getComputedStyle(p);
                      if (['auto', 'scroll', 'hidden'].includes(s.overflowX)) return false;
                    }
                    return true;
                  });
                  return {scroll: document.documentElement.scrollWidth, width,
                          first: wide.slice(0, 3).map(e => e.tagName.toLowerCase() +
                                 (e.className ? '.' + String(e.className).split(' ')[0] : ''))};
                }"""
            )
            if overflow["scroll"] > overflow["width"] + 1 or overflow["first"]:
                self._fail(
                    f"wider than the screen: {overflow['scroll']} px > {overflow['width']} px "
                    f"({', '.join(overflow['first'])})"
                )
        lang = page.evaluate("() => document.documentElement.lang")
        if lang.startswith("zh"):
            text = page.evaluate(
                """() => {
                  const skip = 'script,style,code,pre,kbd,samp,[lang]:not(html),[translate=no],'
                    + '.latin-ok,.field-username';
                  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                  const out = [];
                  while (walker.nextNode()) {
                    const node = walker.currentNode;
                    if (node.parentElement.closest(skip)) continue;
                    out.push(node.textContent);
                  }
                  for (const e of document.querySelectorAll('[placeholder],[title],[aria-label]')) {
                    if (e.closest(skip)) continue;
                    out.push(e.getAttribute('placeholder') || '', e.getAttribute('title') || '',
                             e.getAttribute('aria-label') || '');
                  }
                  return out.join(' ');
                }"""
            )
            words = sorted({w for w in LATIN_WORD.findall(text) if w not in ALLOWED_LATIN})
            if words:
                self._fail(f"English on a Chinese page: {', '.join(words[:12])}")
        else:
            self._fail(f"page language is {lang!r}, not Chinese")
        page.evaluate(self.run.axe_source)
        result = page.evaluate(
            """async () => {
              const r = await axe.run(document, {runOnly: {type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']});
              return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' (' + v.nodes.slice(0, 3)
                  .map(n => n.target.join(' ')).join('; ') + ')');
            }"""
        )
        for violation in result:
            self._fail(f"accessibility: {violation}")
        slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "home"
        shot = self.run.shots / f"{self.journey}-{self.width}-{self.run.pages:03d}-{slug}.png"
        page.screenshot(path=str(shot), full_page=True)


# --- the journeys ---------------------------------------------------------------------------


def today() -> datetime.date:
    return datetime.datetime.now().astimezone().date()


@dataclass
class Suggestion:
    number: str
    url: str = ""


def staff_logs_and_assigns(visit: Visit, s: Suggestion) -> None:
    visit.sign_in("staff")
    visit.go("/proposals/new/")
    page = visit.page
    page.select_option("#id_congress", index=1)
    page.select_option("#id_session", label="深圳市第七届人民代表大会第六次会议")
    page.fill("#id_number", s.number)
    page.fill("#id_received_on", today().isoformat())
    page.fill("#id_title", "关于在坪山河碧道沿线增设便民驿站的建议")
    page.fill("#id_body", "坪山河碧道沿线缺少休息和饮水设施，建议结合碧道建设增设便民驿站。")
    page.select_option("#id_category", index=1)
    deputy = next(
        o for o in page.locator("#id_lead_deputy option").all_text_contents() if o.startswith("陈寿")
    )
    page.select_option("#id_lead_deputy", label=deputy)
    choose_in_chips(visit, "id_co_signers", "张三")
    visit.click("main form [type=submit]")
    s.url = urlsplit(page.url).path
    if not re.fullmatch(r"/proposals/\d+/", s.url):
        raise AssertionError(f"the new suggestion was not saved: {page.url}")
    visit.click("main a:has-text('交办')")
    page.select_option("#id_lead", label="深圳市龙岗区人民政府")
    choose_in_chips(visit, "id_co", "龙岗区水务局")
    visit.showcase("assign", at="main form")
    visit.click("main form [type=submit]", expect_message=True)
    if "龙岗区水务局" not in page.content():
        visit._fail("the co-handling unit chosen in the search box was not assigned")
    visit.go("/proposals/")
    first_row = page.locator("table.proposal-table tbody tr").first.bounding_box()
    if first_row is None or first_row["y"] >= WIDTHS[visit.width][1]:
        visit._fail(f"the first suggestion is below the first screen ({first_row})")
    visit.showcase("list")
    visit.go("/statistics/")


def choose_in_chips(visit: Visit, select_id: str, name: str) -> None:
    """Pick an option of a searchable multiple select by typing, with the keyboard only."""
    page = visit.page
    search = page.locator(f"#{select_id}-search")
    search.fill(name[:3])
    search.press("ArrowDown")
    search.fill(name)
    search.press("Enter")
    search.press("Escape")  # close the list of matches, as one does before moving on
    chips = page.locator(f"#{select_id}-search").locator("xpath=..").locator(".chip")
    if name not in " ".join(chips.all_text_contents()):
        visit._fail(f"typing {name} and Enter did not choose it in #{select_id}")


def co_handler_sends_opinion(visit: Visit, s: Suggestion) -> None:
    visit.sign_in("longgang-water-clerk")
    visit.go("/proposals/queue/")
    visit.go(s.url)
    visit.click("form[action$='/accept/'] button", expect_message=True)
    visit.click("main a[href$='/opinion/']")
    visit.page.fill("textarea[name=body]", "我局将在碧道沿线既有设施中预留饮水点，配合主办单位推进驿站选址。")
    visit.click("main form [type=submit]", expect_message=True)
    visit.showcase("opinion-sent")


def clerk_drafts_reply(visit: Visit, s: Suggestion) -> None:
    visit.sign_in("clerk")
    visit.go("/proposals/queue/")
    visit.go(s.url)
    visit.click("form[action$='/accept/'] button", expect_message=True)
    visit.click("main a[href$='/reply/']")
    page = visit.page
    page.fill("textarea[name=body]", "一、关于便民驿站\n我区已将坪山河碧道沿线便民驿站纳入2027年建设计划。")
    page.check("input[name=grade][value=B]")
    page.check("input[name=publicity][value=public]")
    page.fill("input[name=contact_name]", "杨郁波")
    page.fill("input[name=contact_phone]", "0755-28949000")
    page.fill("textarea[name=commitments-0-description]", "完成碧道沿线三处便民驿站选址")
    due = today() + datetime.timedelta(days=120)
    page.fill("input[name=commitments-0-due_on]", due.isoformat())
    page.select_option("select[name=commitments-0-department]", label="深圳市龙岗区人民政府")
    # A third promise, on a row added with the button (two empty rows come with the form).
    page.click("[data-formset-add=commitments]")
    page.fill("textarea[name=commitments-2-description]", "驿站建成后纳入碧道日常管养")
    page.fill("input[name=commitments-2-due_on]", (due + datetime.timedelta(days=90)).isoformat())
    page.select_option("select[name=commitments-2-department]", label="深圳市龙岗区人民政府")
    visit.showcase("reply-promises", at="[data-formset-add=commitments]")
    visit.click("button[name=submit]", expect_message=True)
    if "驿站建成后纳入碧道日常管养" not in page.content():
        visit._fail("the promise on the added row was not saved")


def leader_sends_reply(visit: Visit, s: Suggestion) -> None:
    visit.sign_in("leader")
    visit.go("/proposals/queue/")
    visit.go(s.url)
    visit.click("main a[href^='/responses/']:has-text('查看')")
    visit.showcase("reply-to-send")
    visit.page.once("dialog", lambda dialog: dialog.accept())
    visit.click("form[action$='/approve/'] button", expect_message=True)


def deputy_rates(visit: Visit, s: Suggestion) -> None:
    visit.sign_in("deputy")
    visit.go("/proposals/mine/")
    visit.go(s.url)
    visit.click("main a[href^='/responses/']:has-text('查看')")
    page = visit.page
    if page.locator("input[name=communication]").count():  # the demo congress rates in two parts
        page.check("input[name=communication][value=satisfied]")
    page.check("input[name=rating][value=satisfied]")
    page.fill("textarea[name=comment]", "答复具体，期待驿站早日建成。")
    visit.showcase("rating", at="form[action$='/feedback/']")
    visit.click("form[action$='/feedback/'] [type=submit]", expect_message=True)
    visit.go("/responses/commitments/")
    visit.showcase("promises")


# The demo's key suggestion whose draft reply awaits 陈寿's comments (responses/demo_consultation.py).
KEY_SUGGESTION = "20250095"


def deputy_answers_draft(visit: Visit, s: Suggestion) -> None:
    """The lead deputy reads the draft and, on the phone, comments and consents to
    publication (at desk width the draft is only read, so that the phone run finds it)."""
    visit.sign_in("deputy")
    visit.go("/proposals/mine/")
    visit.click(f"main a:has-text('{KEY_SUGGESTION}')")
    visit.click("main a[href^='/responses/consultations/']")
    if visit.width != "phone":
        return
    page = visit.page
    page.fill("textarea[name=comment]", "同意答复内容，建议写明养老护理院的开工时间。")
    page.check("input[name=consent][value=yes]")
    visit.click("main form [type=submit]", expect_message=True)


def leader_sends_consulted_reply(visit: Visit, s: Suggestion) -> None:
    """The leader reads the deputy's comment and, once answered (the phone run), sends."""
    visit.sign_in("leader")
    visit.go("/proposals/queue/")
    visit.click(f"main a:has-text('{KEY_SUGGESTION}')")
    visit.click("main a[href^='/responses/']:has-text('查看')")
    if visit.width != "phone":
        return
    if "同意答复内容" not in visit.page.content():
        visit._fail("the deputy's comment is not on the approval page")
    visit.page.once("dialog", lambda dialog: dialog.accept())
    visit.click("form[action$='/approve/'] button", expect_message=True)


def deputy_rates_in_two_parts(visit: Visit, s: Suggestion) -> None:
    """The deputy follows the progress page's "rate this reply" link and rates in two parts."""
    visit.sign_in("deputy")
    visit.go("/proposals/mine/")
    visit.click(f"main a:has-text('{KEY_SUGGESTION}')")
    if visit.width != "phone":
        return
    visit.click("main a[href$='/feedback/']")
    page = visit.page
    page.check("input[name=communication][value=satisfied]")
    page.check("input[name=rating][value=basically]")
    page.fill("textarea[name=comment]", "沟通充分；期待养老护理院早日开工。")
    visit.click("main form[action$='/feedback/'] [type=submit]", expect_message=True)


def public_reads(visit: Visit, s: Suggestion) -> None:
    visit.go("/public/")
    visit.click("main table a[href^='/public/replies/']")
    visit.showcase("reply")
    visit.go("/public/progress/?number=20240493")
    visit.showcase("progress")
    visit.go("/public/statistics/")


def admin_opens_admin(visit: Visit, s: Suggestion) -> None:
    visit.sign_in("admin")
    visit.go("/admin/")
    visit.showcase("home")
    visit.go("/admin/tracker/user/")


# Three demo suggestions of two units (proposals/demo.py): 龙岗区政府 leads the first two,
# 龙岗区发展和改革局 the third.
THEME_NUMBERS = ("20269009", "20269010", "20269015")


def supervision(visit: Visit, s: Suggestion) -> None:
    """Staff run a theme; the unit of the agreed action sees and reports it."""
    page = visit.page
    visit.sign_in("staff")
    visit.go("/supervision/")
    visit.click("main a[href='/supervision/new/']")
    title = f"推进龙岗区产业空间和低碳发展（{s.number}）"
    page.fill("#id_title", title)
    page.select_option("#id_congress", index=1)
    page.fill("#id_year", str(today().year))
    page.select_option("#id_kind", value="key")
    page.fill("#id_supervising_leader", "市人大常委会副主任（演示）")
    page.select_option("#id_lead_department", label="深圳市龙岗区人民政府")
    page.select_option("#id_other_departments", label="龙岗区发展和改革局")
    page.fill("#id_plan", "一、制定办理方案；\n二、开展实地视察；\n三、形成专题报告。")
    visit.click("main form [type=submit]", expect_message=True)
    theme_url = urlsplit(page.url).path
    if not re.fullmatch(r"/supervision/\d+/", theme_url):
        raise AssertionError(f"the theme was not saved: {page.url}")
    page.fill("#id_numbers", " ".join(THEME_NUMBERS))
    visit.click("form[action$='/suggestions/'] [type=submit]", expect_message=True)
    for number in THEME_NUMBERS:
        if number not in page.content():
            visit._fail(f"suggestion {number} is not in the theme")
    visit.click("main a[href$='/activities/new/']")
    page.select_option("#id_kind", value="site_visit")
    page.fill("#id_held_on", (today() - datetime.timedelta(days=1)).isoformat())
    page.fill("#id_place", "宝龙街道“工业上楼”试点项目现场")
    page.fill("#id_attendees", "市人大常委会副主任、领衔代表、龙岗区政府和区发展改革局负责同志")
    page.fill("#id_agreed", "区发展改革局两周内报送屋顶分布式光伏开发实施方案。")
    visit.click("main form [type=submit]", expect_message=True)
    page.locator("#activities details.action-form summary").last.click()
    form = page.locator("form[action$='/actions/']").last
    form.locator("select[name=department]").select_option(label="龙岗区发展和改革局")
    option = form.locator("select[name=proposal] option", has_text=THEME_NUMBERS[2]).first
    form.locator("select[name=proposal]").select_option(value=option.get_attribute("value"))
    form.locator("textarea[name=description]").fill(f"报送屋顶分布式光伏开发实施方案（{s.number}）")
    form.locator("input[name=due_on]").fill((today() + datetime.timedelta(days=14)).isoformat())
    visit.click("form[action$='/actions/'] [type=submit] >> nth=-1", expect_message=True)
    visit.go(theme_url.rstrip("/") + "/report/")
    with page.expect_download() as download:
        page.locator("main a[href$='/report.docx']").click()
    path = download.value.path()
    if path is None or not Path(path).read_bytes().startswith(b"PK"):
        visit._fail("the special report is not a .docx")

    unit = Visit(visit.run, visit.context.browser, visit.journey, visit.width)
    try:
        unit.sign_in("longgang-drc-clerk")
        unit.go("/supervision/")
        action = unit.page.locator("#own-actions a", has_text=s.number)
        if not action.count():
            unit._fail("the unit does not see the action agreed for it")
            return
        unit.click(f"#own-actions a:has-text('{s.number}')")
        unit.page.locator("#activities details.action-form summary").first.click()
        unit.page.locator("form[action$='/report/'] textarea[name=report]").first.fill(
            "实施方案已报送区政府。"
        )
        unit.click("form[action$='/report/'] [type=submit]", expect_message=True)
    finally:
        unit.close()


def deputies_submit_online(visit: Visit, s: Suggestion) -> None:
    """陈寿 drafts a suggestion on his phone and invites 张三 and 李四, who confirm on theirs;
    he submits it; staff accept it and it gets its number (代表网上提交建议)."""
    title = f"关于在坪山河碧道沿线增设母婴室的建议（{s.number}）"
    visit.sign_in("deputy")  # a deputy lands on 待我处理
    page = visit.page
    visit.click("main a[href$='/submissions/new/']")
    page.select_option("#id_category", index=1)
    page.fill("#id_title", title)
    page.fill("#id_body", "坪山河碧道沿线人流量大，但缺少母婴室，哺乳期家长出行不便。建议增设母婴室。")
    page.check(".cosigner-choices label:has-text('张三') input")
    page.check(".cosigner-choices label:has-text('李四') input")
    visit.click("main form [type=submit]", expect_message=True)
    url = urlsplit(page.url).path
    if not re.fullmatch(r"/proposals/submissions/\d+/", url):
        raise AssertionError(f"the draft was not saved: {page.url}")
    visit.click("form[action$='/invite/'] button", expect_message=True)
    browser = visit.context.browser
    for username in ("deputy-a", "deputy-b"):
        co_signer = Visit(visit.run, browser, visit.journey, visit.width)
        try:
            co_signer.sign_in(username)
            co_signer.click(f"main #invitations a:has-text('{title}')")
            co_signer.click("form[action$='/cosign/'] button[value=confirm]", expect_message=True)
        finally:
            co_signer.close()
    visit.go(url)
    visit.click("form[action$='/submit/'] button", expect_message=True)
    staff = Visit(visit.run, browser, visit.journey, visit.width)
    try:
        staff.sign_in("staff")
        staff.go("/proposals/submissions/")
        staff.click(f"main a:has-text('{title}')")
        staff.click("form[action$='/accept/'] button", expect_message=True)
        number = staff.page.locator("main .page-header").inner_text()
        if "已立案" not in number:
            staff._fail("the accepted submission shows no number")
        staff.click("main .page-header a[href^='/proposals/']")
    finally:
        staff.close()


JOURNEYS: list[tuple[str, Callable[[Visit, Suggestion], None]]] = [
    ("staff", staff_logs_and_assigns),
    ("cohandler", co_handler_sends_opinion),
    ("clerk", clerk_drafts_reply),
    ("leader", leader_sends_reply),
    ("deputy", deputy_rates),
    ("consult", deputy_answers_draft),
    ("keyleader", leader_sends_consulted_reply),
    ("rate2", deputy_rates_in_two_parts),
    ("online", deputies_submit_online),
    ("public", public_reads),
    ("admin", admin_opens_admin),
    ("supervision", supervision),
]


# Journeys made on a phone only (a deputy's).
PHONE_ONLY = {"online"}


def walk(run: Run, widths: list[str], only: set[str]) -> None:
    from playwright.sync_api import sync_playwright

    run.axe_source = AXE.read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        # A number not in the demo data (20269001 …), different on each run against one server.
        stamp = 5000 + (int(time.time()) // 10 * 2) % 4000
        for n, width in enumerate(widths):
            suggestion = Suggestion(number=f"2026{stamp + n}")
            for name, journey in JOURNEYS:
                if (only and name not in only) or (name in PHONE_ONLY and width != "phone"):
                    continue
                visit = Visit(run, browser, name, width)
                started = time.monotonic()
                try:
                    journey(visit, suggestion)
                except Exception as error:  # noqa: BLE001 - any failure is reported and the run goes on
                    visit._fail(f"journey stopped: {type(error).__name__}: {str(error).splitlines()[0]}")
                finally:
                    visit.close()
                print(f"  {name:<10} {width:<7} {time.monotonic() - started:5.1f} s", flush=True)
        browser.close()


# --- a server of its own ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def own_server(database_url: str | None) -> Iterator[str]:
    scratch = Path(tempfile.mkdtemp(prefix="journeys-"))
    env = dict(os.environ)
    env.pop("CELERY_BROKER_URL", None)  # the demo's tasks go to a broker folder in the scratch dir
    # kombu's filesystem transport does not create its folders (make run does, for var/).
    for folder in ("broker/processed", "broker/control"):
        (scratch / folder).mkdir(parents=True, exist_ok=True)
    env.update(
        TRACKER_VAR_DIR=str(scratch),
        STATIC_ROOT=str(scratch / "static"),
        SECRET_KEY="browser-journeys-only-not-a-secret",
        ALLOWED_HOSTS="127.0.0.1",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
    )
    if database_url:
        name = urlsplit(database_url).path.lstrip("/")
        if "browser" not in name:
            raise SystemExit(
                "--database-url: the database is dropped first, so its name must contain 'browser'"
            )
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    python = str(ROOT / ".venv" / "bin" / "python")
    # load_demo is for development databases (DEBUG on); the server runs with DEBUG off.
    for command, debug in (
        (["migrate", "--noinput", "-v0"], "true"),
        (["load_demo"], "true"),
        # The manifest of hashed names that the server (DEBUG off) reads.
        (["collectstatic", "--noinput", "-v0"], "false"),
    ):
        subprocess.run(
            [python, "manage.py", *command],
            cwd=ROOT,
            env=dict(env, DEBUG=debug),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    log = (scratch / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "3", "--log-level", "warning"],
        cwd=ROOT, env=dict(env, DEBUG="false"), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:  # a busy machine: the verdict matters more than a clean stop
            server.kill()
            server.wait()
        log.close()
        if server.returncode not in (0, -15):
            print((scratch / "gunicorn.log").read_text())
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", help="a server already running with the demo data")
    parser.add_argument("--database-url", help="PostgreSQL database for the server this script starts")
    parser.add_argument("--shots", type=Path, help="folder for screenshots (default: a scratch folder)")
    parser.add_argument(
        "--update-screenshots",
        action="store_true",
        help="also write each journey's showcase screens to docs/screenshots/journey-*.png",
    )
    parser.add_argument("--widths", default="desktop,phone", help="desktop, phone or both")
    parser.add_argument("--only", default="", help="journeys to run, comma-separated (default all)")
    parser.add_argument("--json", type=Path, help="write the problems found as JSON here")
    args = parser.parse_args()

    shots = args.shots or Path(tempfile.mkdtemp(prefix="journey-shots-"))
    shots.mkdir(parents=True, exist_ok=True)
    docs = DOCS_SHOTS if args.update_screenshots else None
    widths = [w.strip() for w in args.widths.split(",") if w.strip()]
    only = {j.strip() for j in args.only.split(",") if j.strip()}

    started = time.monotonic()
    if args.base_url:
        run = Run(base=args.base_url.rstrip("/"), shots=shots, docs=docs)
        walk(run, widths, only)
    else:
        with own_server(args.database_url) as base:
            print(f"Server ready after {time.monotonic() - started:.0f} s at {base}", flush=True)
            run = Run(base=base, shots=shots, docs=docs)
            walk(run, widths, only)
    elapsed = time.monotonic() - started
    for problem in run.problems:
        print(f"FAIL {problem}")
    if args.json:
        args.json.write_text(
            json.dumps([problem.__dict__ for problem in run.problems], ensure_ascii=False, indent=1)
        )
    verdict = "PASSED" if not run.problems else f"FAILED: {len(run.problems)} problems"
    print(f"{run.pages} pages checked in {elapsed:.0f} s, screenshots in {shots}. {verdict}")
    return 0 if not run.problems else 1


if __name__ == "__main__":
    sys.exit(main())
