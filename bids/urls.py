"""Portal pages of the tender box."""

from .portal import urlpatterns  # noqa: F401

app_name = "bids"
