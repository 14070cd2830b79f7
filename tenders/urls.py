"""Portal pages of calls for tenders: the public and provider side, and the authority's side."""

from . import hooks
from .portal import call_files, officer, public

app_name = "tenders"

# hooks.portal_urls: the pages the evaluation serves here (the comparison for the bidders).
urlpatterns = [*public.urlpatterns, *call_files.urlpatterns, *officer.urlpatterns, *hooks.portal_urls]
