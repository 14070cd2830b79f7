"""The auditor's calls page searches the calls by text: title (fi, sv), reference, authority name, CPV."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tenders.models import TenderStatus
from tests.fixtures import factories


@pytest.fixture
def tenders_by_key(authority):
    other = factories.AuthorityFactory(name_fi="Vaasan kaupunki", name_sv="Vasa stad")
    return {
        "pori": factories.TenderFactory(
            authority=authority,
            title_fi="Kotoutumiskoulutus Pori",
            reference="HANK-2026-0001",
            status=TenderStatus.PUBLISHED,
            published_at=timezone.now(),
        ),
        "vaasa": factories.TenderFactory(
            authority=other,
            title_fi="Kotoutumiskoulutus Vaasa",
            title_sv="Integrationsutbildning Vasa",
            reference="HANK-2026-0002",
            cpv_main="80580000-3",
            status=TenderStatus.PUBLISHED,
            published_at=timezone.now(),
        ),
    }


def found(query: str) -> str:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(factories.auditor())  # of every authority
    return client.get(reverse("documents:audit"), {"q": query}).content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pori", {"pori"}),  # a word of the Finnish title, in another case
        ("INTEGRATIONSUTBILDNING", {"vaasa"}),  # of the Swedish title
        ("hank-2026-0001", {"pori"}),  # the reference
        ("vasa stad", {"vaasa"}),  # the authority's Swedish name
        ("8058", {"vaasa"}),  # the CPV code's digits
        ("KIELIKURSSIEN", {"vaasa"}),  # a word of the CPV code's Finnish name (80580000-3)
        ("ei mitään tällaista", set()),
    ],
)
def test_an_auditor_searches_the_calls_by_text(tenders_by_key, query, expected):
    html = found(query)

    assert {key for key, tender in tenders_by_key.items() if tender.title_fi in html} == expected
