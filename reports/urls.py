"""The annual handling report and the unit assessment (issue 16)."""

from __future__ import annotations

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("annual/", views.annual_report, name="annual"),
    path("annual/docx/", views.annual_report_docx, name="annual_docx"),
    path("annual/cases/", views.case_add, name="case_add"),
    path("annual/cases/<int:pk>/remove/", views.case_remove, name="case_remove"),
    path("template/", views.report_template, name="template"),
    path("template/default/", views.default_template, name="template_default"),
    path("template/<int:pk>/", views.template_download, name="template_download"),
    path("template/<int:pk>/set-aside/", views.template_set_aside, name="template_set_aside"),
    path("assessment/", views.assessment_page, name="assessment"),
    path("assessment/scheme/<int:pk>/", views.assessment_scheme, name="assessment_scheme"),
    path("assessment/adjust/", views.assessment_adjust, name="assessment_adjust"),
]
