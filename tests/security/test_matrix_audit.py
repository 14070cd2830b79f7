"""Who bid, as the audit log and the delivery log tell it: every authority and provider role, in every state of a call.

Before the opening no one on the authority side may learn from the audit events (the API, the portal's audit page,
the evidence bundle's audit-events.json) or from the delivery log who has a bid or a draft: not a provider's name,
id or business ID, not a member's username or e-mail address, not a bid's id, manifest or attachment hash. Only the
providers who follow the call openly are named. After the opening the logs are whole, and the bidders appear.
Besides, the evaluation's data (results, their XLSX, qualification, flagged prices, the evidence) answers the
auditor before the opening as the bids do.

The world is the authorisation matrix's (test_matrix.build_world): A and B bid (A with an attachment and a
question), and here also provider C follows the call, and the answers are published and every e-mail sent before
the opening, so that the log holds answers to bidders, receipts, and their deliveries."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bids.models import Bid, BidAttachment
from procurement.notifications import notifications_relay
from tenders.models import Tender
from tenders.services import answers_publish, question_answer, tender_close, tender_follow
from tests.fixtures import factories
from tests.fixtures.stages import open_bids, qualify_all, score_and_decide
from tests.fixtures.world import World, body_bytes, body_texts, build_world, role_clients

from .matrix_table import ROLES, STATES

EVENTS_API = "/api/v1/audit/events/?limit=1000&tender_id={tender}"
EVENTS_PAGE = "/records/calls/{tender}/audit/"
EVIDENCE = "/api/v1/tenders/{tender}/evidence/"
DELIVERY_LOG = "/api/v1/tenders/{tender}/notifications/"
LOGS = (EVENTS_API, EVENTS_PAGE, EVIDENCE, DELIVERY_LOG)
EVALUATION_DATA = (
    "/api/v1/tenders/{tender}/results/",
    "/api/v1/tenders/{tender}/results/xlsx/",
    "/api/v1/tenders/{tender}/qualification/",
    "/api/v1/tenders/{tender}/abnormally_low/",
)
AUTHORITY_ROLES = ("officer_x", "evaluator_named", "evaluator_unnamed", "auditor_x")


def _world(state: str) -> World:
    """The matrix's world before the deadline, with C following and the answers sent; then moved on to `state`."""
    world = build_world("before_deadline")
    tender, officer = world.tender, world.users["officer_x"]
    follower = factories.ProviderFactory(name="Seuraajaopisto Oy")
    world.users["member_c"] = factories.provider_member_of(follower)
    tender_follow(actor=world.users["member_c"], tender_id=tender.pk, following=True)
    question_answer(actor=officer, tender_id=tender.pk, question_id=world.ids["question_a"], answer="Ei ole.")
    answers_publish(actor=officer, tender_id=tender.pk)
    notifications_relay(limit=1000)  # every e-mail sent: notification.sent events name their addresses
    world.ids["provider_c"] = follower.pk
    if state != "before_deadline":
        past = timezone.now() - timedelta(seconds=1)
        Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)
        tender_close(actor=officer, tender_id=tender.pk)
        open_bids(tender, officer)
        qualify_all(tender, officer)
    if state == "after_decision":
        score_and_decide(tender, officer)
    world.tender.refresh_from_db()
    return world


def _bid_object_labels() -> list[str]:
    """How the audit pages name a bid, a bid's version or an attachment (procurement.labels.audit_object_label):
    the model's name in words, then its number; in English, Finnish and Swedish."""
    from django.utils import translation

    from bids.models import BidVersion

    names = set()
    for language in ("en", "fi", "sv"):
        with translation.override(language):
            names |= {str(model._meta.verbose_name) for model in (Bid, BidVersion, BidAttachment)}
    return [rf"(?i)\b{re.escape(name)} (?:\d|[0-9a-f]{{8}}-)" for name in sorted(names)]


def bidder_identity(world: World) -> dict[str, list[str]]:
    """What names B (who did nothing openly: no question, no follow) and A's bid, as regular expressions."""
    b, member_b = world.provider_b, world.users["member_b"]
    bid_a = Bid.objects.get(tender=world.tender, provider=world.provider_a)
    bid_b = Bid.objects.get(tender=world.tender, provider=b)
    attachment = BidAttachment.objects.get(bid=bid_a)
    ids = "|".join(str(pk) for pk in (bid_a.pk, bid_b.pk))
    return {
        "B's name or business ID": [re.escape(b.name), re.escape(b.business_id)],
        "B's id": [rf'"provider(?:_id)?":\s*{b.pk}\b'],
        "B's member": [rf"\b{re.escape(member_b.username)}\b", rf"\b{re.escape(member_b.email)}"],
        "B's e-mail": [rf"\b{re.escape(b.email)}"],
        # an event about a bid, its version or attachment (by its code, or named in words on the pages, in any of
        # the portal's languages), or a detail naming a bid
        "a bid's id": [r"bids\.bid", rf'"bid":\s*(?:{ids})\b', *_bid_object_labels()],
        "a submission's manifest": [re.escape(m) for m in world.manifests.values()],
        "A's attachment hash": [re.escape(attachment.sha256)],
    }


