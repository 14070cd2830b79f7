"""Portal pages of the tender box."""

from . import asks
from .portal import urlpatterns as portal_urlpatterns

app_name = "bids"

# asks.portal_urls: the pages the evaluation serves here (a provider's answer to a request of the authority), read
# when the URLs are loaded, after every app's ready().
urlpatterns = [*portal_urlpatterns, *asks.portal_urls]
