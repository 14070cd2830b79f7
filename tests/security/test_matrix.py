"""The authorisation matrix: every API endpoint and portal page, as every role, in every state of a call.

The routes come from the URL configuration (and are checked against the OpenAPI schema), so that a new endpoint
without a declared expectation fails here. The expectations are declared in one table, `matrix_table.TABLE`.

Each cell (route × method × role × state) is one request in a savepoint that is rolled back, so that an allowed
change (unsafe requests carry valid bodies, so that a refusal is a refusal and not a validation error) leaves the
world as it was for the next cell. Besides its status, each answer is checked for

- what the role must not see in that state: another bidder's prices, answers and attachments, a business secret,
  who bid (a submission's manifest hash), and for a bidder before the decision who else bid;
- a refused request (4xx) that changed a table anyway, and an auditor's request that changed anything."""

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from tests.fixtures.world import (
    ATTACHMENT_MARKER_A,
    MARKER_A,
    MARKER_B,
    PRICE_A,
    PRICE_B,
    SECRET_A,
    VOLUMES,
    Clients,
    World,
    body_bytes,
    body_texts,
    build_world,
    fill_path,
    observe,
    role_clients,
    table_digests,
)

from .matrix_table import (
    BODIES,
    EXCLUDED_PREFIXES,
    ROLES,
    STATES,
    TABLE,
    UNSAFE,
    Observed,
    expected_for,
    route_params,
)

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


# Tables that a refused request may still write: the refusal itself is on record (the audit chain, or the security log
# for an anonymous one), and the session and the API token (its last use and sliding expiry) are the client's.
WRITTEN_BY_REFUSALS = {"procurement_auditevent", "procurement_securityevent", "django_session", "procurement_apitoken"}


def _touched() -> dict[str, int]:
    """How many rows of each table this transaction has inserted, updated or deleted so far, rolled-back
    savepoints included: an upper bound of what a request changed, cheap enough to ask before and after each."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
        return dict(cursor.fetchall())


@dataclass
class Answer:
    got: Observed
    raw: bytes
    changed: set[str]  # the tables whose rows differ after the request (before its rollback)


def run_cell(clients: Clients, world: World, key: tuple, role: str) -> Answer:
    """One request in a savepoint that is rolled back afterwards: every cell starts from the same world."""
    method, path, *_variant = key
    url = fill_path(path, route_params(key), world)
    body_of = BODIES.get(key)
    body = body_of(world) if body_of else None
    cache.clear()  # the sign-in throttle counts requests per address: each cell starts afresh
    unsafe = method in UNSAFE
    with transaction.atomic():
        before = _touched() if unsafe else {}
        response = clients.send(role, method, url, body, api=path.startswith("/api/"))
        raw = body_bytes(response)
        if unsafe:
            touched = {t for t, count in _touched().items() if count != before.get(t, 0)} - WRITTEN_BY_REFUSALS
            digests = table_digests(touched)
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
        if any(re.search(pattern, text) for text in body_texts(answer.raw) for pattern in patterns):
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
    clients = role_clients(world)
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
