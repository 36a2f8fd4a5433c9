"""The security log records sign-ins, role and configuration changes, downloads of
personal data, API keys and superuser requests, each readable in the reader's language."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation

from proposals.models import Department
from tests.base import TrackerTestCase, make_user
from tracker import audit
from tracker.models import ApiToken, Role, SecurityEvent

Kind = SecurityEvent.Kind


class LogTestCase(TrackerTestCase):
    """``self.logged`` reads only what the test itself caused, not the set-up's rows."""

    def setUp(self) -> None:
        super().setUp()
        self.before = SecurityEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def logged(self, **filters: object) -> QuerySet[SecurityEvent]:
        return SecurityEvent.objects.filter(pk__gt=self.before, **filters).order_by("pk")


class SignInTests(LogTestCase):
    def test_a_sign_in_is_logged_with_who_and_where(self) -> None:
        self.client.post(reverse("login"), {"username": "staff", "password": "pw"}, REMOTE_ADDR="10.1.2.3")
        event = self.logged().get(kind=Kind.LOGIN)
        self.assertEqual((event.actor, event.actor_name, event.ip), (self.staff, "staff", "10.1.2.3"))

    def test_a_failed_sign_in_is_logged_with_the_name_typed_and_no_password(self) -> None:
        self.client.post(
            reverse("login"), {"username": "staff", "password": "wrong-secret"}, REMOTE_ADDR="10.9.9.9"
        )
        event = self.logged().get(kind=Kind.LOGIN_FAILED)
        self.assertEqual((event.actor, event.actor_name, event.ip), (None, "staff", "10.9.9.9"))
        self.assertNotIn("wrong-secret", str(event.data))
        with translation.override("en"):
            self.assertEqual(event.describe(), "Failed sign-in as “staff”")

    def test_a_sign_out_is_logged(self) -> None:
        self.client.force_login(self.clerk)
        self.client.post(reverse("logout"))
        self.assertTrue(self.logged(kind=Kind.LOGOUT, actor=self.clerk).exists())

    def test_other_code_can_record_its_own_kind(self) -> None:
        """The hook the second factor and the lockout release call."""
        audit.record(Kind.MFA_FAILED, user=self.staff, detail="totp")
        event = self.logged().get(kind=Kind.MFA_FAILED)
        self.assertEqual((event.actor, event.data), (self.staff, {"detail": "totp"}))


class RoleChangeTests(LogTestCase):
    def test_group_membership_added_and_removed_is_logged(self) -> None:
        group = Group.objects.get(name=Role.DEPT_LEADER)
        self.clerk.groups.add(group)
        self.clerk.groups.remove(group)
        added, removed = self.logged(kind=Kind.ROLE_CHANGED, object_id=str(self.clerk.pk)).order_by("pk")
        self.assertEqual(added.data["added"], [Role.DEPT_LEADER])
        self.assertEqual(removed.data["removed"], [Role.DEPT_LEADER])

    def test_members_added_from_the_group_side_are_logged_per_user(self) -> None:
        group = Group.objects.get(name=Role.CONGRESS_STAFF)
        group.user_set.add(self.clerk, self.nobody)
        logged = self.logged(kind=Kind.ROLE_CHANGED, data__added=[Role.CONGRESS_STAFF])
        self.assertEqual({e.object_id for e in logged}, {str(self.clerk.pk), str(self.nobody.pk)})

    def test_clearing_a_users_groups_logs_what_was_removed(self) -> None:
        self.leader.groups.clear()
        event = self.logged().get(kind=Kind.ROLE_CHANGED, object_id=str(self.leader.pk))
        self.assertEqual(event.data["removed"], [Role.DEPT_LEADER])

    def test_permissions_of_a_user_and_of_a_group_are_logged(self) -> None:
        permission = Permission.objects.get(codename="change_department")
        self.nobody.user_permissions.add(permission)
        Group.objects.get(name=Role.DEPUTY).permissions.add(permission)
        changed = self.logged(kind=Kind.ROLE_CHANGED, data__added=["proposals.change_department"])
        self.assertEqual({e.object_type for e in changed}, {"tracker.User", "auth.Group"})

    def test_superuser_staff_and_active_flags_are_role_changes_with_before_and_after(self) -> None:
        self.nobody.is_superuser = True
        self.nobody.is_active = False
        self.nobody.save()
        event = self.logged().get(kind=Kind.ROLE_CHANGED, object_id=str(self.nobody.pk))
        self.assertEqual(event.data["changes"], {"is_superuser": [False, True], "is_active": [True, False]})
        self.assertFalse(self.logged(kind=Kind.CONFIG_CHANGED, object_id=str(self.nobody.pk)))


