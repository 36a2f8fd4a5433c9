"""The reply letter's title on the page: GB/T 9704-2012 wants it balanced, not "函" alone."""

from __future__ import annotations

from django.test import SimpleTestCase

from responses.letters.docx import TITLE_LINE_PT, TITLE_SIZE, balanced_title_lines


def title(department: str, session: str, number: str) -> tuple[str, tuple[int, ...]]:
    about = f"关于{session}"
    return f"{department}{about}第{number}号建议答复的函", (len(department), len(department) + len(about))


def width(line: str) -> float:
    return sum(TITLE_SIZE.pt / 2 if ord(char) < 0x2E80 else TITLE_SIZE.pt for char in line)


class BalancedTitleTests(SimpleTestCase):
    def test_it_breaks_the_20240493_title_at_its_parts(self) -> None:
        text, parts = title("深圳市龙岗区人民政府", "深圳市第七届人民代表大会第五次会议", "20240493")
        self.assertEqual(
            balanced_title_lines(text, parts),
            ["深圳市龙岗区人民政府", "关于深圳市第七届人民代表大会第五次会议", "第20240493号建议答复的函"],
        )

    def test_it_keeps_a_title_that_fits_on_one_line(self) -> None:
        text, parts = title("龙岗区政府", "五次会议", "1")
        self.assertEqual(balanced_title_lines(text, parts), [text])

    def test_every_line_fits_and_none_is_a_lone_character(self) -> None:
        cases = [
            ("深圳市坪山区人民政府", "深圳市第七届人民代表大会常务委员会第二十次会议闭会期间", "DH0271"),
            ("深圳市规划和自然资源局龙岗管理局", "深圳市第七届人民代表大会第五次会议", "20240493"),
            ("深圳市公安局交通警察局", "深圳市第七届人民代表大会第五次会议", "20240001"),
        ]
        for department, session, number in cases:
            text, parts = title(department, session, number)
            lines = balanced_title_lines(text, parts)
            with self.subTest(text=text):
                self.assertEqual("".join(lines), text)
                self.assertTrue(all(width(line) <= TITLE_LINE_PT for line in lines), lines)
                self.assertTrue(all(len(line) >= 4 for line in lines), lines)
                self.assertFalse(any(line.startswith(("市", "区", "号")) for line in lines), lines)
                self.assertEqual(sum(number in line for line in lines), 1, "the number is never split")

    def test_it_breaks_a_title_without_parts_at_good_places(self) -> None:
        text = "深圳市人民政府办公厅关于深圳市第七届人民代表大会第五次会议第2024号建议答复的函"
        lines = balanced_title_lines(text)
        self.assertGreater(len(lines), 1)
        self.assertTrue(any("人民代表大会" in line for line in lines), "a term is never split")
        for line in lines:
            self.assertFalse(line.startswith(("市", "区", "民", "号")), lines)
