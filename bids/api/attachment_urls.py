"""URLs of bid attachments (upload in chunks, complete, download, delete)."""

urlpatterns: list = []
