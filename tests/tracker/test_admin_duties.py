"""Separation of duties in the admin (三员): the system, security and audit administrators
each do their own job and none another's; nothing with history is deleted."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from proposals.models import Congress, DeadlineRule, Deputy
from tests.base import TrackerTestCase, make_user
from tracker.models import AdminDuty, Role, SecurityEvent, User


class DutiesTestCase(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.sysadmin = make_user("sysadmin", AdminDuty.SYSTEM, is_staff=True)
        cls.secadmin = make_user("secadmin", AdminDuty.SECURITY, is_staff=True)
        cls.auditadmin = make_user("auditadmin", AdminDuty.AUDIT, is_staff=True)
        cls.root = make_user("root", is_staff=True, is_superuser=True)
        cls.rule = DeadlineRule.objects.create(
            congress=cls.congress, obligation="reply", count=3, unit="months"
        )

    def user_form(self, user: User, **changes: Any) -> dict[str, Any]:
        """The admin's user change form as posted, with ``changes``."""
        data: dict[str, Any] = {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "department": user.department_id or "",
            "phone": user.phone,
            "is_active": "on" if user.is_active else "",
            "is_staff": "on" if user.is_staff else "",
            "groups": [g.pk for g in user.groups.all()],
            "user_permissions": [p.pk for p in user.user_permissions.all()],
        }
        data.update(changes)
        return {key: value for key, value in data.items() if value not in ("", None)}


