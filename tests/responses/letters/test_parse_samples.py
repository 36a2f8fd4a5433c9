"""Letters written in the formats real ones use, every field checked."""

from __future__ import annotations

import datetime

from django.test import SimpleTestCase

from responses.letters.parse import Department, parse_letter, parse_letter_text
from responses.letters.text import LetterError

from .helpers import SAMPLES, docx_from_lines, sample


class ChineseNumberedLetterTests(SimpleTestCase):
    """一、 with （一） inside, 文号, 领导签发, grade at the top, 二〇二四年 date, 公开方式, 抄送."""

    def test_fields(self):
        letter = parse_letter(sample("cn-numbered-health.txt"), "cn-numbered-health.txt")
        self.assertEqual(letter.document_number, "深卫健建函〔2024〕35号")
        self.assertEqual(letter.number, "20240215")
        self.assertEqual((letter.congress, letter.session), ("深圳市七届人大", "五次会议"))
        self.assertEqual(letter.title, "关于加快龙岗区东部片区优质医疗资源布局的建议")
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), ("黄晓东", True))
        self.assertEqual(
            letter.departments,
            [Department("深圳市卫生健康委员会", "lead"), Department("龙岗区卫生健康局", "co")],
        )
        self.assertEqual(
            [s.heading for s in letter.sections],
            ["关于“加快推进区域医疗中心建设”的建议", "关于“完善基层医疗服务网络”的建议"],
        )
        # （一）/（二） stay inside their 一、 section.
        self.assertEqual(letter.sections[0].body.count("\n"), 1)
        self.assertTrue(letter.sections[1].body.startswith("（一）社康机构建设。"))
        self.assertEqual(
            letter.commitment_candidates,
            [
                "下一步，我委将会同龙岗区卫生健康局加大高水平医学团队引进力度，力争2025年底前新增2个国家级临床重点专科。",
                "我委计划于2024年内在坪地、坪山等片区新增社康机构8家，进一步扩大家庭医生签约覆盖面。",
            ],
        )
        self.assertEqual(letter.date, datetime.date(2024, 5, 20))
        self.assertEqual(letter.signed_by, "深圳市卫生健康委员会")
        self.assertEqual((letter.contact_name, letter.contact_phones), ("王敏", ["0755-88113835"]))
        self.assertEqual((letter.grade, letter.publicity), ("C", "public"))
        self.assertEqual(letter.copy_to, ["市人大常委会选联工委", "市政府督查室"])


class FullWidthLetterTests(SimpleTestCase):
    """Full-width digits and letters, Windows line endings, U+3000 indentation, no 等."""

    def test_fields(self):
        data = sample("full-width-pingshan.txt")
        self.assertIn(b"\r\n", data)
        letter = parse_letter(data, "full-width-pingshan.txt")
        self.assertEqual(letter.number, "20240121")
        self.assertEqual((letter.congress, letter.session), ("市七届人大", "五次会议"))
        self.assertEqual(letter.title, "关于推动坪山新能源汽车产业链延链补链的建议")
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), ("李文", False))
        self.assertEqual(letter.departments, [Department("坪山区发展和改革局", "lead")])
        self.assertEqual(len(letter.sections), 2)
        self.assertEqual(
            letter.commitment_candidates,
            [
                "下一步，我局将联合坪山区工业和信息化局开展精准招商，争取年内引进核心零部件企业5家以上。",
                "预计2025年6月建成投入使用。",
            ],
        )
        self.assertEqual(letter.date, datetime.date(2024, 6, 12))
        self.assertEqual(letter.signed_by, "深圳市坪山区发展和改革局")
        self.assertEqual(
            (letter.contact_name, letter.contact_phones), ("黄伟", ["0755-84612345", "13828765432"])
        )
        self.assertEqual((letter.grade, letter.publicity, letter.copy_to), ("A", None, []))
        self.assertIsNone(letter.document_number)


