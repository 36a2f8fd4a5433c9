from __future__ import annotations

from django.urls import path

from responses import letter_views, public_views

app_name = "public"

urlpatterns = [
    path("", public_views.reply_list, name="reply_list"),
    path("replies/<int:pk>/", public_views.reply_detail, name="reply_detail"),
    path("replies/<int:pk>/letter.pdf", letter_views.public_reply_pdf, name="reply_pdf"),
]
