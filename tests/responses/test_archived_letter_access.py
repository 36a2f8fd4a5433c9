"""Who reads an archived reply letter: staff, the unit that wrote it, the units handling
its suggestion; not a unit whose assignment was withdrawn, for letters written by others."""

from __future__ import annotations

from django.core.files.base import ContentFile

from responses.models import ArchivedLetter, LetterImport, LetterImportFile
from tests.workflow.test_personas import PersonaFixture


class ArchivedLetterAccessTests(PersonaFixture):
    own: ArchivedLetter
    successor: ArchivedLetter

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        batch = LetterImport.objects.create(created_by=cls.staff, status=LetterImport.Status.APPLIED)
        # S3: 水务局 (c_clerk) asked for a change and was replaced by 城管局 (d_clerk).
        cls.own = cls.archived(batch, "c", cls.dept_c)
        cls.successor = cls.archived(batch, "d", cls.dept_d)

    @classmethod
    def archived(cls, batch: LetterImport, name: str, department: object) -> ArchivedLetter:
        source = LetterImportFile.objects.create(
            batch=batch, file=ContentFile(b"letter", name=f"{name}.txt"), original_name=f"{name}.txt", size=6
        )
        return ArchivedLetter.objects.create(
            source=source,
            fingerprint=name * 64,
            number=cls.s3.number,
            fields={},
            text="答复",
            proposal=cls.s3,
            department=department,
            imported_by=cls.staff,
        )

    def letters(self, persona: str) -> set[str]:
        names = {self.own.pk: "own", self.successor.pk: "successor"}
        return {
            names[pk]
            for pk in ArchivedLetter.objects.visible_to(getattr(self, persona)).values_list("pk", flat=True)
        }

    def test_it_keeps_the_withdrawn_unit_to_its_own_letter(self) -> None:
        self.assertEqual(self.letters("c_clerk"), {"own"})

    def test_it_shows_the_unit_handling_the_suggestion_every_letter_of_it(self) -> None:
        self.assertEqual(self.letters("d_clerk"), {"own", "successor"})

    def test_it_shows_staff_every_letter_and_an_unrelated_unit_none(self) -> None:
        self.assertEqual((self.letters("staff"), self.letters("outsider")), ({"own", "successor"}, set()))

    def test_it_answers_404_to_the_withdrawn_unit_for_the_successors_letter(self) -> None:
        self.client.force_login(self.c_clerk)
        self.assertEqual(self.client.get(self.successor.get_absolute_url()).status_code, 404)
        self.assertEqual(self.client.get(self.own.get_absolute_url()).status_code, 200)
