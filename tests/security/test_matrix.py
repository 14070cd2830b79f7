"""The authorisation matrix: every API endpoint and portal page, as every role, in every state of a call.

The routes come from the URL configuration (and are checked against the OpenAPI schema), so that a new endpoint
without a declared expectation fails here. The expectations are declared in one table, `matrix_table.TABLE`.

Each cell (route × method × role × state) is one request in a savepoint that is rolled back, so that an allowed
change (unsafe requests carry valid bodies, so that a refusal is a refusal and not a validation error) leaves the
world as it was for the next cell. Besides its status, each answer is checked for

- what the role must not see in that state: another bidder's prices, answers and attachments, a business secret,
  who bid (a submission's manifest hash), and for a bidder before the decision who else bid;
- a refused request (4xx) that changed a table anyway, and an auditor's request that changed anything."""

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from drf_spectacular.generators import SchemaGenerator

from bids.attachments import attachment_complete, attachment_put_chunk, attachment_start
from bids.models import LotOffer
from bids.services import bid_create, bid_submit, submission_receipt
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.services import document_request
from evaluation.contracts import appeal_register
from evaluation.models import LotContract, ProviderRequest
from evaluation.requests import provider_request_create
from evaluation.services import tender_decide, tender_evaluate, tender_propose
from procurement.models import ApiToken, Membership, Notification, Role
from procurement.services import invitation_create
from tenders.models import CallDocument, CallDocumentKind, Tender, TenderStatus
from tenders.services import call_alert_create, question_ask, tender_close
from tests import factories
from tests.bids.test_attachments import pdf_bytes
from tests.helpers import open_bids, qualify_all, score_all, seat_panel

from .matrix_table import (
    BODIES,
    EXCLUDED_PREFIXES,
    ROLES,
    SIGN_IN,
    STATES,
    TABLE,
    UNSAFE,
    Observed,
    expected_for,
    route_params,
)

MISSING_ID = 2_000_000_000  # an id that no row has: the object does not exist (yet) in this state

PRICE_A, PRICE_B = "9137.11", "8264.33"
VOLUMES = (Decimal("20"), Decimal("15"))  # the lots of TenderFactory
MARKER_A, MARKER_B = "SISALTO-A-3KQ", "SISALTO-B-9MW"  # in every answer, evidence and contact of the bid
SECRET_A = "LIIKESALAISUUS-A-7QX"  # A's answer to criterion 1, marked as a business secret
ATTACHMENT_MARKER_A = "LIITE-A-5TZ"  # inside A's attached PDF


# --- what may not be seen ------------------------------------------------------------------------------------------


def money(amount: str) -> str:
    """A regular expression for an amount as the API (9137.11) or a Finnish page (9 137,11) writes it."""
    whole, cents = f"{Decimal(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return r"(?<![\d])" + r"[\s\u00a0\u202f.,]?".join(groups) + r"[.,]" + cents[0] + f"(?:{cents[1]})?" + r"(?!\d)"


def _content_patterns(price: str, marker: str) -> list[str]:
    prices = [price, *(str((Decimal(price) * volume).quantize(Decimal("0.01"))) for volume in VOLUMES)]
    return [money(p) for p in prices] + [re.escape(marker)]


CONTENT_A = [*_content_patterns(PRICE_A, MARKER_A), re.escape(ATTACHMENT_MARKER_A)]
CONTENT_B = _content_patterns(PRICE_B, MARKER_B)

OWNER_A = {"member_a", "admin_a"}
PANEL_AND_AUDITOR = {"officer_x", "evaluator_named", "auditor_x"}  # who reads the bids once they are opened
AUTHORITY_X = {"officer_x", "evaluator_named", "evaluator_unnamed", "auditor_x"}


