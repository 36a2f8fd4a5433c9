"""The versioned REST API (issue 6): /api/v1/…, its OpenAPI schema and docs."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
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
    path("v1/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
