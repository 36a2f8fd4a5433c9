from __future__ import annotations

from django.urls import path

from responses import public_views

app_name = "public"

urlpatterns = [
    path("", public_views.reply_list, name="reply_list"),
    path("replies/<int:pk>/", public_views.reply_detail, name="reply_detail"),
]
