from __future__ import annotations

from django.urls import path

from responses import archive_views, letter_views, publication_views, views

app_name = "responses"

urlpatterns = [
    path("assignments/<int:pk>/opinion/", views.opinion_submit, name="opinion"),
    path("assignments/<int:pk>/reply/", views.reply_edit, name="reply_edit"),
    path("<int:pk>/", views.reply_detail, name="reply_detail"),
    path("<int:pk>/letter.docx", letter_views.reply_docx, name="reply_docx"),
    path("<int:pk>/letter.pdf", letter_views.reply_pdf, name="reply_pdf"),
    path("<int:pk>/submit/", views.reply_submit, name="reply_submit"),
    path("<int:pk>/approve/", views.reply_approve, name="reply_approve"),
    path("<int:pk>/return/", views.reply_return, name="reply_return"),
    path("<int:pk>/regrade/", views.reply_regrade, name="reply_regrade"),
    path("<int:pk>/feedback/", views.feedback_give, name="feedback"),
    path("<int:pk>/consult/", views.reply_consult, name="reply_consult"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation"),
    path("feedback/<int:pk>/decide/", views.feedback_decide, name="feedback_decide"),
    path("reminders/", views.reminder_list, name="reminders"),
    path("commitments/", views.commitment_list, name="commitments"),
    path("commitments/review/", views.commitment_review, name="commitment_review"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("commitments/<int:pk>/report/", views.commitment_report, name="commitment_report"),
    path("commitments/<int:pk>/fulfil/", views.commitment_fulfil, name="commitment_fulfil"),
    path("commitments/<int:pk>/confirm/", views.commitment_confirm, name="commitment_confirm"),
    path("commitments/<int:pk>/reject/", views.commitment_reject, name="commitment_reject"),
    path("commitments/<int:pk>/close/", views.commitment_close, name="commitment_close"),
    path("commitments/<int:pk>/comment/", views.commitment_comment, name="commitment_comment"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("assignments/<int:pk>/remind/", views.remind_now, name="remind_now"),
    path("publication/", publication_views.publication_list, name="publications"),
    path("publication/<int:pk>/", publication_views.publication_detail, name="publication_detail"),
    path("publication/<int:pk>/propose/", publication_views.publication_propose, name="publication_propose"),
    path("publication/<int:pk>/publish/", publication_views.publication_publish, name="publication_publish"),
    path(
        "publication/<int:pk>/withhold/", publication_views.publication_withhold, name="publication_withhold"
    ),
    path(
        "publication/<int:pk>/reconsider/",
        publication_views.publication_reconsider,
        name="publication_reconsider",
    ),
    path("letters/", archive_views.archived_letter_list, name="archived_letters"),
    path("letters/<int:pk>/", archive_views.archived_letter_detail, name="archived_letter"),
    path("letters/<int:pk>/file/", archive_views.archived_letter_file, name="archived_letter_file"),
    path("letters/import/", archive_views.letter_import_upload, name="letter_import_upload"),
    path("letters/import/<int:pk>/", archive_views.letter_import_detail, name="letter_import"),
    path(
        "letters/import/<int:pk>/confirm/", archive_views.letter_import_confirm, name="letter_import_confirm"
    ),
    path(
        "letters/import/<int:pk>/discard/", archive_views.letter_import_discard, name="letter_import_discard"
    ),
]