def forbidden_patterns(world, role: str, state: str) -> dict[str, list[str]]:
    """What `role` must not find in any answer in `state`, by what it would betray.

    - A bid's content (prices, comparison prices, answers, evidence, contact, attachments): its own provider;
      after the opening the panel and the auditor; after the decision the other bidder.
    - A business secret: never the other bidder.
    - A submission's manifest hash (who bid, and when): its own provider; after the opening every reader of the
      authority (the opening record lists them, and the audit log's submissions are no longer sealed); after the
      decision the other bidder.
    - Before the decision, a provider does not learn who else bid."""
    opened = state != "before_deadline"
    decided = state == "after_decision"
    bidders = (
        ("A", OWNER_A, {"member_b"}, CONTENT_A, world.provider_a),
        ("B", {"member_b"}, OWNER_A, CONTENT_B, world.provider_b),
    )
    forbidden: dict[str, list[str]] = {}
    for name, owner, competitor, content, provider in bidders:
        readers = owner | (PANEL_AND_AUDITOR if opened else set()) | (competitor if decided else set())
        if role not in readers:
            forbidden[f"{name}'s bid content"] = content
        knowers = owner | (AUTHORITY_X if opened else set()) | (competitor if decided else set())
        if role not in knowers:
            forbidden[f"{name}'s submission (its manifest hash)"] = [world.manifests[name]]
        if role in competitor and not decided:
            forbidden[f"{name}'s identity"] = [re.escape(provider.name), re.escape(provider.business_id)]
    if role not in OWNER_A | (PANEL_AND_AUDITOR if opened else set()):
        forbidden["A's business secret"] = [re.escape(SECRET_A)]
    return forbidden


# --- the world -----------------------------------------------------------------------------------------------------


def _pdf(text: str) -> bytes:
    """A small well-formed PDF whose (uncompressed) page shows the text."""
    return pdf_bytes(text=text)


def _content(tender: Tender, *, price: str, marker: str, secret: str | None = None) -> dict:
    criteria = list(tender.criteria.order_by("number"))
    answers = [{"criterion": c.pk, "text": f"{marker} vastaa kriteeriin {c.number}."} for c in criteria]
    secrets = []
    if secret:
        answers[0]["text"] = f"{secret} {marker}"
        secrets.append(f"quality:{criteria[0].pk}")
    return {
        "lot_offers": [{"lot": lot.pk, "unit_price": price, "vat_rate": "0"} for lot in tender.lots.order_by("number")],
        "quality_answers": answers,
        "exclusion_declaration": dict.fromkeys(tender.exclusion_grounds, False),
        "suitability_evidence": [
            {"requirement": r.pk, "text": f"{marker} näyttö {r.number}."} for r in tender.requirements.all()
        ],
        "contact": {"name": f"{marker} Yhteyshenkilö", "email": "tarjous@provider.example", "phone": ""},
        "business_secrets": secrets,
    }


@dataclass
class World:
    """One call of authority X in one state, with bids of providers A and B, and the users of every role."""

    state: str
    tender: Tender
    users: dict
    provider_a: object
    provider_b: object
    ids: dict = field(default_factory=dict)
    invitation_token: str = ""
    digests: dict = field(default_factory=dict)  # of every table, as the world is before each cell
    manifests: dict = field(default_factory=dict)  # the SHA-256 of A's and B's submitted manifests


def _user(role, **membership):
    user = factories.UserFactory()
    Membership.objects.create(user=user, role=role, **membership)
    return user