class DotNumberedWrappedTitleTests(SimpleTestCase):
    """ "1." numbering, a title and a heading line wrapped over two lines, "等3名代表", 2024.07.08."""

    def test_fields(self):
        letter = parse_letter(sample("dot-numbered-wrapped-title.txt"), "dot-numbered-wrapped-title.txt")
        self.assertEqual(letter.number, "20240377")
        self.assertEqual((letter.congress, letter.session), ("市七届人大", "五次会议"))
        self.assertEqual(letter.title, "关于推动坪西路改造、盐龙大道（坪地段）市政化改造项目尽快实施的建议")
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), ("陈寿", True))
        self.assertEqual(letter.departments, [Department("龙岗区", "lead")])
        self.assertEqual(
            [s.heading for s in letter.sections],
            [
                "关于“推动坪西路改造”的建议",
                "关于“盐龙大道（坪地段）市政化改造”的建议",
                "关于“加密片区公交线路”的建议",
            ],
        )
        self.assertEqual(
            letter.commitment_candidates,
            [
                "下一步，龙岗区将积极与市发改委沟通协调，加快可研报告审批工作。",
                "待项目详细规划批复后，龙岗区将及时编制项目建议书。",
            ],
        )
        self.assertEqual(letter.date, datetime.date(2024, 7, 8))
        self.assertEqual(letter.signed_by, "深圳市龙岗区人民政府")
        self.assertEqual((letter.contact_name, letter.contact_phones), ("刘海", ["28949123"]))
        self.assertEqual((letter.grade, letter.publicity, letter.copy_to), ("B", None, []))


class CoHandlerOpinionTests(SimpleTestCase):
    """A 会办 opinion naming the 主办 and the 会办 units; no grade."""

    def test_fields(self):
        letter = parse_letter(sample("co-handler-opinion.txt"), "co-handler-opinion.txt")
        self.assertEqual(letter.number, "20240402")
        self.assertEqual(letter.title, "关于优化深圳东部干线路网规划的建议")
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), ("张建国", True))
        self.assertEqual(
            letter.departments,
            [
                Department("市交通运输局", "lead"),
                Department("市规划和自然资源局", "co"),
                Department("市发展改革委", "co"),
            ],
        )
        self.assertEqual(len(letter.sections), 2)
        self.assertEqual(
            letter.commitment_candidates,
            [
                "我局将在国土空间详细规划编制中预留干线通道用地。",
                "我局拟于2025年开展干线道路网规划实施评估，评估结果将作为规划动态维护的依据。",
            ],
        )
        self.assertEqual(letter.date, datetime.date(2024, 6, 3))
        self.assertEqual(letter.signed_by, "深圳市规划和自然资源局")
        self.assertEqual((letter.contact_name, letter.contact_phones), ("李明", ["83945123"]))
        self.assertEqual((letter.grade, letter.publicity, letter.copy_to), (None, None, []))


class RecessLetterTests(SimpleTestCase):
    """闭会期间, "陈寿、李四代表：", （一） top level with 1. inside, 联系人及电话, 是否同意公开：是."""

    def test_fields(self):
        letter = parse_letter(sample("recess-pingshan.txt"), "recess-pingshan.txt")
        self.assertEqual(letter.number, "20230085")
        self.assertEqual((letter.congress, letter.session), ("深圳市七届人大", "闭会期间"))
        self.assertEqual(letter.title, "关于加快坪山区养老服务体系建设的建议")
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), ("陈寿", True))
        self.assertEqual(letter.departments, [Department("坪山区", "lead"), Department("市民政局", "co")])
        self.assertEqual(
            [s.heading for s in letter.sections],
            ["关于“推进社区养老服务综合体建设”的建议", "关于“完善养老服务补贴制度”的建议"],
        )
        self.assertTrue(letter.sections[0].body.startswith("1. 坪山区已建成"))
        self.assertEqual(
            letter.commitment_candidates,
            [
                "下一步，坪山区将推动碧岭街道养老服务综合体尽快开工建设。",
                "2024年底前将出台居家养老服务评估标准。",
            ],
        )
        self.assertEqual(letter.date, datetime.date(2023, 12, 26))
        self.assertEqual(letter.signed_by, "深圳市坪山区人民政府")
        self.assertEqual((letter.contact_name, letter.contact_phones), ("张三", ["0755-84612345"]))
        self.assertEqual((letter.grade, letter.publicity, letter.copy_to), ("B", "public", []))


