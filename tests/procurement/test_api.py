"""Sign-in, the API schema and docs, the error shape."""

import pytest
import yaml

from procurement.models import AuditEvent
from tests.fixtures import factories


def test_token_for_right_password(db, client_for):
    user = factories.UserFactory(username="olli")

    response = client_for().post(
        "/api/v1/auth/token/", {"username": "olli", "password": "correct horse battery staple"}, format="json"
    )

    assert response.status_code == 200
    assert len(response.json()["token"]) == 64  # django-rest-knox: 32 random bytes in hex
    assert (
        client_for().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {response.json()['token']}").json()["username"]
        == user.username
    )


def test_wrong_password_is_refused_and_logged(db, client_for):
    factories.UserFactory(username="olli")

    response = client_for().post("/api/v1/auth/token/", {"username": "olli", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert AuditEvent.objects.filter(action="auth.login_failed", outcome="denied").count() == 1


def test_missing_fields_are_named(db, client_for):
    response = client_for().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_openapi_schema_describes_the_api(db, client_for):
    response = client_for().get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/tenders/{id}/publish/",
        "/api/v1/bids/{id}/submit/",
        "/api/v1/tenders/{id}/decide/",
        "/api/v1/documents/{id}/download/",
        "/api/v1/auth/token/",
    ):
        assert path in schema["paths"], path


def test_the_schemas_names_of_the_calls_files_and_alerts_stay_as_clients_generated_them(db, client_for):
    """Issue 20 renamed the serializers (Call… -> Tender…); generated API clients name their types after the
    schema's components, which keep their names."""
    schema = yaml.safe_load(client_for().get("/api/schema/").content)

    names = set(schema["components"]["schemas"])

    assert {"CallAlert", "CallAlertRequest", "PaginatedCallAlertList", "CallDocument"} <= names
    assert {"CallDocumentUploadRequest", "CallFileChangeRequest", "CallDocumentKindEnum"} <= names
    assert not {name for name in names if name.startswith(("TenderAlert", "TenderDocument", "TenderFile"))}


def test_docs_are_served_from_local_assets(db, client_for):
    response = client_for().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "https://" not in html


@pytest.mark.parametrize("path", ["/api/v1/tenders/", "/api/v1/bids/", "/api/v1/documents/", "/api/v1/me/"])
def test_anonymous_requests_get_401(path, db, client_for):
    response = client_for().get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_tender_is_404_json(db, client_for):
    user = factories.UserFactory()
    response = client_for(user).get("/api/v1/tenders/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_schema_generates_without_warnings(db, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").stat().st_size > 10_000


@pytest.mark.parametrize(
    "path", ["/api/v1/notifications/abc/read/", "/api/v1/tenders/abc/", "/api/v1/bids/1e5/", "/api/v1/documents/x/"]
)
def test_non_numeric_ids_are_404(path, db, client_for):
    client = client_for(factories.UserFactory())
    response = client.post(path) if path.endswith("read/") else client.get(path)
    assert response.status_code == 404
