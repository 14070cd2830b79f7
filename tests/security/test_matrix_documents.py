"""The authorisation matrix of generated documents: every kind × every role × the call's state × the evaluators'
declarations, through every way a document is listed or served.

The world is the matrix's (`test_matrix.build_world`: a call of authority X with A's and B's bids, its panel of
officer X and one evaluator who declared no conflict of interest), with four more readers of X: an evaluator named
to the panel who declared a conflict, one named who has not declared, an officer not on the panel and a
decision-maker. Each world is checked as it is and once more after the call was interrupted in that state (the
interruption and the procedure report; after the decision the world holds every kind of document).

What each kind shows decides who reads it (`READERS`, written from the rules of the data, not from the code):
an opened bid's content (the receipts, the opening record, the comparison reports) is read as the bids are, by the
panel without a conflict of interest and the auditor, 403 to the authority's other readers (as
`/tenders/{id}/bids/` answers them) and 404 before the opening; the call's bidders read the opening record and the
comparison after the decision. The decision and the letters show the whole comparison too: they are read as it is
(and by the one who decided, tests/documents/test_services.py), the decision by the bidders once made, a letter by
its own provider. Every answer is checked in the API's list, detail and download, the portal's
download and the call's records page, and the auditor's evidence bundle holds exactly what the auditor reads."""

import io
import json
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from evaluation.panel import panel_add, panel_declare
from procurement.models import ApiToken, Membership, Role
from tenders.services import tender_cancel
from tests.fixtures import factories
from tests.fixtures.world import build_world

from .matrix_table import ROLES, STATES

OK, UNAUTHENTICATED, DENIED, HIDDEN = 200, 401, 403, 404

# The matrix's roles, and four more readers of authority X by their seat on the call's panel.
EXTRA_ROLES = ("evaluator_conflict", "evaluator_undeclared", "officer_unnamed", "decision_maker_x")
ALL_ROLES = (*ROLES, *EXTRA_ROLES)

PROVIDER_OF = {"member_a": "A", "admin_a": "A", "member_b": "B"}  # both bid in the call
AUTHORITY_X = {
    "officer_x",
    "evaluator_named",
    "auditor_x",
    "evaluator_unnamed",
    "evaluator_conflict",
    "evaluator_undeclared",
    "officer_unnamed",
    "decision_maker_x",
}
# Who reads an opened bid: the panel's members who declared no conflict of interest, and the authority's auditor.
BID_READERS = {"officer_x", "evaluator_named", "auditor_x"}


def _bid_content(role: str, opened: bool) -> int:
    """An opened bid's content: its readers; the authority's others are refused by the panel's gate (403); before
    the opening it is sealed (404), as a bid is."""
    if not opened:
        return HIDDEN
    if role in BID_READERS:
        return OK
    return DENIED if role in AUTHORITY_X else HIDDEN


def expected(kind: str, owner: str | None, role: str, *, opened: bool, decided: bool, interrupted: bool) -> int:
    """What `role` gets for a document of `kind` (of provider `owner`, A or B), through the API, signed in."""
    own = owner is not None and PROVIDER_OF.get(role) == owner
    bidder = role in PROVIDER_OF
    authority = role in AUTHORITY_X
    readers = {
        DocumentKind.CALL: True,  # public once published
        DocumentKind.RECEIPT: own or _bid_content(role, opened),
        DocumentKind.OPENING_RECORD: (bidder and decided) or _bid_content(role, opened),
        DocumentKind.COMPARISON: (bidder and decided) or _bid_content(role, opened),
        # the decision and the letters show the whole comparison (the matrix's officer_x, on the panel, decided)
        DocumentKind.LETTER: own or _bid_content(role, opened),
        DocumentKind.DECISION: (bidder and decided) or _bid_content(role, opened),
        DocumentKind.INTERRUPTION: authority or (bidder and interrupted),
        DocumentKind.PROCEDURE_REPORT: authority and opened,  # it names the bidders
        # a framework's order offered to A and its confirmation: between the authority and A
        DocumentKind.CALL_OFF_ORDER: own or authority,
        DocumentKind.CALL_OFF_CONFIRMATION: own or authority,
        # the decision on A's claim is A's (its copy to B is B's), and the authority's
        DocumentKind.CLAIM_DECISION: own or authority,
        # the authority's decision on A's business secrets: A's, and the authority's
        DocumentKind.SECRECY_DECISION: own or authority,
        # a decision on A's request for documents and the copy disclosed to A: between the authority and A
        DocumentKind.ACCESS_DECISION: own or authority,
        DocumentKind.DISCLOSED_COPY: own or authority,
    }[kind]
    if readers is True:
        return OK
    return readers or HIDDEN


def test_every_kind_of_document_has_its_readers():
    for kind in DocumentKind:
        assert any(
            expected(kind, "A", role, opened=True, decided=True, interrupted=True) == OK for role in ALL_ROLES
        ), kind


# --- the world ---------------------------------------------------------------------------------------------------


def _extend(world) -> None:
    """The four more readers of X; then, as the matrix does, every document made ready without rendering it."""
    authority = world.tender.authority
    officer = world.users["officer_x"]
    extra = {
        "evaluator_conflict": Role.EVALUATOR,
        "evaluator_undeclared": Role.EVALUATOR,
        "officer_unnamed": Role.OFFICER,
        "decision_maker_x": Role.DECISION_MAKER,
    }
    for name, role in extra.items():
        user = factories.UserFactory()
        Membership.objects.create(user=user, role=role, authority=authority)
        world.users[name] = user
    for name in ("evaluator_conflict", "evaluator_undeclared"):
        panel_add(actor=officer, tender_id=world.tender.pk, user_id=world.users[name].pk)
    panel_declare(
        actor=world.users["evaluator_conflict"],
        tender_id=world.tender.pk,
        has_conflict=True,
        statement="Olen ollut tarjoajan palveluksessa.",
    )