class ConfigurationChangeTests(LogTestCase):
    def test_a_renamed_department_is_logged_with_the_old_and_new_name(self) -> None:
        self.lead_dept.name = "龙岗区发展和改革委员会"
        self.lead_dept.save()
        event = self.logged().get(kind=Kind.CONFIG_CHANGED, object_type="proposals.Department")
        self.assertEqual(event.data["changes"], {"name": ["龙岗区发展和改革局", "龙岗区发展和改革委员会"]})
        with translation.override("en"):
            self.assertEqual(
                event.describe(),
                "department “龙岗区发展和改革委员会” changed: "
                "name: 龙岗区发展和改革局 → 龙岗区发展和改革委员会",
            )
        with translation.override("zh-hans"):
            self.assertIn("承办单位", event.describe())

    def test_a_rule_and_a_congress_setting_are_logged_a_save_without_changes_is_not(self) -> None:
        rule = self.congress.deadline_rules.create(obligation="reply", count=3, unit="months")
        rule.count = 2
        rule.save()
        self.congress.save()
        changes = [e.data["changes"] for e in self.logged(kind=Kind.CONFIG_CHANGED)]
        self.assertEqual(changes, [{"count": [3, 2]}])
        self.assertTrue(self.logged(kind=Kind.CONFIG_CREATED, object_type="proposals.DeadlineRule"))

    def test_a_password_change_is_logged_without_the_hash(self) -> None:
        old_hash = self.clerk.password
        self.clerk.set_password("another-long-password")
        self.clerk.save()
        event = self.logged().get(kind=Kind.CONFIG_CHANGED, object_id=str(self.clerk.pk))
        self.assertEqual(event.data["changes"], {"password": ["******", "******"]})
        self.assertNotIn(old_hash, str(event.data))
        self.assertNotIn(self.clerk.password, str(event.data))

    def test_the_admin_user_who_changed_it_is_the_actor(self) -> None:
        admin = make_user("sys", "system_admin", is_staff=True)
        self.client.force_login(admin)
        response = self.client.post(
            reverse("admin:proposals_department_change", args=[self.other_dept.pk]),
            {"name": "坪山区教育局（新）", "short_name": "", "is_active": "on"},
            REMOTE_ADDR="10.0.0.7",
        )
        self.assertEqual(response.status_code, 302)
        event = self.logged().get(kind=Kind.CONFIG_CHANGED, object_type="proposals.Department")
        self.assertEqual((event.actor, event.ip), (admin, "10.0.0.7"))

    def test_a_sign_in_does_not_log_the_last_login_time(self) -> None:
        self.client.post(reverse("login"), {"username": "staff", "password": "pw"})
        self.assertFalse(self.logged(kind=Kind.CONFIG_CHANGED))


class DownloadTests(LogTestCase):
    def test_an_excel_export_is_logged_with_its_filters(self) -> None:
        self.make_assigned()
        self.client.force_login(self.staff)
        response = self.client.get(reverse("proposals:list"), {"format": "xlsx", "status": "assigned"})
        self.assertEqual(response.status_code, 200)
        event = self.logged().get(kind=Kind.EXPORT)
        self.assertEqual(event.actor, self.staff)
        self.assertEqual(event.data["path"], reverse("proposals:list"))
        self.assertIn("status=assigned", event.data["query"])
        self.assertTrue(event.data["filename"].endswith(".xlsx"))

    def test_a_reply_letter_download_is_logged(self) -> None:
        reply = self.make_sent(self.make_assigned())
        self.client.force_login(self.deputy_user)
        response = self.client.get(reverse("responses:reply_docx", args=[reply.pk]))
        self.assertEqual(response.status_code, 200)
        event = self.logged().get(kind=Kind.EXPORT)
        self.assertEqual(event.actor, self.deputy_user)
        self.assertTrue(event.data["filename"].endswith("答复函.docx"))

    def test_a_refused_download_and_a_plain_page_are_not_downloads(self) -> None:
        self.client.force_login(self.deputy_user)
        self.client.get(reverse("proposals:list"), {"format": "xlsx"})
        self.client.get(reverse("home"))
        self.assertFalse(self.logged(kind=Kind.EXPORT))


class ApiTokenTests(LogTestCase):
    def test_creating_and_revoking_a_key_is_logged(self) -> None:
        self.client.force_login(self.staff)
        self.client.post(reverse("api_token_create"))
        self.client.post(reverse("api_token_revoke"))
        token = ApiToken.objects.get(user=self.staff)
        kinds = list(
            self.logged(object_type="tracker.ApiToken", object_id=str(token.pk))
            .order_by("pk")
            .values_list("kind", "actor", "data__prefix")
        )
        self.assertEqual(
            kinds,
            [
                (Kind.TOKEN_CREATED, self.staff.pk, token.prefix),
                (Kind.TOKEN_REVOKED, self.staff.pk, token.prefix),
            ],
        )


class BreakGlassTests(LogTestCase):
    def test_every_request_of_a_superuser_is_logged(self) -> None:
        root = make_user("root", is_superuser=True, is_staff=True)
        self.client.force_login(root)
        self.client.get(reverse("admin:index"))
        self.client.get(reverse("proposals:list"), {"q": "坪西路"})
        logged = list(self.logged(kind=Kind.SUPERUSER_REQUEST).order_by("pk").values_list("data", flat=True))
        self.assertEqual([(d["method"], d["path"], d["status"]) for d in logged][0], ("GET", "/admin/", 200))
        self.assertEqual(logged[1]["query"], "q=%E5%9D%AA%E8%A5%BF%E8%B7%AF")

    def test_requests_of_other_users_are_not(self) -> None:
        self.client.force_login(self.staff)
        self.client.get(reverse("proposals:list"))
        self.assertFalse(self.logged(kind=Kind.SUPERUSER_REQUEST))


class ReferenceDataTests(LogTestCase):
    def test_a_department_created_is_logged_with_its_values(self) -> None:
        department = Department.objects.create(name="坪山区水务局")
        event = self.logged().get(kind=Kind.CONFIG_CREATED, object_id=str(department.pk))
        self.assertEqual(event.data["values"]["name"], "坪山区水务局")