class NoContactNotPublicTests(SimpleTestCase):
    """No contact line, 是否同意公开：否, no numbered sections, "我局作为协办单位", "XX代表："."""

    def test_fields(self):
        letter = parse_letter(sample("no-contact-not-public.txt"), "no-contact-not-public.txt")
        self.assertEqual(letter.number, "20240518")
        self.assertEqual((letter.congress, letter.session), ("市七届人大", "五次会议"))
        self.assertEqual(letter.title, "关于开放清林径水库周边生态资源的建议")
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), ("王小明", False))
        self.assertEqual(letter.departments, [Department("深圳市水务局", "co")])
        self.assertEqual((letter.sections, letter.commitment_candidates), ([], []))
        self.assertEqual(letter.date, datetime.date(2024, 8, 15))
        self.assertEqual(letter.signed_by, "深圳市水务局")
        self.assertEqual((letter.contact_name, letter.contact_phones), (None, []))
        self.assertEqual((letter.grade, letter.publicity, letter.copy_to), ("A", "not_public", []))


class DocxLetterTests(SimpleTestCase):
    """A Word letter: 第一， numbering, 第0123号, a district congress, contact in a table."""

    def check(self, letter):
        self.assertEqual(letter.number, "0123")
        self.assertEqual((letter.congress, letter.session), ("深圳市龙岗区第七届人民代表大会", "第四次会议"))
        self.assertEqual(letter.title, "关于支持龙岗区中小企业数字化转型的建议")
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), ("刘芳", True))
        self.assertEqual(letter.departments, [Department("龙岗区工业和信息化局", "lead")])
        self.assertEqual(
            [s.heading for s in letter.sections],
            ["关于“设立数字化转型专项资金”的建议", "关于“建设数字化转型公共服务平台”的建议"],
        )
        self.assertEqual(
            letter.commitment_candidates,
            [
                "我局将在2025年专项资金中增设中小企业数字化转型项目类别。",
                "目前平台已完成招标，预计2024年12月上线。",
            ],
        )
        self.assertEqual(letter.date, datetime.date(2024, 9, 30))
        self.assertEqual(letter.signed_by, "深圳市龙岗区工业和信息化局")
        self.assertEqual((letter.contact_name, letter.contact_phones), ("陈静", ["28949876"]))
        self.assertEqual((letter.grade, letter.publicity, letter.copy_to), ("A", "public", []))

    def test_committed_docx_sample(self):
        self.check(parse_letter(sample("docx-letter.docx"), "docx-letter.docx"))

    def test_docx_built_from_lines_with_the_tail_in_a_table(self):
        lines = sample("docx-source.txt").decode().splitlines()
        data = docx_from_lines(lines[:-3], table_lines=lines[-3:])
        self.check(parse_letter(data, "letter.docx"))

    def test_the_text_sample_parses_the_same(self):
        self.check(parse_letter(sample("docx-source.txt"), "docx-source.txt"))


class ParenNumberedLetterTests(SimpleTestCase):
    """（一） sections, the title wrapped inside 《》, "由我局主办", 二〇二五年 date, 公开方式 and 抄送."""

    def test_fields(self):
        letter = parse_letter(sample("paren-numbered-pingshan-education.txt"), "a.txt")
        self.assertEqual(letter.as_dict(), {
            "number": "20250187",
            "congress": "市七届人大",
            "session": "六次会议",
            "title": "关于加快坪山区中小学学位建设缓解学位紧张的建议",
            "lead_deputy": "王晓梅",
            "has_co_signers": False,
            "departments": [
                {"name": "深圳市坪山区教育局", "role": "lead"},
                {"name": "坪山区发展和改革局", "role": "co"},
            ],
            "sections": [
                {"heading": "关于新建学校", "body": "2024年我区新建、改扩建学校6所，新增学位8460个。"},
                {
                    "heading": "关于教师配备",
                    "body": "我局已将新招聘教师320名全部配备到新开办学校。"
                    "下一步，我局将继续推进坪山实验学校南校区建设，计划于2026年9月投入使用。",
                },
                {"heading": "关于学位预警", "body": "我局将每年发布学位预警，争取提前一年向社会公布。"},
            ],
            "commitment_candidates": [
                "下一步，我局将继续推进坪山实验学校南校区建设，计划于2026年9月投入使用。",
                "我局将每年发布学位预警，争取提前一年向社会公布。",
            ],
            "date": "2025-06-20",
            "signed_by": "深圳市坪山区教育局",
            "contact_name": "李明",
            "contact_phones": ["0755-84631234"],
            "grade": "A",
            "publicity": "public",
            "copy_to": ["市人大常委会选联工委", "区政府督查室"],
            "uncertain": [],
            "candidates": {},
        })  # fmt: skip


