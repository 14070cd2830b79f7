"""URLs of bid attachments (upload in chunks, complete, download, delete)."""

from django.urls import path

from .attachments import (
    BidAttachmentChunkView,
    BidAttachmentCompleteView,
    BidAttachmentDownloadView,
    BidAttachmentListView,
    BidAttachmentView,
)

_ONE = "bids/<int:bid_id>/attachments/<uuid:attachment_id>/"

urlpatterns = [
    path("bids/<int:bid_id>/attachments/", BidAttachmentListView.as_view(), name="bid-attachments"),
    path(_ONE, BidAttachmentView.as_view(), name="bid-attachment"),
    path(f"{_ONE}chunks/<int:number>/", BidAttachmentChunkView.as_view(), name="bid-attachment-chunk"),
    path(f"{_ONE}complete/", BidAttachmentCompleteView.as_view(), name="bid-attachment-complete"),
    path(f"{_ONE}download/", BidAttachmentDownloadView.as_view(), name="bid-attachment-download"),
]