def build_world(state: str) -> World:
    """The call, published with A's and B's bids submitted, its panel named (officer X and one evaluator), a question
    and an alert of A, an invitation to A; then, by state, closed, opened (two officers), with a request to A and
    the bids qualified; scored, evaluated, proposed and decided, with an appeal on the second lot's contract."""
    now = timezone.now()
    authority_x, authority_y = factories.AuthorityFactory(), factories.AuthorityFactory()
    provider_a = factories.ProviderFactory(name="Aaltokoulutus Oy")
    provider_b = factories.ProviderFactory(name="Beetaopisto Oy")
    users = {
        "member_a": factories.provider_member_of(provider_a),
        "member_b": factories.provider_member_of(provider_b),
        "admin_a": _user(Role.PROVIDER_ADMIN, provider=provider_a),
        "officer_x": factories.officer_of(authority_x),
        "officer_y": factories.officer_of(authority_y),
        "evaluator_named": _user(Role.EVALUATOR, authority=authority_x),
        "evaluator_unnamed": _user(Role.EVALUATOR, authority=authority_x),
        "auditor_x": factories.auditor(authority_x),
        "auditor_y": factories.auditor(authority_y),
        "superuser": factories.UserFactory(is_superuser=True, is_staff=True),
    }
    second_officer = factories.officer_of(authority_x)  # confirms the opening; not a role of the matrix
    tender = factories.TenderFactory(
        authority=authority_x, status=TenderStatus.PUBLISHED, published_at=now, created_by=users["officer_x"]
    )
    document_request(kind=DocumentKind.CALL, tender=tender, actor=users["officer_x"])
    seat_panel(tender, users["officer_x"], users["evaluator_named"])
    question = question_ask(
        actor=users["member_a"], tender_id=tender.pk, text="Onko ryhmäkoko kiinteä?", received_at=now
    )
    alert = call_alert_create(actor=users["member_a"], provider_id=provider_a.pk, cpv_prefix="8058")
    call_file = CallDocument(
        tender=tender,
        kind=CallDocumentKind.SERVICE_DESCRIPTION,
        title_fi="Palvelukuvaus",
        filename="kuvaus.pdf",
        content_type="application/pdf",
        sha256="0" * 64,
        size=len(pdf_bytes()),
        added_in_version=1,
        added_by=users["officer_x"],
    )
    call_file.file.save("kuvaus.pdf", ContentFile(pdf_bytes()), save=True)
    _invitation, token = invitation_create(
        actor=users["admin_a"], provider_id=provider_a.pk, email="kutsuttu@a.example", role=Role.PROVIDER_MEMBER
    )

    bid_a = bid_create(
        actor=users["member_a"],
        tender_id=tender.pk,
        received_at=now,
        content=_content(tender, price=PRICE_A, marker=MARKER_A, secret=SECRET_A),
    )
    pdf = _pdf(ATTACHMENT_MARKER_A)
    attachment = attachment_start(
        actor=users["member_a"],
        bid_id=bid_a.pk,
        filename="suunnitelma.pdf",
        size=len(pdf),
        purpose="other",
        received_at=now,
    )
    attachment_put_chunk(
        actor=users["member_a"], bid_id=bid_a.pk, attachment_id=attachment.pk, number=0, data=pdf, received_at=now
    )
    attachment_complete(actor=users["member_a"], bid_id=bid_a.pk, attachment_id=attachment.pk, received_at=now)
    submission_receipt(version_id=bid_submit(actor=users["member_a"], bid_id=bid_a.pk, received_at=now).pk)
    bid_b = bid_create(
        actor=users["member_b"],
        tender_id=tender.pk,
        received_at=now,
        content=_content(tender, price=PRICE_B, marker=MARKER_B),
    )
    submission_receipt(version_id=bid_submit(actor=users["member_b"], bid_id=bid_b.pk, received_at=now).pk)

    world = World(state=state, tender=tender, users=users, provider_a=provider_a, provider_b=provider_b)
    world.manifests = {
        name: bid.versions.order_by("-number").values_list("manifest_sha256", flat=True).first()
        for name, bid in (("A", bid_a), ("B", bid_b))
    }
    world.invitation_token = token
    officer = users["officer_x"]
    if state != "before_deadline":
        past = timezone.now() - timedelta(seconds=1)
        Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)
        tender_close(actor=officer, tender_id=tender.pk)
        open_bids(tender, officer, second_officer)
        request = provider_request_create(
            actor=officer,
            tender_id=tender.pk,
            bid_id=bid_a.pk,
            kind="clarification",
            message="Tarkentakaa toteutussuunnitelmaa.",
            deadline=timezone.now() + timedelta(days=5),
        )
        world.ids["request_a"] = request.pk
        # §96: A was asked to explain its lot 1 price and let the time pass, so that its rejection can go through.
        price_request = provider_request_create(
            actor=officer,
            tender_id=tender.pk,
            bid_id=bid_a.pk,
            lot_offer_id=LotOffer.objects.filter(bid=bid_a).order_by("lot__number").values_list("pk", flat=True)[0],
            kind="price_explanation",
            message="Selvittäkää hinta.",
            deadline=timezone.now() + timedelta(days=5),
        )
        ProviderRequest.objects.filter(pk=price_request.pk).update(deadline=timezone.now() - timedelta(seconds=1))
        qualify_all(tender, officer)
    if state == "after_decision":
        score_all(tender, officer)
        tender_evaluate(actor=officer, tender_id=tender.pk)
        tender_propose(actor=officer, tender_id=tender.pk)
        tender_decide(actor=officer, tender_id=tender.pk)
        contracts = list(LotContract.objects.filter(lot__tender=tender).order_by("lot__number"))
        appeal = appeal_register(
            actor=officer, contract_id=contracts[-1].pk, filed_on=timezone.localdate(), reference="MAO:100/2026"
        )
        world.ids.update(contract=contracts[0].pk, appealed_contract=contracts[-1].pk, appeal=appeal.pk)

    # The documents are made ready without rendering them (WeasyPrint is tested elsewhere): who may download
    # them is what counts here.
    for document in GeneratedDocument.objects.filter(tender=tender):
        document.file.save(f"matrix-{document.pk}.pdf", ContentFile(_pdf(document.kind)), save=False)
        document.status, document.filename, document.sha256 = DocumentStatus.READY, f"{document.kind}.pdf", "0" * 64
        document.save()

    def document_of(kind, provider=None):
        found = GeneratedDocument.objects.filter(tender=tender, kind=kind)
        if provider is not None:
            found = found.filter(provider=provider)
        return found.values_list("pk", flat=True).first() or MISSING_ID

    offer_a = LotOffer.objects.filter(bid=bid_a).order_by("lot__number").values_list("pk", flat=True).first()
    notification_a = Notification.objects.filter(provider=provider_a, tender_id=tender.pk).order_by("pk").first()
    assert notification_a is not None, "the world needs a notification to A (its receipt)"
    world.ids.update(
        tender=tender.pk,
        lot_number=1,
        authority_x=authority_x.pk,
        provider_a=provider_a.pk,
        bid_a=bid_a.pk,
        attachment_a=str(attachment.pk),
        offer_a=offer_a or MISSING_ID,
        question_a=question.pk,
        alert_a=alert.pk,
        notification_a=notification_a.pk,
        version=1,
        chunk=0,
        doc_call=document_of(DocumentKind.CALL),
        doc_receipt_a=document_of(DocumentKind.RECEIPT, provider_a),
        doc_opening=document_of(DocumentKind.OPENING_RECORD),
        doc_letter_a=document_of(DocumentKind.LETTER, provider_a),
        draft_step="basics",
        call_file=call_file.pk,
        call_action="cancel",
        criterion=tender.criteria.order_by("number").first().pk,
        evaluator_unnamed=users["evaluator_unnamed"].pk,
    )
    world.ids.setdefault("request_a", MISSING_ID)
    for key in ("contract", "appealed_contract", "appeal"):
        world.ids.setdefault(key, MISSING_ID)
    return world