class CoOpinionToLeadUnitTests(SimpleTestCase):
    """A co-handler writes to the lead unit: the deputies are named in the text, not greeted,
    and the letter's own words (会办意见) give the signer's role."""

    def test_fields(self):
        letter = parse_letter(sample("co-opinion-to-lead-unit.txt"), "b.txt")
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), ("陈寿", True))
        self.assertEqual(letter.departments, [Department("深圳市交通运输局", "co")])
        self.assertEqual(
            (letter.congress, letter.session, letter.number), ("市七届人大", "五次会议", "20240711")
        )
        self.assertEqual(letter.title, "关于完善大运深港国际科教城交通配套的建议")
        self.assertEqual(
            letter.commitment_candidates, ["我局拟于2025年内新开3条公交线路，年底前完成站点优化。"]
        )
        self.assertEqual(letter.contact_phones, ["0755-83456789", "13800138000"])
        self.assertEqual((letter.grade, letter.publicity, letter.copy_to), (None, None, []))


class NotALetterTests(SimpleTestCase):
    def test_news_article_is_refused(self):
        with self.assertRaisesMessage(LetterError, "not-a-letter.txt: not a reply letter"):
            parse_letter(sample("not-a-letter.txt"), "not-a-letter.txt")

    def test_empty_file(self):
        with self.assertRaisesMessage(LetterError, "empty.txt: the file is empty"):
            parse_letter(sample("empty.txt"), "empty.txt")

    def test_corrupted_docx(self):
        data = sample("docx-letter.docx")
        with self.assertRaisesMessage(LetterError, "cut.docx: not a valid Word file"):
            parse_letter(data[: len(data) // 2], "cut.docx")

    def test_parse_letter_text_of_non_letter_gives_empty_fields(self):
        letter = parse_letter_text((SAMPLES / "not-a-letter.txt").read_text())
        self.assertEqual(
            (letter.number, letter.lead_deputy, letter.date, letter.grade), (None, None, None, None)
        )
        self.assertEqual(letter.sections, [])


class WordListNumberingTests(SimpleTestCase):
    """Section numbers printed by Word's list numbering are not in the text; they are rebuilt."""

    def test_sections_numbered_by_a_word_list(self):
        from .helpers import docx_with_word_numbering

        data = docx_with_word_numbering(
            [
                (None, "尊敬的黄晓东等代表："),
                (
                    None,
                    "您提出的第20240215号《关于加快龙岗区东部片区优质医疗资源布局的建议》收悉，现答复如下：",
                ),
                (0, "关于“加快推进区域医疗中心建设”的建议"),
                (1, "推进项目建设。市第三人民医院龙岗院区改扩建工程主体结构已封顶。"),
                (1, "加强人才引进。下一步，我委将加大高水平医学团队引进力度。"),
                (0, "关于“完善基层医疗服务网络”的建议"),
                (None, "龙岗区已建成社区健康服务中心165家。"),
                (None, "再次感谢您对卫生健康工作的关心和支持。"),
                (None, "深圳市卫生健康委员会"),
                (None, "2024年5月20日"),
            ]
        )
        letter = parse_letter(data, "numbered.docx")
        self.assertIn("\n一、关于“加快推进区域医疗中心建设”的建议\n（一）推进项目建设。", letter.text)
        self.assertIn("\n（二）加强人才引进。", letter.text)
        self.assertIn("\n二、关于“完善基层医疗服务网络”的建议\n", letter.text)
        self.assertEqual(
            [s.heading for s in letter.sections],
            ["关于“加快推进区域医疗中心建设”的建议", "关于“完善基层医疗服务网络”的建议"],
        )
        self.assertEqual(letter.commitment_candidates, ["下一步，我委将加大高水平医学团队引进力度。"])
        self.assertEqual(
            (letter.signed_by, letter.date), ("深圳市卫生健康委员会", datetime.date(2024, 5, 20))
        )
