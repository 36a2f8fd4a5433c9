"""Single rules of the reader and the parser, on the forms real letters print."""

from __future__ import annotations

import datetime

from django.test import SimpleTestCase

from responses.letters.parse import (
    Department,
    find_congress,
    find_contact,
    find_departments,
    find_grade,
    find_number,
    find_salutation,
    parse_letter_text,
)
from responses.letters.text import LetterError, read_letter_text

from .helpers import sample

LETTER = "尊敬的陈寿代表：\n您的第20240493号建议收悉，现答复如下：\n专此函复。\n"


class ReadLetterTextTests(SimpleTestCase):
    def test_encodings(self):
        for encoding in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
            with self.subTest(encoding=encoding):
                self.assertEqual(read_letter_text(LETTER.encode(encoding), "a.txt"), LETTER.strip())

    def test_conversion_artefacts_and_markup_are_removed(self):
        raw = (
            "[bookmark: _GoBack]<p>一是２０２４年，</p>[bookmark: _Hlk161760914]推进&nbsp;建设。"
            "\r\n　　再次感谢。  \r\n"
        )
        self.assertEqual(read_letter_text(raw.encode(), "a.txt"), "一是2024年，\n推进 建设。\n再次感谢。")

    def test_unsupported_types_named_by_content(self):
        cases = [
            (b"%PDF-1.7 ...", "letter.pdf", "letter.pdf: unsupported file type"),
            (b"%PDF-1.7 ...", "renamed.txt", "renamed.txt: unsupported file type"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 20, "old.doc", "old.doc: unsupported file type"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 20, "old.docx", "old.docx: unsupported file type"),
            (LETTER.encode(), "letter.odt", "letter.odt: unsupported file type"),
            (b"not a zip at all", "fake.docx", "fake.docx: not a valid Word file (the zip is damaged)"),
            (b"  \n ", "blank.txt", "blank.txt: the file is empty"),
        ]
        for data, name, message in cases:
            with self.subTest(name=name), self.assertRaisesMessage(LetterError, message):
                read_letter_text(data, name)

    def test_docx_named_txt_is_read_as_word(self):
        data = sample("docx-letter.docx")
        self.assertIn("尊敬的刘芳等代表：", read_letter_text(data, "letter.txt"))


class FieldRuleTests(SimpleTestCase):
    def test_salutations(self):
        cases = {
            "尊敬的陈寿等代表：": ("陈寿", True),
            "尊敬的陈寿代表": ("陈寿", False),
            "陈寿等3名代表：": ("陈寿", True),
            "尊敬的陈寿等三位代表：": ("陈寿", True),
            "陈寿、李四代表：": ("陈寿", True),
            "欧阳明代表：": ("欧阳明", False),
            "各位代表：": (None, None),
            "您对绿色低碳发展工作以及社会建设工作的关心和支持，感谢代表：": (None, None),
        }
        for line, expected in cases.items():
            with self.subTest(line=line):
                self.assertEqual(find_salutation([line]), expected)

    def test_numbers(self):
        cases = {
            "关于市七届人大五次会议第20240493号建议答复的函": "20240493",
            "您提出的第0123号《关于…的建议》": "0123",
            "您提出的第2024-0123号建议": "2024-0123",
            "建议编号：20240215": "20240215",
            "统筹考虑地铁3号线延长线": None,
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_number(text), expected)

    def test_congress_and_session(self):
        cases = {
            "关于市七届人大五次 会议第1号建议\n您在深圳市七届人大五次会议上提出": (
                "深圳市七届人大",
                "五次会议",
            ),
            "您在深圳市第七届人民代表大会第五次会议上提出": ("深圳市第七届人民代表大会", "第五次会议"),
            "您在市七届人大常委会闭会期间提出": ("市七届人大", "闭会期间"),
            "关于市七届人大五次会议": ("市七届人大", "五次会议"),
            "关于对深圳市七届人大五次会议": ("深圳市七届人大", "五次会议"),
            "关于市七届人大五次会议…您在深圳市七届人大五次会议上": ("深圳市七届人大", "五次会议"),
            "没有会议": (None, None),
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_congress(text), expected)

    def test_grades(self):
        cases = {
            "办理结果：B": "B",
            "办理结果:(C)": "C",
            "办理结果：A类": "A",
            "答复类别：B": "B",
            "办理结果：（Ｄ）": None,  # the parser normalises first; find_grade sees half-width only
            "办理结果：已办理": None,
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_grade(text), expected)
        self.assertEqual(parse_letter_text("办理结果：（Ｄ）").grade, "D")

    def test_contacts(self):
        cases = {
            "（联系人：龙岗区发展和改革局杨郁波，电话：88180952、手机：13923831115）": (
                "杨郁波",
                ["88180952", "13923831115"],
            ),
            "联系人及电话：张三 0755-88123456": ("张三", ["0755-88123456"]),
            "联 系 人：欧阳明明": ("欧阳明明", []),
            "联系人：市水务局办公室": ("市水务局办公室", []),
        }
        for line, expected in cases.items():
            with self.subTest(line=line):
                self.assertEqual(find_contact([line]), expected)
        # The phone on the next line belongs to the contact.
        self.assertEqual(
            find_contact(["联系人：李明", "联系电话：0755-83945123"]), ("李明", ["0755-83945123"])
        )

    def test_departments(self):
        self.assertEqual(
            find_departments("（主办单位：市交通运输局；会办单位：市规划和自然资源局、市发展改革委）", None),
            [
                Department("市交通运输局", "lead"),
                Department("市规划和自然资源局", "co"),
                Department("市发展改革委", "co"),
            ],
        )
        self.assertEqual(
            find_departments("按照分工，龙岗区为分办单位。", None), [Department("龙岗区", "separate")]
        )
        # "我局" alone becomes the signing body; without one it is left out, not guessed.
        self.assertEqual(
            find_departments("我局作为协办单位", "深圳市水务局"), [Department("深圳市水务局", "co")]
        )
        self.assertEqual(find_departments("我局作为协办单位", None), [])


