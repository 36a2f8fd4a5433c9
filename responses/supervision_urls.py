from __future__ import annotations

from django.urls import path

from responses import supervision_views as views

app_name = "supervision"

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.theme_create, name="create"),
    path("<int:pk>/", views.theme_detail, name="theme"),
    path("<int:pk>/edit/", views.theme_edit, name="edit"),
    path("<int:pk>/suggestions/", views.suggestions_add, name="suggestions_add"),
    path("<int:pk>/suggestions/remove/", views.suggestion_remove, name="suggestion_remove"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("<int:pk>/activities/new/", views.activity_add, name="activity_add"),
    path("files/<int:pk>/", views.activity_file, name="file"),
    path("activities/<int:pk>/actions/", views.action_add, name="action_add"),
    path("actions/<int:pk>/report/", views.action_report, name="action_report"),
    path("actions/<int:pk>/confirm/", views.action_confirm, name="action_confirm"),
    path("actions/<int:pk>/reopen/", views.action_reopen, name="action_reopen"),
    path("<int:pk>/report/", views.report_edit, name="report"),
    path("<int:pk>/report/finalise/", views.report_finalise, name="report_finalise"),
    path("<int:pk>/report.docx", views.report_download, name="report_docx"),
]
