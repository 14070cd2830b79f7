"""Portal pages of documents and of the audit."""

from .portal import urlpatterns  # noqa: F401

app_name = "documents"
