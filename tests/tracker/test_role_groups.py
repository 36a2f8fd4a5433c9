from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import TestCase

from tracker.models import Role


class RoleGroupsTests(TestCase):
    def test_it_creates_one_group_per_role_on_migrate(self) -> None:
        names = set(Group.objects.values_list("name", flat=True))
        self.assertTrue(set(Role.values) <= names)
