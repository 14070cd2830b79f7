"""The portal's one way to run a service and to read (procurement/portal.py): a refusal is placed on the form or
becomes the error page, and a refused read is never discarded.

Before, the authority's call page and the opening page asked for the number of bids received and dropped a refusal
without a word: the page showed no count, as if there were nothing to say (issue 20)."""

from datetime import timedelta

import pytest
from django import forms
from django.test import Client
from django.utils import timezone

from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.models import AuditEvent
from procurement.portal import place_errors, read, run_service
from tenders.models import Tender, TenderStatus
from tenders.services import tender_submit_for_approval
from tests.fixtures import factories

pytestmark = pytest.mark.django_db


class _Form(forms.Form):
    name = forms.CharField()
    start = forms.CharField(required=False)


def _valid_form() -> _Form:
    form = _Form({"name": "x"})
    assert form.is_valid()
    return form


def _raise(error):
    def action():
        raise error

    return action


def test_a_refused_service_is_placed_on_the_form_with_its_status():
    form = _valid_form()
    outcome = run_service(
        form,
        _raise(ValidationFailed("Check the form.", errors={"name": [{"code": "x", "message": "Too short."}]})),
    )
    assert (outcome.ok, outcome.status) == (False, 400)
    assert form.errors == {"name": ["Too short."]}

    form = _valid_form()
    outcome = run_service(form, _raise(Conflict("Not at this stage.")))
    assert outcome.status == 409 and form.non_field_errors() == ["Not at this stage."]


def test_an_invalid_form_is_not_sent_and_a_done_one_gives_its_result():
    sent = []
    outcome = run_service(_Form({}), lambda: sent.append(1))
    assert outcome.status == 400 and sent == []
    outcome = run_service(_valid_form(), lambda: None)
    assert outcome.ok and outcome.result is None  # a service that returns nothing has still done it


@pytest.mark.parametrize("error", [Forbidden(), NotFound()])
def test_no_right_and_not_found_are_not_form_errors(error):
    with pytest.raises(type(error)):
        run_service(_valid_form(), _raise(error))
    with pytest.raises(type(error)):
        read(_raise(error))


def test_child_rows_errors_are_returned_for_their_tables():
    form = _valid_form()
    error = ValidationFailed("Check.", errors={"lots": [{"message": "Lot 2 has no title."}]})
    assert place_errors(form, error, children=("lots",)) == {"lots": ["Lot 2 has no title."]}
    assert not form.errors
    form = _valid_form()
    error = ValidationFailed("Check.", errors={"period": {"start": "Too early."}, "lots": ["Lot 1."]})
    assert place_errors(form, error, children=("lots",)) == {"lots": ["Lot 1."]}
    assert form.errors == {"start": ["Too early."]}


def test_a_refused_read_answers_with_the_page_named_for_it():
    from procurement.portal import RefusedRead

    shown = object()
    with pytest.raises(RefusedRead) as raised:
        read(_raise(Conflict("Not yet.")), refused=lambda error: _Page(error.status_code, shown))
    assert raised.value.response.status_code == 409 and raised.value.response.body is shown


class _Page:
    def __init__(self, status_code, body):
        self.status_code, self.body = status_code, body


# --- the reads that were discarded -------------------------------------------------------------------------------


@pytest.fixture
def past_deadline(authority, officer) -> Tender:
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    Tender.objects.filter(pk=tender.pk).update(
        status=TenderStatus.CLOSED,
        published_at=timezone.now() - timedelta(days=30),
        submission_deadline=timezone.now() - timedelta(minutes=1),
    )
    return tender


@pytest.mark.parametrize("page", ["/calls/ours/{pk}/", "/evaluation/{pk}/opening/"])
def test_the_count_of_bids_is_shown_and_its_refusal_is_not_hidden(page, past_deadline, officer, monkeypatch):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)
    url = page.format(pk=past_deadline.pk)
    shown = client.get(url)
    assert shown.status_code == 200 and "Bids received" in shown.content.decode()

    monkeypatch.setattr("bids.selectors._authority_may_read", lambda user, tender: False)
    refused = client.get(url)
    # Before: 200, the page without the count. Now the refusal is the 403 page, on record as every refusal is.
    assert refused.status_code == 403
    assert "Bids received" not in refused.content.decode()
    assert AuditEvent.objects.filter(action="access.denied", actor=officer, detail__path=url).exists()
