"""The public portal pages of calls: finding calls, reading one, following it and asking a question."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tenders.models import Question, TenderInterest, TenderStatus
from tests.fixtures import factories
from tests.fixtures.portal import signed_in


@pytest.fixture
def published(authority):
    return factories.TenderFactory(
        authority=authority,
        title_fi="Kotoutumiskoulutus Kuopio",
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
        cpv_main="80580000-3",
    )


def test_anyone_finds_published_calls_but_not_drafts(published, authority):
    draft = factories.TenderFactory(authority=authority, title_fi="Luonnos")

    response = Client().get("/calls/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Kotoutumiskoulutus Kuopio" in html and draft.title_fi not in html
    assert html.count("<h1>") == 1


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"municipality": "iisalmi"}, True),
        ({"municipality": "Oulu"}, False),
        ({"cpv": "8058"}, True),
        ({"cpv": "8053"}, False),
        ({"q": "kuopio"}, True),
        ({"language": "sv"}, False),
        ({"language": "fi"}, True),
    ],
)
def test_the_filters_narrow_the_calls(published, query, found):
    response = Client().get("/calls/", query)

    assert response.status_code == 200
    assert ("Kotoutumiskoulutus Kuopio" in response.content.decode()) is found


def test_deadline_filters_use_finnish_dates(published):
    day = timezone.localtime(published.submission_deadline).date()

    assert "Kuopio" in Client().get("/calls/", {"deadline_before": day.isoformat()}).content.decode()
    later = (day + timedelta(days=1)).isoformat()
    assert "Kotoutumiskoulutus Kuopio" not in Client().get("/calls/", {"deadline_after": later}).content.decode()


def test_an_invalid_filter_is_shown_next_to_its_field(published):
    response = Client().get("/calls/", {"cpv": "abc"})

    assert response.status_code == 400
    assert 'id="id_cpv_error"' in response.content.decode()


def test_a_call_page_shows_lots_criteria_and_countdown_to_anyone(published):
    response = Client().get(f"/calls/{published.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Kuopio, perustaso" in html and "Toteutussuunnitelma" in html
    assert f'data-countdown="{published.submission_deadline.isoformat()}"' in html
    assert "Prepare a bid" not in html  # only for providers


def test_a_draft_call_is_not_found_for_a_provider(authority, member_a):
    draft = factories.TenderFactory(authority=authority)

    assert signed_in(member_a).get(f"/calls/{draft.pk}/").status_code == 404


def test_a_provider_follows_and_unfollows_a_call(published, member_a, provider_a):
    client = signed_in(member_a)
    page = client.get(f"/calls/{published.pk}/").content.decode()
    assert "Follow this call" in page and "Prepare a bid" in page

    response = client.post(f"/calls/{published.pk}/follow/", {"following": "1"})
    assert response.status_code == 302
    assert TenderInterest.objects.get(tender=published, provider=provider_a).following

    partial = client.post(f"/calls/{published.pk}/follow/", {"following": "0"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "Follow this call" in partial.content.decode()
    assert not TenderInterest.objects.get(tender=published, provider=provider_a).following


def test_a_provider_asks_a_question_and_sees_it_waiting(published, member_a):
    client = signed_in(member_a)

    response = client.post(f"/calls/{published.pk}/", {"text": "Voiko tarjota vain osaa?"})

    assert response.status_code == 302
    assert Question.objects.get(tender=published).text == "Voiko tarjota vain osaa?"
    assert "Voiko tarjota vain osaa?" in client.get(f"/calls/{published.pk}/").content.decode()


def test_an_empty_question_is_refused_next_to_the_field(published, member_a):
    response = signed_in(member_a).post(f"/calls/{published.pk}/", {"text": "   "})

    assert response.status_code == 400
    assert 'id="id_text_error"' in response.content.decode()
    assert not Question.objects.exists()


def test_questions_after_their_deadline_are_refused(published, member_a):
    published.questions_deadline = timezone.now() - timedelta(hours=1)
    published.save(update_fields=["questions_deadline"])
    client = signed_in(member_a)

    assert "Send the question" not in client.get(f"/calls/{published.pk}/").content.decode()
    response = client.post(f"/calls/{published.pk}/", {"text": "Myöhässä?"})
    assert response.status_code == 409
    assert not Question.objects.exists()


def test_a_provider_keeps_alerts_that_bring_new_calls(client, member_a, provider_a, provider_b):
    from tenders.models import TenderAlert

    client.force_login(member_a)
    refused = client.post("/calls/alerts/", {"cpv_prefix": "80x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "first digits of a CPV code" in refused.content.decode()
    assert client.post("/calls/alerts/", {"cpv_prefix": "8058"}).status_code == 302
    assert client.post("/calls/alerts/", {"cpv_prefix": "8058"}).status_code == 409  # the same alert twice
    alert = TenderAlert.objects.get(provider=provider_a)
    assert alert.cpv_prefix == "8058"

    other = TenderAlert.objects.create(provider=provider_b, cpv_prefix="80", created_by=member_a)
    assert client.post(f"/calls/alerts/{other.pk}/delete/").status_code == 404  # not its own
    assert "8058" in client.get("/calls/alerts/").content.decode()
    assert client.post(f"/calls/alerts/{alert.pk}/delete/").status_code == 302
    assert not TenderAlert.objects.filter(provider=provider_a).exists()


def test_the_alerts_page_names_each_cpv_prefix_in_the_readers_language(client, member_a, provider_a):
    from tenders.models import TenderAlert

    TenderAlert.objects.create(provider=provider_a, cpv_prefix="8058", created_by=member_a)
    client.force_login(member_a)
    for language, name in (("fi", "Kielikurssien järjestäminen"), ("sv", "Tillhandahållande av språkkurser")):
        client.cookies["hankinta_language"] = language
        html = client.get("/calls/alerts/").content.decode()
        assert f"8058 {name}" in html, language


def test_the_calls_page_gives_the_authoritys_address_and_the_contract_term(published):
    page = Client(headers={"Accept-Language": "en"}).get(f"/calls/{published.pk}/").content.decode()

    assert "Tulliportinkatu 31, 70100 Kuopio" in page
    assert 'href="https://www.testikunta.example"' in page
    assert "24 months, options to extend 12 months" in page
    assert "Hankintayksiköllä on oikeus jatkaa sopimusta" in page
