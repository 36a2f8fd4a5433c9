from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from tests.base import TrackerTestCase
from tracker.models import Role, User


class RoleGroupsTests(TestCase):
    def test_it_creates_one_group_per_role_on_migrate(self) -> None:
        names = set(Group.objects.values_list("name", flat=True))
        self.assertTrue(set(Role.values) <= names)


class RoleGroupNamesInTheAdminTests(TrackerTestCase):
    def test_the_admin_names_role_groups_by_their_role_not_their_code(self) -> None:
        self.client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
        page = self.client.get(reverse("admin:tracker_user_changelist")).content.decode()
        self.assertIn("Department clerk", page)
        self.assertNotIn(">dept_clerk<", page)