class LetterShapeTests(SimpleTestCase):
    def test_chinese_numeral_and_numeric_dates(self):
        cases = {
            "二〇二四年十一月十八日": datetime.date(2024, 11, 18),
            "二○二四年五月二十日": datetime.date(2024, 5, 20),
            "二零二三年十二月三十一日": datetime.date(2023, 12, 31),
            "2024-11-18": datetime.date(2024, 11, 18),
            "２０２４年１１月１８日": datetime.date(2024, 11, 18),
        }
        for printed, expected in cases.items():
            with self.subTest(printed=printed):
                letter = parse_letter_text(f"{LETTER}\n深圳市龙岗区人民政府\n　　{printed}\n")
                self.assertEqual(letter.date, expected)
                self.assertEqual(letter.signed_by, "深圳市龙岗区人民政府")

    def test_dates_in_the_body_are_not_the_letter_date(self):
        letter = parse_letter_text("尊敬的陈寿代表：\n一、关于建设\n2023年3月1日已开工。\n再次感谢。\n")
        self.assertIsNone(letter.date)

    def test_heading_running_into_its_body_and_future_cues(self):
        text = (
            "尊敬的陈寿代表：\n首先感谢。现将办理意见答复如下：\n"
            "一、加强统筹。我局已将项目纳入计划。下一步将加快建设；年内完成验收。\n"
            "二、关于“人才”的建议\n王将军故居已修缮。待资金到位后启动建设。\n"
            "再次感谢您的支持。\n"
        )
        letter = parse_letter_text(text)
        self.assertEqual([s.heading for s in letter.sections], ["加强统筹", "关于“人才”的建议"])
        self.assertEqual(letter.sections[0].body, "我局已将项目纳入计划。下一步将加快建设；年内完成验收。")
        self.assertEqual(
            letter.commitment_candidates, ["下一步将加快建设；", "年内完成验收。", "待资金到位后启动建设。"]
        )

    def test_publicity_forms(self):
        cases = {
            "公开方式：依申请公开": "on_request",
            "公开方式：不予公开": "not_public",
            "（此件主动公开）": "public",
            "是否同意公开：同意": "public",
            "是否同意公开：否": "not_public",
        }
        for line, expected in cases.items():
            with self.subTest(line=line):
                self.assertEqual(parse_letter_text(f"{LETTER}{line}\n").publicity, expected)


