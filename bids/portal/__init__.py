"""Portal pages of the tender box: a provider's bids, preparing one with attachments, submitting, withdrawing."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/<int:tender_pk>/", views.prepare, name="prepare"),
    path("<int:pk>/", views.bid_page, name="bid"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/summary/", views.summary, name="summary"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/receipts/<int:number>/", views.receipt, name="receipt"),
    path("<int:pk>/secrecy/", views.secrecy, name="secrecy"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("<int:pk>/attachments/<uuid:attachment_id>/delete/", views.attachment_delete, name="attachment-delete"),
]