class AdminMatrixTests(DutiesTestCase):
    """Each administrator against each admin page: 200 where it is their job, 403 where not."""

    def pages(self) -> dict[str, str]:
        return {
            "users": reverse("admin:tracker_user_changelist"),
            "user": reverse("admin:tracker_user_change", args=[self.clerk.pk]),
            "add user": reverse("admin:tracker_user_add"),
            "set password": reverse("admin:auth_user_password_change", args=[self.clerk.pk]),
            "departments": reverse("admin:proposals_department_changelist"),
            "department": reverse("admin:proposals_department_change", args=[self.lead_dept.pk]),
            "congress": reverse("admin:proposals_congress_change", args=[self.congress.pk]),
            "rule": reverse("admin:proposals_deadlinerule_change", args=[self.rule.pk]),
            "deputy": reverse("admin:proposals_deputy_change", args=[self.deputy.pk]),
            "groups": reverse("admin:auth_group_changelist"),
            "add group": reverse("admin:auth_group_add"),
            "security log": reverse("admin:tracker_securityevent_changelist"),
            "security log xlsx": reverse("admin:tracker_securityevent_changelist") + "?format=xlsx",
        }

    EXPECTED = {
        # page:               system, security, audit
        "users": (200, 200, 403),
        "user": (200, 200, 403),
        "add user": (200, 403, 403),
        "set password": (200, 403, 403),
        "departments": (200, 403, 403),
        "department": (200, 403, 403),
        "congress": (200, 403, 403),
        "rule": (200, 403, 403),
        "deputy": (200, 403, 403),
        "groups": (403, 200, 403),
        "add group": (403, 200, 403),
        "security log": (403, 403, 200),
        "security log xlsx": (403, 403, 200),
    }

    def test_every_page_for_every_administrator(self) -> None:
        pages = self.pages()
        self.assertEqual(set(pages), set(self.EXPECTED))
        for name, url in pages.items():
            for admin, expected in zip(
                (self.sysadmin, self.secadmin, self.auditadmin), self.EXPECTED[name], strict=True
            ):
                with self.subTest(page=name, admin=admin.username):
                    self.client.force_login(admin)
                    self.assertEqual(self.client.get(url).status_code, expected)

    def test_the_audit_administrator_changes_nothing(self) -> None:
        self.client.force_login(self.auditadmin)
        event = SecurityEvent.objects.first()
        assert event is not None
        for url in (
            reverse("admin:tracker_securityevent_change", args=[event.pk]),
            reverse("admin:tracker_securityevent_delete", args=[event.pk]),
        ):
            response = self.client.post(url, {"post": "yes"})
            self.assertEqual(response.status_code, 403, url)
        self.assertTrue(SecurityEvent.objects.filter(pk=event.pk).exists())
        # Reading a row is allowed: the page shows it, with no save button.
        page = self.client.get(reverse("admin:tracker_securityevent_change", args=[event.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'name="_save"')


class UserSplitTests(DutiesTestCase):
    """A user's page is shared: the account is the system administrator's, the roles the
    security administrator's."""

    def post_user(self, admin: User, user: User, **changes: Any) -> Any:
        self.client.force_login(admin)
        return self.client.post(
            reverse("admin:tracker_user_change", args=[user.pk]), self.user_form(user, **changes)
        )

    def test_the_system_administrator_edits_the_account_but_not_its_roles(self) -> None:
        staff_group = Group.objects.get(name=Role.CONGRESS_STAFF)
        response = self.post_user(
            self.sysadmin,
            self.clerk,
            last_name="周",
            groups=[staff_group.pk],
            is_staff="on",
            is_superuser="on",
        )
        self.assertEqual(response.status_code, 302)
        clerk = self.refreshed(self.clerk)
        self.assertEqual(clerk.last_name, "周")
        self.assertEqual(set(clerk.groups.values_list("name", flat=True)), {Role.DEPT_CLERK})
        self.assertFalse(clerk.is_staff or clerk.is_superuser)

    def test_the_security_administrator_changes_roles_but_not_the_account(self) -> None:
        leader_group = Group.objects.get(name=Role.DEPT_LEADER)
        response = self.post_user(
            self.secadmin,
            self.clerk,
            last_name="周",
            is_active="",
            groups=[leader_group.pk],
            is_superuser="on",
        )
        self.assertEqual(response.status_code, 302)
        clerk = self.refreshed(self.clerk)
        self.assertEqual((clerk.last_name, clerk.is_active, clerk.is_superuser), ("", True, False))
        self.assertEqual(set(clerk.groups.values_list("name", flat=True)), {Role.DEPT_LEADER})
        logged = SecurityEvent.objects.filter(
            kind="role_changed", actor=self.secadmin, object_id=str(clerk.pk)
        )
        self.assertEqual(
            {tuple(e.data.get("added", e.data.get("removed"))) for e in logged},
            {("dept_leader",), ("dept_clerk",)},
        )

    def test_the_security_administrator_cannot_change_their_own_roles(self) -> None:
        system = Group.objects.get(name=AdminDuty.SYSTEM)
        permission = Permission.objects.get(codename="change_department")
        self.post_user(self.secadmin, self.secadmin, groups=[system.pk], user_permissions=[permission.pk])
        me = self.refreshed(self.secadmin)
        self.assertEqual(set(me.groups.values_list("name", flat=True)), {AdminDuty.SECURITY})
        self.assertFalse(me.user_permissions.exists())

    def test_no_one_holds_two_duties(self) -> None:
        duties = [Group.objects.get(name=AdminDuty.SYSTEM).pk, Group.objects.get(name=AdminDuty.AUDIT).pk]
        response = self.post_user(self.secadmin, self.clerk, groups=duties)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errorlist")
        self.assertFalse(self.refreshed(self.clerk).groups.filter(name=AdminDuty.SYSTEM).exists())

    def test_only_a_superuser_makes_a_superuser_and_that_is_logged(self) -> None:
        self.post_user(self.root, self.nobody, is_superuser="on", is_staff="on")
        self.assertTrue(self.refreshed(self.nobody).is_superuser)
        self.assertTrue(
            SecurityEvent.objects.filter(kind="superuser_request", actor=self.root, data__method="POST")
        )

    def test_duty_groups_are_not_editable_by_the_security_administrator(self) -> None:
        self.client.force_login(self.secadmin)
        group = Group.objects.get(name=AdminDuty.SECURITY)
        permission = Permission.objects.get(codename="change_department")
        self.client.post(
            reverse("admin:auth_group_change", args=[group.pk]),
            {"name": "renamed", "permissions": [permission.pk]},
        )
        group.refresh_from_db()
        self.assertEqual(group.name, AdminDuty.SECURITY)
        self.assertFalse(group.permissions.filter(pk=permission.pk).exists())


class NothingDeletedTests(DutiesTestCase):
    def test_no_delete_page_even_for_the_superuser(self) -> None:
        self.client.force_login(self.root)
        targets = {
            "tracker_user": self.clerk,
            "auth_group": Group.objects.get(name=Role.DEPT_LEADER),
            "proposals_department": self.lead_dept,
            "proposals_deputy": self.deputy,
            "proposals_congress": self.congress,
            "proposals_deadlinerule": self.rule,
            "proposals_session": self.session,
            "proposals_category": self.category,
        }
        for name, obj in targets.items():
            with self.subTest(model=name):
                response = self.client.post(reverse(f"admin:{name}_delete", args=[obj.pk]), {"post": "yes"})
                self.assertEqual(response.status_code, 403)
                self.assertTrue(type(obj).objects.filter(pk=obj.pk).exists())
                changelist = self.client.get(reverse(f"admin:{name}_changelist"))
                self.assertNotContains(changelist, 'value="delete_selected"')
        self.assertTrue(Congress.objects.filter(pk=self.congress.pk).exists())

    def test_a_deactivated_deputy_leaves_the_choices_but_stays_on_suggestions(self) -> None:
        proposal = self.make_proposal(co_signers=[self.other_deputy])
        self.client.force_login(self.sysadmin)
        response = self.client.post(
            reverse("admin:proposals_deputy_change", args=[self.other_deputy.pk]),
            {
                "congress": self.congress.pk,
                "name": "王芳",
                "delegation": "坪山代表团",
                "user": self.other_deputy_user.pk,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Deputy.objects.get(pk=self.other_deputy.pk).is_active)
        self.assertEqual(list(proposal.co_signers.all()), [self.other_deputy])
        from proposals.forms import ProposalForm

        form = ProposalForm()
        self.assertNotIn(self.other_deputy, form.fields["co_signers"].queryset)
        self.assertIn(self.deputy, form.fields["lead_deputy"].queryset)
        self.client.force_login(self.staff)
        self.assertContains(self.client.get(proposal.get_absolute_url()), "王芳")


class AuditLogPageTests(DutiesTestCase):
    """The audit administrator's page: filters by who, kind and dates; the download has
    exactly the rows the filters show, and is itself logged."""

    def setUp(self) -> None:
        super().setUp()
        moment = datetime(2026, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        SecurityEvent.objects.create(kind="login", actor_name="zhangsan", created_at=moment)
        SecurityEvent.objects.create(
            kind="login", actor_name="zhangsan", created_at=moment + timedelta(days=20)
        )
        SecurityEvent.objects.create(kind="login_failed", actor_name="zhangsan", created_at=moment)
        SecurityEvent.objects.create(kind="login", actor_name="lisi", created_at=moment)
        self.client.force_login(self.auditadmin)

    QUERY = {
        "q": "zhangsan",
        "kind__exact": "login",
        "created_at__date__gte": "2026-03-01",
        "created_at__date__lte": "2026-03-15",
    }

    def test_the_filters_narrow_the_list(self) -> None:
        page = self.client.get(reverse("admin:tracker_securityevent_changelist"), self.QUERY)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(
            [(e.actor_name, e.kind) for e in page.context["cl"].result_list], [("zhangsan", "login")]
        )
        self.assertContains(page, 'name="created_at__date__gte" value="2026-03-01"')

    def test_a_bad_date_is_not_a_500(self) -> None:
        page = self.client.get(
            reverse("admin:tracker_securityevent_changelist"), {"created_at__date__gte": "²"}
        )
        self.assertIn(page.status_code, (200, 302))

    def test_the_download_holds_the_filtered_rows_in_the_readers_language(self) -> None:
        response = self.client.get(
            reverse("admin:tracker_securityevent_changelist"),
            {**self.QUERY, "format": "xlsx"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 200)
        rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][0], "2026-03-10 09:30:00")
        self.assertEqual(rows[1][2], "zhangsan")
        logged = SecurityEvent.objects.get(kind="export", actor=self.auditadmin)
        self.assertIn("kind__exact=login", logged.data["query"])


class AdministratorAccountsTests(DutiesTestCase):
    """No administrator can take over another's (or the superuser's) account."""

    def test_the_system_administrator_cannot_set_an_administrators_or_the_superusers_password(self) -> None:
        self.client.force_login(self.sysadmin)
        for target in (self.secadmin, self.auditadmin, self.root):
            with self.subTest(target=target.username):
                url = reverse("admin:auth_user_password_change", args=[target.pk])
                self.assertEqual(self.client.get(url).status_code, 403)
                response = self.client.post(
                    url, {"password1": "Taken-over-2026", "password2": "Taken-over-2026"}
                )
                self.assertEqual(response.status_code, 403)
                self.assertFalse(self.refreshed(target).check_password("Taken-over-2026"))
        self.assertEqual(
            self.client.get(reverse("admin:auth_user_password_change", args=[self.clerk.pk])).status_code, 200
        )

    def test_the_system_administrator_cannot_edit_an_administrators_account(self) -> None:
        self.client.force_login(self.sysadmin)
        self.client.post(
            reverse("admin:tracker_user_change", args=[self.auditadmin.pk]),
            self.user_form(self.auditadmin, email="attacker@example.com", is_active=""),
        )
        auditadmin = self.refreshed(self.auditadmin)
        self.assertEqual((auditadmin.email, auditadmin.is_active), ("", True))

    def test_the_security_administrator_cannot_change_a_superusers_roles(self) -> None:
        self.client.force_login(self.secadmin)
        self.client.post(
            reverse("admin:tracker_user_change", args=[self.root.pk]), self.user_form(self.root, is_staff="")
        )
        self.assertTrue(self.refreshed(self.root).is_staff)

    def test_the_security_administrator_removes_a_duty_from_another_administrator(self) -> None:
        self.client.force_login(self.secadmin)
        self.client.post(
            reverse("admin:tracker_user_change", args=[self.auditadmin.pk]),
            self.user_form(self.auditadmin, groups=[]),
        )
        self.assertFalse(self.refreshed(self.auditadmin).groups.exists())
