from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The groups a user can belong to; each is a Django auth group of the same name."""

    CONGRESS_STAFF = "congress_staff", _("Congress staff")
    DEPT_CLERK = "dept_clerk", _("Department clerk")
    DEPT_LEADER = "dept_leader", _("Department leader")
    DEPUTY = "deputy", _("Deputy")


class User(AbstractUser):
    """A person who signs in: congress staff, department clerk or leader, or a deputy."""

    department = models.ForeignKey(
        "proposals.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("For department clerks and leaders: the unit they work for."),
    )
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        # Chinese names are written family name first with no space.
        return f"{self.last_name}{self.first_name}".strip()

    @property
    def role_names(self) -> frozenset[str]:
        """Names of the role groups the user belongs to, cached on the instance."""
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = frozenset(self.groups.values_list("name", flat=True))
            self._role_names = cached
        return cached

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.role_names

    @property
    def is_congress_staff(self) -> bool:
        return self.is_superuser or self.has_role(Role.CONGRESS_STAFF)

    @property
    def is_department_user(self) -> bool:
        return self.department_id is not None and (
            self.has_role(Role.DEPT_CLERK) or self.has_role(Role.DEPT_LEADER)
        )

    @property
    def is_department_leader(self) -> bool:
        return self.department_id is not None and self.has_role(Role.DEPT_LEADER)

    @property
    def deputy_profile(self):  # type: ignore[no-untyped-def]
        """The Deputy record linked to this account, or None."""
        if not self.has_role(Role.DEPUTY):
            return None
        return getattr(self, "deputy", None)
