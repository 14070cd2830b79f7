"""Permission before validation on the portal's forms (issue 17, item 13), as tests/security/test_permission_first.py
proves it for the API: a caller who may not send a form gets the same answer whatever the form holds.

In the matrix's world, every portal POST cell whose answer to a valid form is a refusal (403, 404, the sign-in page)
is sent again with forms that are wrong: no fields, every field an unreadable value, every number (in the values,
and in the field names that carry a row's id) one that no row has, and far too long values. Each must get the same
status as the valid form. Before the fix an evaluator off the officers' side who named a person to the panel on
/evaluation/{pk}/panel/ got 400 "Select a valid choice" for an unknown person and 403 for a colleague."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from procurement.models import Membership, Role
from tenders.models import Tender
from tests.fixtures import factories
from tests.fixtures.world import MISSING_ID, Clients, World, build_world, observe, role_clients

from .matrix_table import SIGN_IN, STATES, TABLE
from .permission_first import answers_depending_on_the_body, send_rolled_back

REFUSALS = {403, 404, SIGN_IN}

# Where the form is the credential, its answer depends on it by design: a password signs in, a reset link or an
# invitation's code decides whose it is, and registering or asking for a reset link is open to everyone.
BODY_IS_THE_CREDENTIAL = {
    ("POST", "/sign-in/"),
    ("POST", "/password/reset/"),
    ("POST", "/password/reset/{uidb64}/{token}/"),
    ("POST", "/register/"),
    ("POST", "/invitation/"),
}

UNREADABLE = "ei kelpaa\x00"  # no number, date, choice or e-mail address; and no text field takes a NUL
_NUMBER = re.compile(r"\d+")


def _missing_ids(text: str) -> str:
    return _NUMBER.sub(str(MISSING_ID), text)


def wrong_forms(valid: dict[str, str] | None) -> dict[str, dict[str, Any]]:
    """Forms that the page's validation refuses (or would find nothing in), from the valid one."""
    valid = valid or {}
    forms: dict[str, dict[str, Any]] = {"no fields": {}, "unknown fields": {"kentta": "arvo", "user": str(MISSING_ID)}}
    if valid:
        forms["unreadable values"] = dict.fromkeys(valid, UNREADABLE)
        forms["far too long values"] = dict.fromkeys(valid, "9" * 100_000)
    missing = {_missing_ids(name): _missing_ids(str(value)) for name, value in valid.items()}
    if missing != {name: str(value) for name, value in valid.items()}:
        forms["ids that no row has"] = missing
    return forms


def send(clients: Clients, world: World, key: tuple, role: str, body: dict | None) -> int | str:
    """One form, sent in a savepoint that is rolled back: what the matrix observes of its answer."""
    response, _raw = send_rolled_back(clients, world, key, role, body, api=False)
    return observe(response)


PORTAL_FORMS = [
    key
    for key in TABLE
    if key[0] == "POST" and not key[1].startswith("/api/") and key[:2] not in BODY_IS_THE_CREDENTIAL
]


@pytest.mark.parametrize("state", STATES)
def test_a_refused_caller_gets_the_same_answer_whatever_the_form(state, db, figures):
    world = build_world(state)
    clients = role_clients(world)

    def validation_refuses(key, role, valid) -> bool:
        # the wrong forms are wrong: a caller who may send the form has them refused by its validation
        unreadable = wrong_forms(valid).get("unreadable values")
        return bool(unreadable) and send(clients, world, key, role, unreadable) == 400

    failures, tried, validated = answers_depending_on_the_body(
        world,
        state,
        PORTAL_FORMS,
        refusals=REFUSALS,
        no_body=None,
        named="form",
        send=lambda key, role, body: send(clients, world, key, role, body),
        wrong_bodies=wrong_forms,
        validation_refuses=validation_refuses,
    )
    figures(
        f"permission before validation in the portal, {state}: {tried} wrong forms on {len(PORTAL_FORMS)} "
        f"forms; {len(validated)} forms refused them to a caller who may send them"
    )
    assert tried > 500
    # and the wrong forms are wrong indeed: where someone may send a form in this state, its validation refuses them
    assert ("POST", "/evaluation/{pk}/panel/") in validated, sorted(validated)
    assert len(validated) >= 6, sorted(validated)
    assert not failures, f"{len(failures)} answers depend on the form, {state}:\n" + "\n".join(failures)


def test_an_evaluator_naming_someone_to_the_panel_learns_nothing_of_who_exists(authority, officer, open_tender):
    # given an evaluator of the call's authority, who reads its pages but does not name the panel
    evaluator = factories.UserFactory()
    Membership.objects.create(user=evaluator, role=Role.EVALUATOR, authority=authority)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(evaluator)
    url = f"/evaluation/{open_tender.pk}/panel/"

    # when they name a person who does not exist, a real officer, and nonsense
    missing = browser.post(url, {"add-user": MISSING_ID})
    real = browser.post(url, {"add-user": officer.pk})
    nonsense = browser.post(url, {"add-user": "kuka tahansa"})

    # then each is refused alike, before the person is looked up
    assert [r.status_code for r in (missing, real, nonsense)] == [403, 403, 403]
    for response in (missing, real, nonsense):
        assert "Select a valid choice" not in response.content.decode()
    # while the officer who may name evaluators is told what is wrong with the form
    own = Client(HTTP_ACCEPT_LANGUAGE="en")
    own.force_login(officer)
    wrong = own.post(url, {"add-user": MISSING_ID})
    assert wrong.status_code == 400 and "Select a valid choice" in wrong.content.decode()


def test_the_forms_of_a_call_before_its_publication_refuse_alike_whatever_they_hold(authority, officer):
    # given a draft of the authority, and an evaluator of the same authority, who reads it but may not change it
    evaluator = factories.UserFactory()
    Membership.objects.create(user=evaluator, role=Role.EVALUATOR, authority=authority)
    draft = factories.TenderFactory(authority=authority, created_by=officer)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(evaluator)
    url = f"/calls/ours/{draft.pk}/draft/timeline/"
    deadline = timezone.localtime(timezone.now() + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")

    # when the evaluator saves the timeline step: a valid deadline, one that is no time, and nothing
    forms = ({"submission_deadline": deadline}, {"submission_deadline": "x"}, {})
    answers = [browser.post(url, form) for form in forms]

    # then each is refused alike, and nothing is saved
    assert [r.status_code for r in answers] == [403, 403, 403]
    assert Tender.objects.get(pk=draft.pk).submission_deadline == draft.submission_deadline

    # and the approval: its author is refused by four eyes, whether the comment is readable or not
    author = Client(HTTP_ACCEPT_LANGUAGE="en")
    author.force_login(officer)
    assert author.post(f"/calls/ours/{draft.pk}/do/submit_for_approval/").status_code == 302
    approve = f"/calls/ours/{draft.pk}/do/approve/"
    refused = [author.post(approve, {"approve-comment": comment}) for comment in ("Hyvä.", "ei kelpaa\x00")]
    assert [r.status_code for r in refused] == [403, 403]
    assert all("Another officer of the authority must approve the call" in r.content.decode() for r in refused)
