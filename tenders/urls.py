"""Portal pages of calls for tenders: the public and provider side, and the authority's side."""

from .portal import call_files, officer, public

app_name = "tenders"

urlpatterns = [*public.urlpatterns, *call_files.urlpatterns, *officer.urlpatterns]
