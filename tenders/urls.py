"""Portal pages of calls for tenders: the public and provider side, and the authority's side."""

from . import asks
from .portal import notices, officer, public, tender_files

app_name = "tenders"

# asks.portal_urls: the pages the evaluation serves here (the comparison for the bidders).
urlpatterns = [
    *public.urlpatterns,
    *tender_files.urlpatterns,
    *officer.urlpatterns,
    *notices.urlpatterns,
    *asks.portal_urls,
]
