from __future__ import annotations

from django.urls import path, register_converter

from proposals import stats_views
from responses import letter_views, public_views


class ProposalNumberConverter:
    """A suggestion number in the address (/public/20240493/, /public/DH0271/): one path
    segment holding a digit, so that the site's own words (replies, statistics) never
    read as a number. Any digit: a number typed in full-width (/public/２０２４０４９３/) is
    looked up in its normal form by the view."""

    # No NUL byte either: PostgreSQL refuses it in a query (tracker.middleware answers 400 first).
    regex = r"[^/\x00]*\d[^/\x00]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ProposalNumberConverter, "proposal_number")

app_name = "public"

urlpatterns = [
    path("", public_views.reply_list, name="reply_list"),
    path("replies.csv", public_views.reply_csv, name="reply_csv"),
    path("replies.json", public_views.reply_json, name="reply_json"),
    path("replies/<int:pk>/", public_views.reply_detail, name="reply_detail"),
    path("replies/<int:pk>/letter.pdf", letter_views.public_reply_pdf, name="reply_pdf"),
    path("progress/", public_views.progress_lookup, name="progress_lookup"),
    path("statistics/", stats_views.public_statistics, name="statistics"),
    # Last: any other segment with a digit in it is a suggestion number.
    path("<proposal_number:number>/", public_views.progress, name="progress"),
]
