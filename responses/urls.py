from __future__ import annotations

from django.urls import path

from responses import views

app_name = "responses"

urlpatterns = [
    path("assignments/<int:pk>/opinion/", views.opinion_submit, name="opinion"),
    path("assignments/<int:pk>/reply/", views.reply_edit, name="reply_edit"),
    path("<int:pk>/", views.reply_detail, name="reply_detail"),
    path("<int:pk>/submit/", views.reply_submit, name="reply_submit"),
    path("<int:pk>/approve/", views.reply_approve, name="reply_approve"),
    path("<int:pk>/return/", views.reply_return, name="reply_return"),
    path("<int:pk>/regrade/", views.reply_regrade, name="reply_regrade"),
    path("<int:pk>/feedback/", views.feedback_give, name="feedback"),
    path("feedback/<int:pk>/decide/", views.feedback_decide, name="feedback_decide"),
    path("reminders/", views.reminder_list, name="reminders"),
    path("assignments/<int:pk>/remind/", views.remind_now, name="remind_now"),
]
