from __future__ import annotations

from django.urls import path

from proposals import import_views, recurring_views, submission_views, views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("new/", views.proposal_create, name="create"),
    path("queue/", views.queue, name="queue"),
    path("mine/", views.my_proposals, name="mine"),
    path("recurring/", recurring_views.recurring_list, name="recurring"),
    path("choices/<slug:kind>/", views.choices, name="choices"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/discard/", import_views.import_discard, name="import_discard"),
    path("import/<int:pk>/retry/", import_views.import_retry, name="import_retry"),
    path("todo/", submission_views.todo, name="todo"),
    path("submissions/", submission_views.submission_list, name="submissions"),
    path("submissions/new/", submission_views.submission_create, name="submission_create"),
    path("submissions/<int:pk>/", submission_views.submission_detail, name="submission"),
    path("submissions/<int:pk>/edit/", submission_views.submission_edit, name="submission_edit"),
    path("submissions/<int:pk>/invite/", submission_views.submission_invite, name="submission_invite"),
    path("submissions/<int:pk>/submit/", submission_views.submission_submit, name="submission_submit"),
    path("submissions/<int:pk>/withdraw/", submission_views.submission_withdraw, name="submission_withdraw"),
    path("submissions/<int:pk>/accept/", submission_views.submission_accept, name="submission_accept"),
    path("submissions/<int:pk>/return/", submission_views.submission_return, name="submission_return"),
    path("submissions/<int:pk>/cosign/", submission_views.submission_cosign, name="submission_cosign"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/assign/", views.proposal_assign, name="assign"),
    path("<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("<int:pk>/close/", views.proposal_close, name="close"),
    path("<int:pk>/withdraw/", views.proposal_withdraw, name="withdraw"),
    path("assignments/<int:pk>/accept/", views.assignment_accept, name="accept"),
    path("assignments/<int:pk>/request-change/", views.assignment_request_change, name="request_change"),
    path("assignments/<int:pk>/decide-change/", views.assignment_decide_change, name="decide_change"),
    path("assignments/<int:pk>/extend/", views.assignment_extend, name="extend"),
    path("assignments/<int:pk>/contacts/", views.assignment_add_contact, name="add_contact"),
]
