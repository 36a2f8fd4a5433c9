"""Every URL of the site, for every persona: the URL × role matrix (issue 13).

The URLs come from the resolver (every pattern, the admin and the API included); each is
reversed with the fixture's real objects (PersonaFixture, tests/workflow/test_personas.py)
and requested with GET and HEAD as each persona. MATRIX below declares what each persona
gets; a URL the resolver knows and MATRIX does not fails the test by name, so a new page
cannot ship without someone deciding who may open it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin import site as admin_site
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from proposals.models import DeadlineRule, Deputy, Proposal, Rule, SpreadsheetImport, Submission
from responses.models import ArchivedLetter, Consultation, LetterImport, LetterImportFile
from tests.base import make_user
from tests.proposals.test_spreadsheet_import import row as sheet_row
from tests.proposals.test_spreadsheet_import import stage, workbook
from tests.responses.test_supervision import make_matrix_theme
from tests.workflow.test_personas import PersonaFixture
from tracker.deadlines import Unit
from tracker.models import ApiToken, MfaReset, Notification, OutboxMessage, Role, User

# Outcomes besides a status code: a redirect to the sign-in page (of the site or of the
# admin), with ?next= the page asked for; any other redirect.
LOGIN = "login"
ADMIN_LOGIN = "admin login"
MOVED = "302"

# The columns of MATRIX: the fixture's personas, seen from its suggestions S1–S4.
PERSONAS = (
    "anonymous",  # not signed in
    "staff",  # congress staff
    "clerk",  # clerk of the lead unit of S1 (a separate unit of S2)
    "leader",  # leader of that unit
    "co_clerk",  # clerk of S1's co-handling unit
    "b_clerk",  # clerk of a separate unit of S2 (its own reply, returned by its leader)
    "c_clerk",  # clerk of the unit S3 was withdrawn from
    "outsider",  # clerk of a unit with no part in any suggestion
    "deputy_user",  # lead deputy of S1 and S2
    "other_deputy_user",  # co-signer of S1 (and lead deputy of S3)
    "lone_deputy",  # a deputy of none of them
    "dual",  # deputy of S4 and clerk of S1's lead unit
    "admin",  # superuser, the only one the admin site lets in
)


# Rows shared by many URLs. A row lists the outcome for each persona, in PERSONAS' order.
EVERYONE = (200,) * 13
SIGNED_IN = (LOGIN,) + (200,) * 12
POST_ONLY = (LOGIN,) + (405,) * 12  # actions: GET is refused before anything is looked up
STAFF_ONLY = (LOGIN, 200) + (403,) * 10 + (200,)
ADMIN_PAGE = (ADMIN_LOGIN,) * 12 + (200,)


def admin_model(
    model: str, *, add: Any = 200, delete: Any = 200, change: Any = 200
) -> dict[str, tuple[Any, ...]]:
    """The six URLs the admin gives a registered model (``app.model``)."""
    app, name = model.split(".")
    return {
        f"admin:{app}_{name}_changelist": ADMIN_PAGE,
        f"admin:{app}_{name}_add": (ADMIN_LOGIN,) * 12 + (add,),
        f"admin:{app}_{name}_history": (ADMIN_LOGIN,) * 12 + (change,),
        f"admin:{app}_{name}_delete": (ADMIN_LOGIN,) * 12 + (delete,),
        f"admin:{app}_{name}_change": (ADMIN_LOGIN,) * 12 + (change,),
        # The old /admin/<app>/<model>/<pk>/ address, kept by Django as a redirect.
        f"admin/{app}/{name}/<path:object_id>/": (ADMIN_LOGIN,) * 12 + (MOVED,),
    }


# What each persona gets from a GET (and a HEAD) of each URL. A key is a URL name, or for a
# pattern without a name its route; after a space, the label of the fixture object it is
# reversed with (UrlMatrixTests.objects), or a query string (the Excel exports). Outcomes:
# a status code, LOGIN / ADMIN_LOGIN (a redirect to sign in) or MOVED (any other redirect).
# fmt: off
MATRIX: dict[str, tuple[Any, ...]] = {
    #                                  anonym  staff  clerk  leader co     sep    wdrawn other  deputy cosign lone   dual   admin
    "home":                           (MOVED,  MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    "login":                          EVERYONE,
    "logout":                         (405,) * 13,  # signing out is a POST
    "session_status":                 EVERYONE,  # the countdown asks; anonymous: signed_in false
    "password_change":                SIGNED_IN,
    "password_change_done":           SIGNED_IN,
    "password_reset":                 EVERYONE,
    "password_reset_done":            EVERYONE,
    "password_reset_confirm":         EVERYONE,  # with a wrong token: "the link is invalid"
    "password_reset_complete":        EVERYONE,
    "set_language":                   (MOVED,) * 13,
    "reminder_settings":              SIGNED_IN,
    "mfa_settings":                   SIGNED_IN,
    # Everyone here is verified or needs no second factor: the step sends them on.
    "mfa_verify":                     (LOGIN,) + (MOVED,) * 12,
    # Enrolling (again) is for those who use a second factor: staff, leaders, the admin.
    "mfa_enrol":                      (LOGIN,  200,   MOVED, 200,   MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, 200),
    "mfa_recovery_codes":             (LOGIN,) + (MOVED,) * 12,  # shown once, right after enrolling
    "mfa_reset":                      (LOGIN,) + (403,) * 11 + (200,),  # tracker.reset_mfa
    "api_token":                      SIGNED_IN,
    "api_token_create":               POST_ONLY,
    "api_token_revoke":               POST_ONLY,
    "inbox":                          SIGNED_IN,
    "inbox_open N":                   (LOGIN,  404,   404,   404,   404,   MOVED, 404,   404,   404,   404,   404,   404,   404),
    "inbox_mark_read":                POST_ONLY,
    "favicon":                        (301,) * 13,
    "health":                         (403,    200,   403,   403,   403,   403,   403,   403,   403,   403,   403,   403,   200),
    # Suggestions
    "proposals:list":                 SIGNED_IN,
    "proposals:create":               STAFF_ONLY,
    # The filter bar's searchable selects: staff and department users, not deputies.
    "proposals:choices deputies":     (LOGIN,  200,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   200),
    "proposals:choices departments":  (LOGIN,  200,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   200),
    "proposals:queue":                (LOGIN,  403,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   403),
    # Excel exports: for staff and departments, never for deputies.
    "proposals:list ?format=xlsx":    (LOGIN,  200,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   200),
    "proposals:queue ?format=xlsx":   (LOGIN,  403,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   403),
    "proposals:mine":                 (LOGIN,  403,   403,   403,   403,   403,   403,   403,   200,   200,   200,   200,   403),
    # Suggestions submitted online: SUB1 is 陈寿's, awaiting his co-signer 王芳 (a draft to
    # everyone else, staff included); SUB2 is 王芳's, submitted and waiting for staff.
    "proposals:todo":                 (LOGIN,  403,   403,   403,   403,   403,   403,   403,   200,   200,   200,   200,   403),
    "proposals:submissions":          (LOGIN,  200,   403,   403,   403,   403,   403,   403,   200,   200,   200,   200,   200),
    "proposals:submission_create":    (LOGIN,  403,   403,   403,   403,   403,   403,   403,   200,   200,   200,   200,   403),
    "proposals:submission SUB1":      (LOGIN,  404,   404,   404,   404,   404,   404,   404,   200,   200,   404,   404,   404),
    "proposals:submission SUB2":      (LOGIN,  200,   404,   404,   404,   404,   404,   404,   404,   200,   404,   404,   200),
    # Invitations are out: the draft can no longer be edited (back to it with a message).
    "proposals:submission_edit SUB1": (LOGIN,  404,   404,   404,   404,   404,   404,   404,   MOVED, 403,   404,   404,   404),
    "proposals:submission_invite SUB1": POST_ONLY,
    "proposals:submission_submit SUB1": POST_ONLY,
    "proposals:submission_withdraw SUB1": POST_ONLY,
    "proposals:submission_cosign SUB1": POST_ONLY,
    "proposals:submission_accept SUB2": POST_ONLY,
    "proposals:submission_return SUB2": POST_ONLY,
    "proposals:recurring":            STAFF_ONLY,
    "proposals:import":               STAFF_ONLY,
    "proposals:import_detail XI":     STAFF_ONLY,
    "proposals:import_confirm XI":    POST_ONLY,
    "proposals:import_discard XI":    POST_ONLY,
    "proposals:import_retry XI":      POST_ONLY,
    "proposals:detail S1":            (LOGIN,  200,   200,   200,   200,   404,   404,   404,   200,   200,   404,   200,   200),
    "proposals:detail S2":            (LOGIN,  200,   200,   200,   404,   200,   404,   404,   200,   404,   404,   200,   200),
    "proposals:detail S3":            (LOGIN,  200,   404,   404,   404,   404,   200,   404,   404,   200,   404,   404,   200),
    "proposals:detail S4":            (LOGIN,  200,   404,   404,   200,   404,   404,   404,   404,   404,   404,   200,   200),
    "proposals:assign S1":            (LOGIN,  200,   403,   403,   403,   404,   404,   404,   403,   403,   404,   403,   200),
    # S1 is replied: staff are sent back to it with a message.
    "proposals:edit S1":              (LOGIN,  MOVED, 403,   403,   403,   404,   404,   404,   403,   403,   404,   403,   MOVED),
    "proposals:close S1":             POST_ONLY,
    "proposals:withdraw S1":          POST_ONLY,
    "proposals:accept A1":            POST_ONLY,
    "proposals:request_change A1":    POST_ONLY,
    "proposals:decide_change A1":     POST_ONLY,
    "proposals:extend A1":            POST_ONLY,
    "proposals:add_contact A1":       POST_ONLY,
    # Replies and opinions. A unit never sees another unit's assignment (404); the
    # suggestion's deputies see the current ones and act on none (403).
    "responses:opinion A1co":         (LOGIN,  403,   404,   404,   MOVED, 404,   404,   404,   403,   403,   404,   404,   403),
    "responses:reply_edit A2B":       (LOGIN,  403,   404,   404,   404,   200,   404,   404,   403,   404,   404,   404,   403),
    "responses:reply_edit A3C":       (LOGIN,  403,   404,   404,   404,   404,   MOVED, 404,   404,   404,   404,   404,   403),
    "responses:reply_detail R1":      (LOGIN,  200,   200,   200,   200,   404,   404,   404,   200,   200,   404,   200,   200),
    "responses:reply_detail R2B":     (LOGIN,  200,   404,   404,   404,   200,   404,   404,   404,   404,   404,   404,   200),
    "responses:reply_detail R3D":     (LOGIN,  200,   404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   200),
    "responses:reply_detail R4":      (LOGIN,  200,   404,   404,   200,   404,   404,   404,   404,   404,   404,   200,   200),
    "responses:reply_docx R1":        (LOGIN,  200,   200,   200,   200,   404,   404,   404,   200,   200,   404,   200,   200),
    "responses:reply_docx R4":        (LOGIN,  200,   404,   404,   200,   404,   404,   404,   404,   404,   404,   200,   200),
    "responses:reply_pdf R1":         (LOGIN,  200,   200,   200,   200,   404,   404,   404,   200,   200,   404,   200,   200),
    "responses:reply_pdf R2B":        (LOGIN,  404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   404),  # a draft has no letter
    "responses:reply_submit R2B":     POST_ONLY,
    "responses:reply_approve R2B":    POST_ONLY,
    "responses:reply_return R2B":     POST_ONLY,
    "responses:reply_regrade R1":     POST_ONLY,
    # The deputy's own rating page: its deputies who have not rated (王芳 has: back to the reply).
    "responses:feedback R1":          (LOGIN,  403,   403,   403,   403,   404,   404,   404,   200,   MOVED, 404,   403,   403),
    "responses:reply_consult R2B":    POST_ONLY,
    # A draft sent to the lead deputy: staff, the replying unit and that deputy only.
    "responses:consultation K2B":     (LOGIN,  200,   404,   404,   404,   200,   404,   404,   200,   404,   404,   404,   200),
    "responses:feedback_decide F1":   POST_ONLY,
    # Promises
    "responses:commitments":          SIGNED_IN,
    "responses:commitments ?format=xlsx": (LOGIN, 200, 200, 200,   200,   200,   200,   200,   403,   403,   403,   200,   200),
    "responses:commitment_review":    STAFF_ONLY,
    "responses:commitment_review ?format=xlsx": STAFF_ONLY,
    "responses:commitment C1":        (LOGIN,  200,   200,   200,   200,   404,   404,   404,   200,   200,   404,   200,   200),
    "responses:commitment C4":        (LOGIN,  200,   404,   404,   200,   404,   404,   404,   404,   404,   404,   200,   200),
    "responses:evidence E1":          (LOGIN,  200,   200,   200,   200,   404,   404,   404,   200,   200,   404,   200,   200),
    "responses:commitment_report C1": POST_ONLY,
    "responses:commitment_fulfil C1": POST_ONLY,
    "responses:commitment_confirm C1": POST_ONLY,
    "responses:commitment_reject C1": POST_ONLY,
    "responses:commitment_close C1":  POST_ONLY,
    "responses:commitment_comment C1": POST_ONLY,
    # Reminders and the letter archive. L3 is the letter of the unit S3 moved to: the
    # unit it was withdrawn from may not read it.
    "responses:reminders":            STAFF_ONLY,
    "responses:remind_now A1":        POST_ONLY,
    "responses:archived_letters":     STAFF_ONLY,
    "responses:archived_letter L3":   (LOGIN,  200,   404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   200),
    "responses:archived_letter_file L3": (LOGIN, 200, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   200),
    "responses:letter_import_upload": STAFF_ONLY,
    "responses:letter_import LI":     STAFF_ONLY,
    "responses:letter_import_confirm LI": POST_ONLY,
    "responses:letter_import_discard LI": POST_ONLY,
    # Supervision themes (重点督办): staff run them; the units taking part (named, or handling
    # S1/S2: lead, co-handling, separate, and dual as a lead-unit clerk) read their part;
    # deputies and units outside it get 404, deputies an empty board 403.
    "supervision:board":              (LOGIN,  200,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   200),
    "supervision:create":             STAFF_ONLY,
    "supervision:theme T":            (LOGIN,  200,   200,   200,   200,   200,   404,   404,   404,   404,   404,   200,   200),
    "supervision:edit T":             (LOGIN,  200,   403,   403,   403,   403,   404,   404,   404,   404,   404,   403,   200),
    "supervision:activity_add T":     (LOGIN,  200,   403,   403,   403,   403,   404,   404,   404,   404,   404,   403,   200),
    "supervision:file TF":            (LOGIN,  200,   200,   200,   200,   200,   404,   404,   404,   404,   404,   200,   200),
    "supervision:report T":           (LOGIN,  200,   403,   403,   403,   403,   404,   404,   404,   404,   404,   403,   200),
    "supervision:report_docx T":      (LOGIN,  200,   403,   403,   403,   403,   404,   404,   404,   404,   404,   403,   200),
    "supervision:suggestions_add T":  POST_ONLY,
    "supervision:suggestion_remove T": POST_ONLY,
    "supervision:milestone_add T":    POST_ONLY,
    "supervision:milestone_done TM":  POST_ONLY,
    "supervision:action_add TV":      POST_ONLY,
    "supervision:action_report TA":   POST_ONLY,
    "supervision:action_confirm TA":  POST_ONLY,
    "supervision:action_reopen TA":   POST_ONLY,
    "supervision:report_finalise T":  POST_ONLY,
    # Publication (上网公开): staff and units; a unit sees its own replies' publications only.
    "responses:publications":         (LOGIN,  200,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   200),
    "responses:publication_detail P1": (LOGIN, 200,   200,   200,   404,   404,   404,   404,   404,   404,   404,   200,   200),
    "responses:publication_detail P4": (LOGIN, 200,   404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   200),
    "responses:publication_propose P4": POST_ONLY,
    "responses:publication_publish P4": POST_ONLY,
    "responses:publication_withhold P4": POST_ONLY,
    "responses:publication_reconsider P1": POST_ONLY,
    # The public site: the same for everyone; a draft is not there at all.
    "public:reply_list":              EVERYONE,
    "public:reply_csv":               EVERYONE,
    "public:reply_json":              EVERYONE,
    "public:reply_detail R1":         EVERYONE,
    "public:reply_detail R2B":        (404,) * 13,
    "public:reply_pdf R1":            EVERYONE,
    "public:reply_pdf R2B":           (404,) * 13,
    "public:progress_lookup":         (MOVED,) * 13,  # no number asked: back to the list
    "public:progress S1":             EVERYONE,
    "public:statistics":              EVERYONE,
    "stats:dashboard":                (LOGIN,  200,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   200),
    "stats:dashboard ?format=xlsx":   (LOGIN,  200,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   200),
    "search:search":                  SIGNED_IN,
    # The annual report and the unit assessment (issue 16): congress staff only.
    "reports:annual":                 STAFF_ONLY,
    "reports:annual_docx":            STAFF_ONLY,
    "reports:case_add":               POST_ONLY,
    "reports:case_remove S1":         POST_ONLY,
    "reports:template":               STAFF_ONLY,
    "reports:template_default":       STAFF_ONLY,
    "reports:template_download S1":   (LOGIN, 404) + (403,) * 10 + (404,),  # no template uploaded
    "reports:template_set_aside S1":  POST_ONLY,
    "reports:assessment":             STAFF_ONLY,
    "reports:assessment ?format=xlsx": STAFF_ONLY,
    "reports:assessment_scheme S1":   POST_ONLY,
    "reports:assessment_adjust":      POST_ONLY,
    # The API: 401 without credentials except for published replies and their promises.
    "api:suggestion-list":            (401,) + (200,) * 12,
    "api:suggestion-detail S1":       (401,    200,   200,   200,   200,   404,   404,   404,   200,   200,   404,   200,   200),
    "api:suggestion-detail S3":       (401,    200,   404,   404,   404,   404,   200,   404,   404,   200,   404,   404,   200),
    "api:assignment-list":            (401,) + (200,) * 12,
    "api:assignment-detail A1":       (401,    200,   200,   200,   404,   404,   404,   404,   200,   200,   404,   200,   200),
    "api:assignment-detail A3D":      (401,    200,   404,   404,   404,   404,   404,   404,   404,   200,   404,   404,   200),
    "api:reply-list":                 EVERYONE,
    # Signed in, the API shows what the pages show the user, published or not.
    "api:reply-detail R1":            (200,    200,   200,   200,   200,   404,   404,   404,   200,   200,   404,   200,   200),
    "api:reply-detail R3D":           (404,    200,   404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   200),
    "api:commitment-list":            EVERYONE,
    "api:commitment-detail C1":       (200,    200,   200,   200,   200,   404,   404,   404,   200,   200,   404,   200,   200),
    "api:statistics":                 (401,    200,   200,   200,   200,   200,   200,   200,   403,   403,   403,   200,   200),
    "api:schema":                     EVERYONE,
    "api:docs":                       EVERYONE,
    # The admin site: only the superuser gets in; everyone else is sent to its sign-in.
    "admin:login":                    (LOGIN,) * 13,  # the site's own two-step sign-in
    "admin:logout":                   (MOVED,) * 12 + (405,),
    "admin:index":                    ADMIN_PAGE,
    "admin:password_change":          ADMIN_PAGE,
    "admin:password_change_done":     ADMIN_PAGE,
    "admin:autocomplete":             (ADMIN_LOGIN,) * 12 + (403,),  # no field named
    "admin:jsi18n":                   ADMIN_PAGE,
    "admin:view_on_site":             (ADMIN_LOGIN,) * 12 + (MOVED,),
    "admin:app_list":                 ADMIN_PAGE,
    "admin/(?P<url>.*)$":             (ADMIN_LOGIN,) * 12 + (404,),
    "admin:auth_user_password_change": ADMIN_PAGE,
    **admin_model("auth.group", delete=403),
    # django-axes: the counts in force may only be removed (unlocking: its change page
    # sends back to the list); its logs are written by sign-ins only.
    **admin_model("axes.accessattempt", add=403, change=MOVED, delete=MOVED),
    **admin_model("axes.accessfailurelog", add=403),
    **admin_model("axes.accesslog", add=403),
    **admin_model("otp_static.staticdevice"),
    **admin_model("otp_totp.totpdevice"),
    "admin:otp_totp_totpdevice_config":  ADMIN_PAGE,
    "admin:otp_totp_totpdevice_qrcode":  ADMIN_PAGE,
    **admin_model("tracker.mfareset", add=403, delete=403),
    **admin_model("tracker.securityevent", add=403, delete=403),  # written by the system only  # made on the reset page, kept
    **admin_model("tracker.user", delete=403),  # kept with its history: deactivated, never deleted
    **admin_model("tracker.apitoken", add=403, delete=403),  # made on the token page, never deleted
    **admin_model("tracker.outboxmessage", add=403, delete=403),
    **admin_model("proposals.congress", delete=403),
    **admin_model("proposals.deadlinerule", delete=403),
    **admin_model("proposals.session", delete=403),
    **admin_model("proposals.category", delete=403),
    **admin_model("proposals.department", delete=403),
    **admin_model("proposals.deputy", delete=403),  # kept with its history: deactivated, never deleted
}
# fmt: on

# Where HEAD is answered unlike GET (none since the admin signs in through the site's
# own two-step sign-in).
HEAD_DIFFERS: dict[tuple[str, str], Any] = {}


def walk(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(name, pattern) of every URL pattern; an unnamed one is named by its route."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, inner, route)
        else:
            yield (f"{namespace}{pattern.name}" if pattern.name else route), pattern


class UrlMatrixTests(PersonaFixture):
    """The matrix: see the module docstring."""

    lone_deputy: User
    admin: User
    token: ApiToken
    sheet: SpreadsheetImport
    letters: LetterImport
    letter: ArchivedLetter
    notification: Notification
    supervision: dict[str, Any]
    consultation: Consultation
    sub1: Submission
    sub2: Submission

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.lone_deputy = make_user("lone_deputy", Role.DEPUTY)
        Deputy.objects.create(
            congress=cls.congress, name="赵敏", delegation="福田代表团", user=cls.lone_deputy
        )
        cls.admin = make_user("admin", is_superuser=True, is_staff=True)
        cls.token, _key = ApiToken.issue(cls.staff, by=cls.staff)
        # The default rule, written down (the admin lists rules that differ from the law's).
        DeadlineRule.objects.create(
            congress=cls.congress, obligation=Rule.REPLY, count=3, unit=Unit.CALENDAR_MONTHS
        )
        cls.sheet = stage(workbook([sheet_row("20249001")]), session=cls.session, by=cls.staff)
        if not OutboxMessage.objects.exists():
            OutboxMessage.objects.create(task="responses.tasks.deliver_reminders", args=[0])
        # A letter of S3 archived from the unit it moved to, after 水务局 left.
        cls.letters = LetterImport.objects.create(created_by=cls.staff, status=LetterImport.Status.APPLIED)
        source = LetterImportFile.objects.create(
            batch=cls.letters,
            file=ContentFile(b"letter", name="s3.txt"),
            original_name="s3.txt",
            sha256="0" * 64,
            size=6,
        )
        cls.letter = ArchivedLetter.objects.create(
            source=source,
            fingerprint="1" * 64,
            number=cls.s3.number,
            title=cls.s3.title,
            signed_by=cls.dept_d.name,
            fields={"contact_name": "刘海", "contact_phones": ["13800138000"]},
            text="城管局答复",
            proposal=cls.s3,
            department=cls.dept_d,
            imported_by=cls.staff,
        )
        cls.notification = Notification.objects.filter(recipient=cls.b_clerk).order_by("pk").first()
        # 交通局 sends its returned draft to 陈寿 for comment (征询意见).
        cls.consultation = cls.r2_b.consult(by=cls.b_clerk, note="请审阅修改后的答复稿")
        cls.sub1 = Submission.draft(
            by=cls.deputy_user,
            session=cls.session,
            title="关于坪山河碧道增设便民驿站的建议",
            body="正文",
            co_signers=[cls.other_deputy],
        )
        cls.sub1.invite(by=cls.deputy_user)
        cls.sub2 = Submission.draft(
            by=cls.other_deputy_user, session=cls.session, title="关于龙岗河截污的建议", body="正文"
        )
        cls.sub2.submit(by=cls.other_deputy_user)
        # Two-step verification and sign-in records, one of each, for their admin pages.
        TOTPDevice.objects.create(user=cls.leader, name="authenticator")
        StaticDevice.objects.create(user=cls.leader, name="recovery codes")
        MfaReset.objects.create(user=cls.co_clerk, reset_by=cls.admin, reason="换手机")
        AccessAttempt.objects.create(username="clerk", ip_address="10.0.0.1", failures_since_start=1)
        AccessFailureLog.objects.create(username="clerk", ip_address="10.0.0.1")
        AccessLog.objects.create(username="clerk", ip_address="10.0.0.1")
        cls.supervision = make_matrix_theme(cls)

    # -- the objects a URL is reversed with ------------------------------------

    def objects(self) -> dict[str, Any]:
        """The fixture's objects by the label MATRIX uses after a URL name."""
        return {
            "S1": self.s1,
            "S2": self.s2,
            "S3": self.s3,
            "S4": self.s4,
            "A1": self.a1_lead,
            "A1co": self.a1_co,
            "A2B": self.a2_b,
            "A3C": self.a3_c,
            "A3D": self.a3_d,
            "R1": self.r1,
            "R2B": self.r2_b,
            "R3D": self.r3_d,
            "R4": self.r4,
            "P1": self.r1.publication,
            "P4": self.r4.publication,
            "C1": self.c1,
            "C4": self.c4,
            "E1": self.e1,
            "F1": self.unsatisfied,
            "K2B": self.consultation,
            "N": self.notification,
            "L3": self.letter,
            "LI": self.letters,
            "XI": self.sheet,
            **self.supervision,
            "SUB1": self.sub1,
            "SUB2": self.sub2,
        }

    def admin_objects(self) -> dict[type[Any], Any]:
        """One row of each model the admin manages."""
        return {
            Group: Group.objects.get(name=Role.CONGRESS_STAFF),
            User: self.clerk,
            ApiToken: self.token,
            OutboxMessage: OutboxMessage.objects.first(),
            **{
                model: model._default_manager.first()
                for model in admin_site._registry
                if model._meta.app_label in ("axes", "otp_static", "otp_totp")
                or model._meta.label in ("tracker.MfaReset", "tracker.SecurityEvent")
            },
            **{
                model: model._default_manager.first()
                for model in admin_site._registry
                if model.__module__.startswith("proposals.")
            },
        }

    def url(self, key: str) -> str:
        name, _, label = key.partition(" ")
        if name.startswith("admin"):
            return self.admin_url(name)
        kwargs: dict[str, Any] = {}
        if label.startswith("?"):
            return reverse(name) + label
        if name == "proposals:choices":
            return reverse(name, kwargs={"kind": label})
        if label:
            obj = self.objects()[label]
            kwargs = {"number": obj.number} if name == "public:progress" else {"pk": obj.pk}
        elif name == "password_reset_confirm":
            kwargs = {"uidb64": urlsafe_base64_encode(force_bytes(self.clerk.pk)), "token": "0-0"}
        return reverse(name, kwargs=kwargs)

    def admin_url(self, name: str) -> str:
        if not name.startswith("admin:"):  # unnamed: admin/<app>/<model>/<path:object_id>/
            if "(?P<url>" in name:
                return "/admin/nowhere/"
            app, model = name.split("/")[1:3]
            obj = next(o for m, o in self.admin_objects().items() if m._meta.label_lower == f"{app}.{model}")
            return f"/admin/{app}/{model}/{obj.pk}/"
        view = name.removeprefix("admin:")
        if view == "app_list":
            return reverse(name, kwargs={"app_label": "proposals"})
        if view == "view_on_site":
            return reverse(name, args=[ContentType.objects.get_for_model(Proposal).pk, self.s1.pk])
        if view in ("otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"):
            return reverse(name, kwargs={"pk": TOTPDevice.objects.get().pk})
        if view == "auth_user_password_change":
            return reverse(name, args=[self.clerk.pk])
        for model, obj in self.admin_objects().items():
            prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
            if view.startswith(prefix) and view.removeprefix(prefix) in ("history", "delete", "change"):
                return reverse(name, args=[obj.pk])
        return reverse(name)

    # -- requesting ---------------------------------------------------------------

    def outcome(self, response: HttpResponse) -> Any:
        if response.status_code == 302:
            location = response["Location"]
            if location.startswith(reverse("login") + "?next="):
                return LOGIN
            if location.startswith(reverse("admin:login") + "?next="):
                return ADMIN_LOGIN
            return MOVED
        return response.status_code

    def check(self, keys: list[str]) -> None:
        """GET and HEAD each URL as each persona; fail listing every cell that differs."""
        urls = {key: self.url(key) for key in keys}
        wrong = []
        # What is checked is who gets in, not the rendering (tested on its own): the PDF
        # needs fonts a developer's machine may lack, and health a reachable broker.
        with (
            mock.patch("responses.letter_views.letter_pdf", return_value=b"%PDF-1.7"),
            mock.patch("responses.views.reminder_health", return_value={"ok": True}),
        ):
            for column, persona in enumerate(PERSONAS):
                self.client.logout()
                if persona != "anonymous":
                    self.client.force_login(getattr(self, persona))
                for key, url in urls.items():
                    for method in ("GET", "HEAD"):
                        expected = MATRIX[key][column]
                        if method == "HEAD":
                            expected = HEAD_DIFFERS.get((key, persona), expected)
                        # Rolled back: a GET that writes (opening a notice marks it read)
                        # leaves the next persona the same fixture.
                        with transaction.atomic():
                            got = self.outcome(self.client.generic(method, url))
                            transaction.set_rollback(True)
                        if got != expected:
                            wrong.append(
                                f"{method} {key} ({url}) as {persona}: expected {expected}, got {got}"
                            )
        self.assertFalse(wrong, "\n".join(["", *wrong]))

    @staticmethod
    def keys(where: Callable[[str], bool]) -> list[str]:
        return [key for key in MATRIX if where(key)]

    # -- the tests ------------------------------------------------------------------

    def test_it_declares_an_outcome_for_every_url_and_persona(self) -> None:
        patterns = list(walk(get_resolver().url_patterns))
        found = {name for name, _pattern in patterns}
        declared = {key.partition(" ")[0] for key in MATRIX}
        with self.subTest("URLs without a row"):
            self.assertEqual(
                sorted(found - declared),
                [],
                "add each URL to MATRIX in tests/workflow/test_url_matrix.py with who may open it",
            )
        with self.subTest("rows for URLs that are gone"):
            self.assertEqual(sorted(declared - found), [])
        with self.subTest("rows of the wrong length"):
            self.assertEqual([key for key, row in MATRIX.items() if len(row) != len(PERSONAS)], [])
        print(
            f"\nURL × role matrix: {len(patterns)} URL patterns ({len(found)} names), "
            f"{len(MATRIX)} rows × {len(PERSONAS)} personas"
            f" = {len(MATRIX) * len(PERSONAS)} cells, each requested with GET and HEAD"
        )

    def test_each_persona_gets_the_declared_outcome_from_the_site(self) -> None:
        self.check(self.keys(lambda key: not key.startswith(("admin", "api:"))))

    def test_each_persona_gets_the_declared_outcome_from_the_api(self) -> None:
        self.check(self.keys(lambda key: key.startswith("api:")))

    def test_each_persona_gets_the_declared_outcome_from_the_admin(self) -> None:
        self.check(self.keys(lambda key: key.startswith("admin")))