class LetterWithoutSalutationTests(SimpleTestCase):
    def test_marks_above_the_title_do_not_end_the_letter(self):
        text = (
            "办理结果：（C）\n领导签发：张三\n深圳市水务局关于第20240518号建议答复的函\n"
            "您提出的《关于开放清林径水库周边生态资源的建议》（第20240518号）收悉，现答复如下：\n"
            "一、关于“开放水库”的建议\n下一步，我局将配合龙岗区加快远足径建设。\n"
            "特此函复。\n深圳市水务局\n2024年8月15日\n经办人：李明，电话：83945123\n（此件公开发布）\n"
        )
        letter = parse_letter_text(text)
        self.assertEqual((letter.lead_deputy, letter.has_co_signers), (None, None))
        self.assertEqual((letter.number, letter.grade), ("20240518", "C"))
        self.assertEqual(letter.title, "关于开放清林径水库周边生态资源的建议")
        self.assertEqual([s.heading for s in letter.sections], ["关于“开放水库”的建议"])
        self.assertEqual(letter.commitment_candidates, ["下一步，我局将配合龙岗区加快远足径建设。"])
        self.assertEqual((letter.date, letter.signed_by), (datetime.date(2024, 8, 15), "深圳市水务局"))
        self.assertEqual((letter.contact_name, letter.contact_phones), ("李明", ["83945123"]))
        self.assertEqual(letter.publicity, "public")


class MoreRealFormsTests(SimpleTestCase):
    def test_salutation_running_on_into_the_preamble(self):
        letter = parse_letter_text("尊敬的陈寿等代表：您提出的第20240493号建议收悉，现答复如下：\n专此函复。")
        self.assertEqual(
            (letter.lead_deputy, letter.has_co_signers, letter.number), ("陈寿", True, "20240493")
        )

    def test_a_cited_policy_opinion_is_not_the_title(self):
        head = "根据《关于推进公园城市建设的实施意见》，您提出的《关于加快龙筋顶公园建设的建议》收悉。"
        self.assertEqual(parse_letter_text(head).title, "关于加快龙筋顶公园建设的建议")

    def test_lead_and_several_co_handlers_in_one_sentence(self):
        self.assertEqual(
            find_departments("按照办理分工，龙岗区为主办单位，市发展改革委、市水务局为会办单位。", None),
            [Department("龙岗区", "lead"), Department("市发展改革委", "co"), Department("市水务局", "co")],
        )
        self.assertEqual(
            find_departments("该建议由市交通运输局牵头办理。", None), [Department("市交通运输局", "lead")]
        )

    def test_area_code_in_brackets_and_stamp_after_signature(self):
        self.assertEqual(find_contact(["联系人：刘海，电话：（0755）28949123"]), ("刘海", ["0755-28949123"]))
        letter = parse_letter_text(f"{LETTER}深圳市龙岗区人民政府（代章）\n2024年11月18日")
        self.assertEqual(letter.signed_by, "深圳市龙岗区人民政府")

    def test_words_that_look_like_promises_but_are_not(self):
        text = (
            "尊敬的陈寿代表：\n一、关于“待遇”的建议\n去年已将补贴标准提高。教师待遇提高后流失减少。"
            "已纳入年度计划。王将军纪念馆已开放。\n二、关于“下一步”的建议\n下一步将开展评估。\n再次感谢。"
        )
        self.assertEqual(parse_letter_text(text).commitment_candidates, ["下一步将开展评估。"])

    def test_thanks_opening_the_preamble_or_a_section_does_not_close_the_letter(self):
        text = (
            "尊敬的陈寿代表：\n非常感谢您对龙岗区交通建设工作的关心和支持，现将办理意见答复如下：\n"
            "一、关于“坪西路”的建议\n感谢您对坪西路的关注。\n下一步将加快审批。\n"
            "二、关于“公交”的建议\n已开通线路2条。\n再次感谢您的关心和支持。专此函复。\n"
            "深圳市龙岗区人民政府\n2024年11月18日\n"
        )
        letter = parse_letter_text(text)
        self.assertEqual(
            [(s.heading, s.body) for s in letter.sections],
            [
                ("关于“坪西路”的建议", "感谢您对坪西路的关注。\n下一步将加快审批。"),
                ("关于“公交”的建议", "已开通线路2条。"),
            ],
        )

    def test_title_fallback_phrase_and_no_title(self):
        letter = parse_letter_text(
            "尊敬的陈寿代表：\n您提出的关于加快龙筋顶公园建设的建议收悉，现答复如下：\n"
            "一、关于“立项”的建议\n已立项。\n"
        )
        self.assertEqual(letter.title, "关于加快龙筋顶公园建设的建议")
        # A section heading quoting one point is not the suggestion's title.
        letter = parse_letter_text(
            "尊敬的陈寿代表：\n您的第20240493号建议收悉。\n一、关于“立项”的建议\n已立项。\n"
        )
        self.assertIsNone(letter.title)

    def test_co_signers_listed_and_followed_by_deng(self):
        self.assertEqual(find_salutation(["尊敬的陈寿、李四等代表："]), ("陈寿", True))
        self.assertEqual(find_salutation(["尊敬的陈寿等代表：您提出的建议收悉。"]), ("陈寿", True))