# --- the routes ------------------------------------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _template(pattern: str) -> str:
    """A URL pattern (path() or a router's regex) as a template with {name} parameters."""
    text = pattern.replace("^", "").replace("$", "")
    text = _REGEX_GROUP.sub(r"{\1}", text)
    return _CONVERTER.sub(r"{\1}", text)


METHODS = {"get", "post", "put", "patch", "delete"}  # HEAD and OPTIONS answer as GET does, or say what is allowed


def _handled_methods(callback) -> set[str] | None:
    """The methods a DRF or class-based view answers; None for a function view (the table declares them)."""
    actions = getattr(callback, "actions", None)  # a router's view: {method: action}
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return None
    methods = METHODS & set(view_class.http_method_names)
    if actions is not None:
        return {m.upper() for m in methods & set(actions)}
    return {m.upper() for m in methods if hasattr(view_class, m)}


def resolver_routes() -> dict[str, set[str] | None]:
    """Every route of the URL configuration: {"/path/{param}/": handled methods}, the exclusions left out."""
    routes: dict[str, set[str] | None] = {}

    def walk(patterns, prefix: str):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                raw = prefix + str(entry.pattern)
                # Format-suffix aliases (tenders.json, …) answer with the same view as the route itself.
                if "<drf_format_suffix:format>" in raw or "(?P<format>" in raw:
                    continue
                path = "/" + _template(raw)
                if path.startswith(EXCLUDED_PREFIXES):
                    continue
                routes[path] = _handled_methods(entry.callback)

    walk(get_resolver().url_patterns, "")
    return routes


def _shape(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path)


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in METHODS
    }