def _get(clients, role: str, url: str):
    response = clients.send(role, "GET", url, None, api=url.startswith("/api/"))
    return response.status_code, body_bytes(response)


def _leaks(texts: list[str], identity: dict[str, list[str]]) -> list[str]:
    return [what for what, patterns in identity.items() if any(re.search(p, t) for p in patterns for t in texts)]


@pytest.mark.parametrize("state", STATES)
def test_the_logs_name_no_bidder_before_the_opening_and_every_bidder_after_it(state, db):
    world = _world(state)
    clients = role_clients(world)
    identity = bidder_identity(world)
    opened = state != "before_deadline"
    failures, cells = [], 0
    for template in LOGS:
        url = template.format(tender=world.tender.pk)
        for role in ROLES:
            cells += 1
            status, raw = _get(clients, role, url)
            texts = body_texts(raw)
            # B's own people may know B; after the decision A may know B too (the bidders read each other's bids)
            knows = role == "member_b" or (state == "after_decision" and role in ("member_a", "admin_a"))
            leaks = [] if knows or (opened and role in AUTHORITY_ROLES) else _leaks(texts, identity)
            if leaks:
                failures.append(f"GET {template} as {role} ({status}): shows {', '.join(leaks)}")
            if role in AUTHORITY_ROLES and status == 200 and not opened and template == DELIVERY_LOG:
                shown = {row["provider"] for row in json.loads(raw)} - {None}
                if shown != {world.ids["provider_c"]}:
                    failures.append(f"the delivery log as {role} names {shown}, not only the follower C")
    assert not failures, f"{len(failures)} problems in {cells} cells, {state}:\n" + "\n".join(failures)


@pytest.mark.parametrize("state", STATES)
def test_the_bidders_appear_in_the_logs_at_the_opening(state, db):
    # given the call in a state, when X's auditor reads the events and X's officer the delivery log
    world = _world(state)
    clients = role_clients(world)
    identity = bidder_identity(world)
    tender = world.tender.pk
    seen = {
        url: _leaks(body_texts(_get(clients, role, url.format(tender=tender))[1]), identity)
        for url, role in (
            (EVENTS_API, "auditor_x"),
            (EVENTS_PAGE, "auditor_x"),
            (EVIDENCE, "auditor_x"),
            (DELIVERY_LOG, "officer_x"),
        )
    }
    events = json.loads(_get(clients, "auditor_x", EVENTS_API.format(tender=tender))[1])["results"]
    submissions = json.loads(
        _get(clients, "auditor_x", f"/api/v1/audit/events/?action=bid.submit&tender_id={tender}")[1]
    )

    if state == "before_deadline":
        # then nothing names a bidder, the bids' events are there sealed, and a filter does not count them
        assert seen == {url: [] for url in seen}
        sealed = [e for e in events if e["sealed"]]
        assert sealed and all(e["action"] == "sealed" and e["actor"] is None and e["detail"] == {} for e in sealed)
        assert submissions["count"] == 0
    else:
        # then B appears: its submission's actor and manifest in the events, its rows in the delivery log
        for url in (EVENTS_API, EVIDENCE):
            assert {"B's member", "a bid's id", "A's attachment hash"} <= set(seen[url]), (url, seen[url])
        assert {"B's member", "a bid's id"} <= set(seen[EVENTS_PAGE]), seen[EVENTS_PAGE]  # the page has no detail
        assert {"B's id", "B's e-mail"} <= set(seen[DELIVERY_LOG]), seen[DELIVERY_LOG]
        assert not any(e["sealed"] for e in events)
        assert submissions["count"] == 2


@pytest.mark.parametrize("state", STATES)
def test_the_evaluation_data_answers_the_auditor_as_the_bids_do(state, db):
    world = _world(state)
    clients = role_clients(world)
    expected = {
        # the auditor reads what the evaluation makes of the bids only once they are opened
        "auditor_x": 403 if state == "before_deadline" else 200,
        # the panel (officer X and the named evaluator, declared) as before; the unnamed evaluator never
        "officer_x": 200,
        "evaluator_named": 200,
        "evaluator_unnamed": 403,
        "auditor_y": 403,
        "member_a": 403,
    }
    failures = []
    for template in EVALUATION_DATA:
        url = template.format(tender=world.tender.pk)
        for role, status in expected.items():
            got, raw = _get(clients, role, url)
            if got != status:
                failures.append(f"GET {template} as {role}: expected {status}, got {got} {raw[:120]!r}")
            elif role == "auditor_x" and got == 403 and json.loads(raw)["code"] != "bids_sealed":
                failures.append(f"GET {template} as {role}: refused, but not as sealed: {raw[:120]!r}")
    # the evidence bundle is the auditor's record of the call in every state (a call cancelled before any opening
    # has one too); before the opening it holds nothing sealed (the test above)
    got, _raw = _get(clients, "auditor_x", EVIDENCE.format(tender=world.tender.pk))
    assert got == 200
    assert _get(clients, "officer_x", EVIDENCE.format(tender=world.tender.pk))[0] == 403
    assert not failures, "\n".join(failures)
