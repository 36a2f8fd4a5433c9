"""Demo data for publication (上网公开), called from proposals/demo.py: the sent replies
the units chose to publish are published by staff (the public site has something to
show), the reply to No. 20240493 is proposed as a summary and awaits staff's decision
(its page shows the redaction side by side), and a reply the unit asked not to publish
is withheld with its reason. Safe to run again: only what is still awaiting is decided."""

from __future__ import annotations

from typing import TYPE_CHECKING

from responses.models import Publication

if TYPE_CHECKING:
    from proposals.models import Congress
    from tracker.models import User

SUMMARY_NUMBER = "20240493"
# The unit's summary quotes the real letter's contact line (seeds/reply-letter-20240493.txt),
# which the redaction step removes before anything is published.
SUMMARY_20240493 = (
    "龙岗区将申报省级区域协同与绿色低碳发展示范平台，推动组建储能产业高规格工作专班，"
    "加快坪西路改造工程可研报告审批，研究盐龙大道（坪地段）市政化改造，"
    "加快推进龙筋顶公园、巴头岭公园和清林径环库碧道建设。\n"
    "（联系人：龙岗区发展和改革局杨郁波，电话：88180952、手机：13923831115）"
)


WITHHELD_REASON = "答复涉及尚未批复的道路规划方案，公开可能引起误解，经研究暂不公开。"


def decide_demo_publications(congress: Congress, *, staff: User) -> dict[str, int]:
    """Propose, publish and withhold the demo's publications; returns how many of each."""
    awaiting = Publication.objects.filter(
        status=Publication.Status.PROPOSED, reply__assignment__proposal__congress=congress
    ).select_related("reply__assignment__department", "reply__assignment__proposal__lead_deputy")
    done = {"summary": 0, "published": 0, "withheld": 0}
    ours = Publication.objects.filter(reply__assignment__proposal__congress=congress)
    withheld = ours.filter(status=Publication.Status.WITHHELD).exists()
    for publication in awaiting.order_by("pk"):
        reply = publication.reply
        if reply.assignment.proposal.number == SUMMARY_NUMBER:
            if publication.proposed_form != Publication.Form.SUMMARY:
                # The unit's clerk proposes, as in real use.
                clerk = reply.assignment.department.users.filter(is_active=True).order_by("pk").first()
                publication.propose(Publication.Form.SUMMARY, by=clerk or staff, summary=SUMMARY_20240493)
                done["summary"] += 1
        elif publication.proposed_form == Publication.Form.WITHHOLD or not withheld:
            reason = publication.proposed_reason or WITHHELD_REASON
            publication.withhold(by=staff, reason=reason)
            withheld = True
            done["withheld"] += 1
        else:
            publication.publish(publication.proposed_form, publication.redaction().text, by=staff)
            done["published"] += 1
    return done
