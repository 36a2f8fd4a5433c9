"""The versioned REST API (issue 6): /api/v1/…, its OpenAPI schema and docs."""

from __future__ import annotations

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from tracker.api import views

app_name = "api"

router = SimpleRouter()
router.register("suggestions", views.ProposalViewSet, basename="suggestion")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("replies", views.ReplyViewSet, basename="reply")
router.register("commitments", views.CommitmentViewSet, basename="commitment")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("v1/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    # The split view loads its start-up script from this same address (?script=) instead of
    # inline, so the site's script policy holds; Swagger UI's page keeps a <style> element
    # and sets style attributes, hence inline styles (only styles) on this page.
    path(
        "v1/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
]