def test_every_route_and_schema_operation_has_a_declared_expectation():
    """A new endpoint (or a new method of one) fails here until the table says who may use it, in which state."""
    routes = resolver_routes()
    declared = {(method, path) for method, path, *_variant in TABLE}
    declared_paths = {path for _method, path in declared}
    problems = []
    for path, methods in sorted(routes.items()):
        if path not in declared_paths:
            problems.append(f"new endpoint without a declared expectation: {path}")
            continue
        declared_methods = {method for method, p in declared if p == path}
        if methods is not None and methods != declared_methods:
            problems.append(
                f"{path}: the view answers {sorted(methods)}, the table declares {sorted(declared_methods)}"
            )
    for path in sorted(declared_paths - set(routes)):
        problems.append(f"declared but not routed (stale entry): {path}")
    by_shape = {(method, _shape(path)) for method, path in declared}
    for method, path in sorted(schema_operations()):
        if (method, _shape(path)) not in by_shape:
            problems.append(f"schema operation without a declared expectation: {method} {path}")
    assert not problems, "\n".join(problems)


# --- running the cells -----------------------------------------------------------------------------------------------


def _body_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _texts(raw: bytes) -> list[str]:
    """The body as text; a ZIP (an XLSX, the evidence bundle) by its members."""
    if raw[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    return [raw.decode("utf-8", "replace")]


def observe(response) -> Observed:
    if 300 <= response.status_code < 400:
        location = response.get("Location", "")
        return SIGN_IN if location.startswith("/sign-in/") else response.status_code
    return response.status_code


@dataclass
class Clients:
    tokens: dict
    sessions: dict

    def send(self, role: str, method: str, path: str, body, *, api: bool):
        """One request on a fresh client (so that a sign-out or a sign-in changes nothing for the next cell)."""
        client = Client()
        extra = {}
        if api and role in self.tokens:
            extra["HTTP_AUTHORIZATION"] = f"Token {self.tokens[role]}"
        if not api and role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        if method == "GET":
            return client.get(path, **extra)
        if isinstance(body, bytes):
            return client.generic(method, path, body, content_type="application/octet-stream", **extra)
        if api:
            return client.generic(method, path, json.dumps(body or {}), content_type="application/json", **extra)
        if method == "POST":
            return client.post(path, body or {}, **extra)
        return client.generic(method, path, **extra)  # a form's PUT: Django reads no form from it


def _clients(world: World) -> Clients:
    """Each role's token and session; then the digests of the world that every cell starts from."""
    tokens, sessions = {}, {}
    for role, user in world.users.items():
        token, tokens[role] = ApiToken.objects.create(user=user)
        if role == "member_a":
            world.ids["token_a"] = token.public_id  # the token that A may revoke, and nobody else may
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    # A's link to set a new password, made after the sign-ins above (a sign-in voids an earlier link)
    member_a = world.users["member_a"]
    world.ids["reset_uid"] = urlsafe_base64_encode(force_bytes(member_a.pk))
    world.ids["reset_token"] = default_token_generator.make_token(type(member_a).objects.get(pk=member_a.pk))
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_xact_user_tables")
        world.digests = _digests(row[0] for row in cursor.fetchall())
    return Clients(tokens=tokens, sessions=sessions)


def _fill(path: str, params: dict[str, str], world: World) -> str:
    def value(match):
        name = match.group(1)
        return str(world.ids[params[name]])

    return re.sub(r"\{(\w+)\}", value, path)


# Tables that a refused request may still write: the refusal itself is on record (the audit chain, or the security log
# for an anonymous one), and the session and the API token (its last use and sliding expiry) are the client's.
WRITTEN_BY_REFUSALS = {"procurement_auditevent", "procurement_securityevent", "django_session", "procurement_apitoken"}


def _touched() -> dict[str, int]:
    """How many rows of each table this transaction has inserted, updated or deleted so far, rolled-back
    savepoints included: an upper bound of what a request changed, cheap enough to ask before and after each."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
        return dict(cursor.fetchall())


def _digests(tables) -> dict[str, str]:
    """A digest of each table's rows, to tell a real change from a write that was rolled back."""
    tables = sorted(tables)
    if not tables:
        return {}
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT %s, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {quote(table)} t"  # noqa: S608
        for table in tables  # the database's own table names, quoted
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


@dataclass
class Answer:
    got: Observed
    raw: bytes
    changed: set[str]  # the tables whose rows differ after the request (before its rollback)


def run_cell(clients: Clients, world: World, key: tuple, role: str) -> Answer:
    """One request in a savepoint that is rolled back afterwards: every cell starts from the same world."""
    method, path, *_variant = key
    url = _fill(path, route_params(key), world)
    body_of = BODIES.get(key)
    body = body_of(world) if body_of else None
    cache.clear()  # the sign-in throttle counts requests per address: each cell starts afresh
    unsafe = method in UNSAFE
    with transaction.atomic():
        before = _touched() if unsafe else {}
        response = clients.send(role, method, url, body, api=path.startswith("/api/"))
        raw = _body_bytes(response)
        if unsafe:
            touched = {t for t, count in _touched().items() if count != before.get(t, 0)} - WRITTEN_BY_REFUSALS
            digests = _digests(touched)
        transaction.set_rollback(True)
    changed = {table for table, digest in digests.items() if digest != world.digests[table]} if unsafe else set()
    return Answer(got=observe(response), raw=raw, changed=changed)


def check_cell(world: World, key: tuple, role: str, state: str, answer: Answer) -> list[str]:
    method, path, *variant = key
    where = f"{method} {path}{' [' + variant[0] + ']' if variant else ''} as {role}"
    problems = []
    expected = expected_for(TABLE[key], role, state)
    if answer.got not in expected:
        excerpt = answer.raw[:160] if path.startswith("/api/") else b""
        problems.append(
            f"{where}: expected {' or '.join(map(str, sorted(expected, key=str)))}, got {answer.got} {excerpt!r}"
        )
    if answer.changed:
        if isinstance(answer.got, int) and 400 <= answer.got < 500:
            problems.append(f"{where}: refused ({answer.got}) but changed {sorted(answer.changed)}")
        elif role.startswith("auditor") and key[:2] not in AUDITOR_WRITES:
            problems.append(f"{where}: an auditor changed {sorted(answer.changed)} ({answer.got})")
    for what, patterns in forbidden_patterns(world, role, state).items():
        if any(re.search(pattern, text) for text in _texts(answer.raw) for pattern in patterns):
            problems.append(f"{where}: the answer ({answer.got}) shows {what}")
    return problems


def _the_leak_checks_see_the_owners_content(world: World, clients: Clients) -> None:
    """The patterns do find a bid's content where it is shown (its owner's page and the API), or they prove nothing."""
    shown = {
        ("GET", "/api/v1/bids/{pk}/"): [*CONTENT_A[:3], re.escape(MARKER_A), re.escape(SECRET_A)],  # with prices
        ("GET", "/bids/{pk}/"): [re.escape(MARKER_A), re.escape(SECRET_A)],
    }
    for key, patterns in shown.items():
        text = run_cell(clients, world, key, "member_a").raw.decode()
        for pattern in patterns:
            assert re.search(pattern, text), f"{pattern} is not found in {key} as member_a"
    download = ("GET", "/api/v1/bids/{bid_id}/attachments/{attachment_id}/download/")
    assert ATTACHMENT_MARKER_A.encode() in run_cell(clients, world, download, "member_a").raw


@pytest.mark.parametrize("state", STATES)
def test_the_matrix_holds(state, db, figures):
    world = build_world(state)
    clients = _clients(world)
    _the_leak_checks_see_the_owners_content(world, clients)
    failures: list[str] = []
    cells = 0
    for key in TABLE:
        for role in ROLES:
            cells += 1
            try:
                answer = run_cell(clients, world, key, role)
            except Exception as exc:  # a crash fails its cell, and the other cells still run
                failures.append(f"{' '.join(key)} as {role}: raised {type(exc).__name__}: {exc}")
                continue
            failures += check_cell(world, key, role, state, answer)
    figures(  # the count is part of the report, passed or not
        f"authorisation matrix, {state}: {cells} cells ({len(TABLE)} routes and methods × {len(ROLES)} roles)"
    )
    assert not failures, f"{len(failures)} problems in {cells} cells, {state}:\n" + "\n".join(failures)


# Unsafe requests an auditor may make: they change nothing of any call (signing out, the interface language,
# verifying the audit chain, which is a read that is itself logged) or are open to anyone (signing in, registering
# a new organisation).
AUDITOR_WRITES = {
    ("POST", "/sign-in/"),
    ("POST", "/sign-out/"),
    ("POST", "/language/"),
    ("POST", "/i18n/setlang/"),
    ("POST", "/records/audit/verify/"),
    ("POST", "/password/"),  # their own password
    ("POST", "/inbox/preferences/"),  # their own choice of e-mail
    ("POST", "/api/v1/auth/token/"),
    ("POST", "/api/v1/providers/register/"),
    ("POST", "/register/"),
}