def _ready(world) -> None:
    for document in GeneratedDocument.objects.filter(tender=world.tender).exclude(status=DocumentStatus.READY):
        document.file.save(f"documents-matrix-{document.pk}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        document.status, document.filename, document.sha256 = DocumentStatus.READY, f"{document.kind}.pdf", "0" * 64
        document.save()


def _owner(document, world) -> str | None:
    return {world.provider_a.pk: "A", world.provider_b.pk: "B"}.get(document.provider_id)


# --- asking ------------------------------------------------------------------------------------------------------


def _api(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        _token, key = ApiToken.objects.create(user=world.users[role])
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


def _portal(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _status(response) -> int:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # the file is read and closed
    return response.status_code


def _listed(client: Client, tender_id: int) -> set[int]:
    """The ids the API's document list gives, page after page."""
    ids: set[int] = set()
    url = f"/api/v1/documents/?tender={tender_id}&limit=1000"
    while url:
        page = client.get(url).json()
        ids |= {row["id"] for row in page["results"]}
        url = page["next"]
    return ids


def _bundle(client: Client, tender_id: int) -> set[str]:
    response = client.get(f"/api/v1/tenders/{tender_id}/evidence/")
    assert response.status_code == OK
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    return {f["name"] for f in manifest["files"] if f["name"].startswith("documents/")}


def check_documents(world, *, interrupted: bool) -> tuple[list[str], int]:
    state = world.state
    opened, decided = state != "before_deadline", state == "after_decision"
    tender_id = world.tender.pk
    documents = list(GeneratedDocument.objects.filter(tender=world.tender).order_by("kind", "pk"))
    problems: list[str] = []
    checked = 0
    for role in ALL_ROLES:
        api, portal = _api(world, role), _portal(world, role)
        readable = set()
        for document in documents:
            owner = _owner(document, world)
            want = expected(document.kind, owner, role, opened=opened, decided=decided, interrupted=interrupted)
            if want == OK:
                readable.add(document.pk)
            where = f"{document.kind}{'-' + owner if owner else ''} as {role}"
            answers = {
                "detail": _status(api.get(f"/api/v1/documents/{document.pk}/")),
                "download": _status(api.get(f"/api/v1/documents/{document.pk}/download/")),
                "portal download": _status(portal.get(f"/calls/{tender_id}/documents/{document.pk}/")),
            }
            wants = {
                "detail": UNAUTHENTICATED if role == "anonymous" else want,
                "download": UNAUTHENTICATED if role == "anonymous" else want,
                # The portal's document link is open: without signing in, only what is public.
                "portal download": (OK if document.kind == DocumentKind.CALL else HIDDEN)
                if role == "anonymous"
                else want,
            }
            for way, got in answers.items():
                checked += 1
                if got != wants[way]:
                    problems.append(f"{where}: {way} expected {wants[way]}, got {got}")
        if role == "anonymous":
            continue
        listed = _listed(api, tender_id)
        checked += 1
        if listed != readable:
            shown = {d.pk: f"{d.kind}{'-' + (_owner(d, world) or '')}" for d in documents}
            problems.append(
                f"list as {role}: extra {sorted(shown[i] for i in listed - readable)}, "
                f"missing {sorted(shown[i] for i in readable - listed)}"
            )
        if role in PROVIDER_OF:
            others = [
                d for d in documents if d.pk in listed and d.provider_id not in (None, _own_provider(world, role))
            ]
            if others:
                problems.append(f"list as {role}: another provider's documents {[d.kind for d in others]}")
        page = portal.get(f"/records/calls/{tender_id}/").content.decode()
        linked = {int(pk) for pk in re.findall(r"/api/v1/documents/(\d+)/download/", page)}
        checked += 1
        if linked != readable:
            problems.append(f"records page as {role}: links {sorted(linked)}, readable {sorted(readable)}")
        if role == "auditor_x":
            bundled = _bundle(api, tender_id)
            wanted = {f"documents/{d.kind}-{d.pk}-v{d.version}.pdf" for d in documents if d.pk in readable}
            checked += 1
            if bundled != wanted:
                problems.append(
                    f"evidence bundle: extra {sorted(bundled - wanted)}, missing {sorted(wanted - bundled)}"
                )
    return problems, checked


def _own_provider(world, role: str) -> int:
    return world.provider_a.pk if PROVIDER_OF[role] == "A" else world.provider_b.pk


@pytest.mark.parametrize("interrupted", [False, True], ids=["as_it_is", "interrupted"])
@pytest.mark.parametrize("state", STATES)
def test_documents_are_read_by_exactly_the_readers_of_what_they_show(state, interrupted, db, figures):
    world = build_world(state)
    _extend(world)
    if interrupted:
        tender_cancel(actor=world.users["officer_x"], tender_id=world.tender.pk, reason="Määrärahat loppuivat.")
    _ready(world)
    kinds = set(GeneratedDocument.objects.filter(tender=world.tender).values_list("kind", flat=True))
    if state == "after_decision" and interrupted:
        assert kinds == set(DocumentKind), "the last world holds every kind of document"

    problems, checked = check_documents(world, interrupted=interrupted)

    figures(
        f"documents matrix, {state}{', interrupted' if interrupted else ''}: {checked} answers, kinds {sorted(kinds)}"
    )
    assert not problems, f"{len(problems)} problems in {checked} answers:\n" + "\n".join(problems)
