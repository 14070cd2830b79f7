"""The public pages of requests for documents, with no sign-in: the form to ask for documents of a call whose contract
is signed, and a requester's page behind the secret link it was e-mailed (the decision and the disclosed files).
Included from config/urls.py under the namespace "access_public"."""

from django.urls import path

from . import access_requests as pages

app_name = "access_public"

urlpatterns = [
    path("public/calls/<int:pk>/request/", pages.public_request, name="request"),
    path("public/access/<str:access_token>/", pages.public_token, name="token"),
    path("public/access/<str:access_token>/files/<int:document_id>/", pages.public_file, name="file"),
]