class RealLetterFormTests(SimpleTestCase):
    """The forms real letters from other provinces print, one rule at a time (issue 17)."""

    def test_number_in_the_title_line_split_or_without_di(self):
        from responses.letters.parse import find_number_candidates

        cases = {
            "对市九届人大二次会议《关于改善供热的建议》(第129号)建议的答复": "129",
            "关于对常州市十五届人大四次会议代表建议\n第0043号的答复": "0043",
            "关于君山区人大五届五次会议1号建议的回复": "1",
            "第四次会议16号议案《关于君山区钱粮湖镇公交车线路的建设》": "16",
            "关于对常州市十六届人大四次会议代表建??120号的答复": "120",
            "《关于整治东山环境的议案》(第118号)已收悉": "118",
            "淄川区第十九届人民代表大会第二次会议\n24\n建议人: 陈刚": "24",
            "会议第DH123号建议的复函": "DH123",
        }
        for text, number in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_number_candidates(text)[0], number)
        # The 文号 is not the suggestion's number.
        self.assertIsNone(find_number("钱汽发〔2020〕11号A类 同意公开"))

    def test_two_numbers_make_the_number_uncertain(self):
        letter = parse_letter_text(
            "会议建议:第009号--关于加强建设的建议的答复\n李影代表:\n第2019009号已收悉。"
        )
        self.assertEqual((letter.number, letter.uncertain), ("009", ["number"]))
        self.assertEqual(letter.candidates, {"number": ["009", "2019009"]})

    def test_congress_written_renda_first_or_with_a_place_containing_a_boundary_word(self):
        cases = {
            "关于贵州省人大十三届四次会议第560号建议": ("贵州省十三届人大", "四次会议"),
            "关于兴庆区人大四届三次会议第16号": ("兴庆区四届人大", "三次会议"),
            "关于县人大十五届三次会议第144号建议的答复": ("县十五届人大", "三次会议"),
            "马关县交通运输局关于马关县第十八届人大一次会议第105号": ("马关县第十八届人大", "一次会议"),
            "2023年清原满族自治县八届人大二次会议": ("清原满族自治县八届人大", "二次会议"),
            "现将省十三届人大五次会议第741号建议": ("省十三届人大", "五次会议"),
            "龍陵縣第十七屆人民代表大會第三次會議上": ("龍陵縣第十七屆人民代表大會", "第三次會議"),
            # The session's number lost in a copy: no session rather than a wrong one.
            "关于县第十八届人大次会议第DH123号建议": ("县第十八届人大", None),
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_congress(text), expected)

    def test_titles_in_quotes_with_a_lost_quote_or_two_titles(self):
        from responses.letters.parse import find_title_candidates

        cases = {
            "您提出的关于“乡间路维护的建议”收悉": "乡间路维护的建议",
            "您提出的关于“关于老邢峰线(群英路)进行改造”的建议收悉": "关于老邢峰线(群英路)进行改造",
            "你们提出“关于金厂河的治理建议”已收悉": "关于金厂河的治理建议",
            "你提出的“建议帮助实施马游河河堤加固的建议案”,问题已交": "建议帮助实施马游河河堤加固的建议案",
            "你们提出了题为《关于请求对大河口大桥进行修复》的议案": "关于请求对大河口大桥进行修复",
            "提出的关于明确下西片区中小学校布局发展规划”的建议": "明确下西片区中小学校布局发展规划",
            "薄韫代表提出的关于推进老旧小区综合改造的代表建议收悉": "关于推进老旧小区综合改造的代表建议",
            "案 由 |\n关于将单位宿舍纳入改造范围的建议 | |||": "关于将单位宿舍纳入改造范围的建议",
        }
        for text, title in cases.items():
            with self.subTest(text=text):
                self.assertEqual(find_title_candidates(text)[0], title)
        title, candidates = find_title_candidates(
            "16号议案《关于钱粮湖镇公交车线路的建设》\n您提出《关于开通钱粮湖镇公交车线路的建议》已收悉"
        )
        self.assertEqual(title, "关于钱粮湖镇公交车线路的建设")
        self.assertEqual(candidates, ["关于钱粮湖镇公交车线路的建设", "关于开通钱粮湖镇公交车线路的建议"])

    def test_salutations_of_other_provinces(self):
        cases = {
            "罗元代表:你提出的“关于治理蜻蛉河源头项目列项的议案”": ("罗元", False),
            "杨海全代表、赵玲佩代表:": ("杨海全", True),
            "尊敬的王亚春区人大代表:": ("王亚春", False),
            "尊敬袁大金代表:": ("袁大金", False),
            "高松代表": ("高松", False),
            "…第094号建议的答复 张凤娥等代表: 你们提出的…": ("张凤娥", True),
            "马创成、雷全君、马芸、李毅代表:": ("马创成", True),
        }
        for line, expected in cases.items():
            with self.subTest(line=line):
                self.assertEqual(find_salutation([line]), expected)

    def test_the_unit_that_writes_the_letter_is_the_lead_unit(self):
        from responses.letters.parse import find_all_departments

        letter = (
            "龚程代表:\n您提出的关于修路的建议收悉,现答复如下:\n我镇已启动。\n神山镇人民政府\n2023年9月15日"
        )
        parsed = parse_letter_text(letter)
        self.assertEqual(parsed.departments, [Department("神山镇人民政府", "lead")])
        self.assertEqual(parsed.uncertain, [])
        cases = {
            # Named only in the heading: the author, marked uncertain.
            "天水市交通运输局关于对市八届人大五次会议第144号建议的答复\n马创成代表:": "天水市交通运输局",
            "南宫市交通运输局 对南宫市第九届人民代表大会第46号建议的答复\n秦振兴代表:": "南宫市交通运输局",
            "高平市卫生健康和体育局\n关于对第71号建议的\n答 复\n王爱珍代表:": "高平市卫生健康和体育局",
            "对县十六届人大一次会议第3号建议的答复(水利局)\n王孝友代表:": "水利局",
        }
        for text, unit in cases.items():
            with self.subTest(text=text):
                self.assertEqual(
                    find_all_departments(text.split("\n"), text, None), ([Department(unit, "lead")], True)
                )
        # A co-handler's opinion: the writer co-handles.
        text = "黔东南州人民政府关于贵州省人大十三届四次会议第560号建议的会办意见\n省教育厅:"
        self.assertEqual(
            find_all_departments(text.split("\n"), text, None), ([Department("黔东南州人民政府", "co")], True)
        )

    def test_handling_unit_fields_and_website_footers(self):
        from responses.letters.parse import find_handling_label

        self.assertEqual(
            find_handling_label(["承办单位:清原满族自治县住房和城乡建设"]), "清原满族自治县住房和城乡建设"
        )
        self.assertEqual(find_handling_label(["承办单位 |", "市住房和城乡建设局 |"]), "市住房和城乡建设局")
        self.assertIsNone(
            find_handling_label(["主办单位:中牟县人民政府办公室 地址:河南省郑州市中牟县商都大道1号"])
        )
        footer = (
            "席守力代表:\n您提出的建议已收悉。\n主办单位:中牟县人民政府办公室 地址:商都大道1号 邮编:451450"
        )
        self.assertEqual(parse_letter_text(footer).departments, [])

    def test_dates_with_a_digit_zero_lost_characters_or_page_leftovers(self):
        from responses.letters.parse import date_from_digits

        cases = {
            "局\n二0一七年五月二十六日": datetime.date(2017, 5, 26),
            "神山镇人民政府\n2018年6月28日 |": datetime.date(2018, 6, 28),
            "湖北省卫生健康委员会\n2021年4月12日扫一扫在手机上查看当前页面": datetime.date(2021, 4, 12),
        }
        for tail, date in cases.items():
            with self.subTest(tail=tail):
                self.assertEqual(parse_letter_text("王敏代表:\n您的建议收悉。\n" + tail).date, date)
        # 年/月/日 lost in a copy: read under the signer only, and marked uncertain.
        letter = parse_letter_text(
            "刘昌明代表:\n您的建议收悉。\n重庆綦江高新技术产业开发区管理委员会\n2023619"
        )
        self.assertEqual((letter.date, letter.uncertain), (datetime.date(2023, 6, 19), ["date"]))
        self.assertEqual(date_from_digits("20230619"), datetime.date(2023, 6, 19))
        self.assertIsNone(date_from_digits("2023111"))  # 1月11日 or 11月1日: not guessed
        self.assertIsNone(parse_letter_text("王敏代表:\n您的建议收悉。\n联系电话:2023619").date)
        # The 成文时间 of a page's record, when the letter itself is cut off (uncertain).
        letter = parse_letter_text("- 成文时间:2022年07月28日\n马军运代表: 您好,您提出的建议收悉")
        self.assertEqual((letter.date, letter.uncertain), (datetime.date(2022, 7, 28), ["date"]))

    def test_grades_beside_the_document_number_or_as_category(self):
        cases = {
            "华建复〔2017〕5号(B类)": "B",
            "钱汽发〔2020〕11号A类 同意公开": "A",
            "类别:C": "C",
            "类 别: B": "B",
            "嶽縣教體字﹝2022﹞12號 A類 同意公開": "A",
            "办理结果:(C)": "C",
        }
        for line, grade in cases.items():
            with self.subTest(line=line):
                self.assertEqual(find_grade(line), grade)
        # A sentence counting A类 items is not a grade.
        self.assertIsNone(find_grade("已经解决或基本解决的(A类)有64件,占50%,正在解决的(B类)有38件"))

    def test_contacts_of_handlers_and_offices(self):
        cases = {
            "承办人及联系电话:邓顺锡 13789037627": ("邓顺锡", ["13789037627"]),
            "承办人:万昌明  联系方式:13507305504": ("万昌明", ["13507305504"]),
            "(联系人及电话:云南省农业厅畜牧处 王瑞欣 65749510)": ("王瑞欣", ["65749510"]),
            "承辦人及聯係電話:盧麗娟 0730-7654815": ("盧麗娟", ["0730-7654815"]),
        }
        for line, expected in cases.items():
            with self.subTest(line=line):
                self.assertEqual(find_contact([line]), expected)
        # "承办负责人" is the leader who signed off, not the contact.
        self.assertEqual(find_contact(["承办负责人:黄卫军"]), (None, []))

    def test_publicity_ignores_the_page_navigation(self):
        from responses.letters.parse import find_publicity

        navigation = "首页/ 政务公开 / 法定主动公开内容 / 建议提案 / 人大建议 / 正文"
        self.assertIsNone(find_publicity([navigation], []))
        self.assertEqual(find_publicity(["钱汽发〔2020〕11号A类 同意公开"], []), "public")

    def test_markup_with_a_lost_character_is_removed(self):
        from responses.letters.text import normalise_text

        self.assertEqual(
            normalise_text("代表建?/strong>?120号的答复 案由:建?nbsp; 提案"),
            "代表建??120号的答复 案由:建 提案",
        )
        self.assertEqual(normalise_text("2018年6月4日\n<!--EndFragment-->"), "2018年6月4日")

    def test_cppcc_proposal_replies_are_told_apart(self):
        from responses.letters.parse import answers_cppcc_proposal

        self.assertTrue(
            answers_cppcc_proposal("郭胜利、陈爱珍委员:\n你们提出的提案已收悉。两会的人大代表意见建议")
        )
        self.assertTrue(answers_cppcc_proposal("关于对政协子洲县第十届委员会第二次会议第14号提案的复函"))
        # A deputy's letter that calls the suggestion a 提案 is still a deputy's letter.
        self.assertFalse(
            answers_cppcc_proposal("关于人大十九届一次会议第50号\n马军运代表: 您提出的提案已收悉")
        )

    def test_a_cited_policy_is_no_title_candidate(self):
        from responses.letters.parse import find_title_candidates

        text = "你们提出的《关于S221项目建设的建议》收悉。该项目已纳入《关于加快民族地区公路发展的实施意见》"
        self.assertEqual(find_title_candidates(text), ("关于S221项目建设的建议", []))
