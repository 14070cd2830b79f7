"""What the two proofs of permission before validation share (tests/security/test_permission_first.py for the API,
test_permission_first_portal.py for the portal's forms): a request sent in a savepoint that is rolled back, and the
walk over the declared table's refused cells, each sent again with wrong bodies."""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from tests.fixtures.world import World, body_bytes, fill_path

from .matrix_table import BODIES, ROLES, TABLE, expected_for, route_params


def send_rolled_back(clients, world: World, key: tuple, role: str, body: Any, *, api: bool) -> tuple[Any, bytes]:
    """One request in a savepoint that is rolled back: the response and its body."""
    method, path, *_variant = key
    url = fill_path(path, route_params(key), world)
    cache.clear()  # the throttles count per address: each request starts afresh
    with transaction.atomic():
        response = clients.send(role, method, url, body, api=api)
        raw = body_bytes(response)
        transaction.set_rollback(True)
    return response, raw


def answers_depending_on_the_body(
    world: World,
    state: str,
    keys: Iterable[tuple],
    *,
    refusals: set,
    no_body: Any,
    named: str,
    send: Callable[[tuple, str, Any], Any],
    wrong_bodies: Callable[[Any], dict[str, Any]],
    validation_refuses: Callable[[tuple, str, Any], bool],
) -> tuple[list[str], int, set[tuple]]:
    """Every cell of `keys` whose answer in `state` is one of `refusals`, sent with the valid body (`no_body` where
    the table has none) and again with each of its `wrong_bodies`: the failures (an answer that differs from the
    valid `named` body's), how many wrong bodies were tried, and the keys where a caller who may act had a wrong body
    refused by the validation (`validation_refuses`, asked once a key)."""
    failures: list[str] = []
    tried, validated = 0, set()
    for key in keys:
        body_of = BODIES.get(key)
        valid = body_of(world) if body_of else no_body
        for role in ROLES:
            if not expected_for(TABLE[key], role, state) <= refusals:
                if key not in validated and validation_refuses(key, role, valid):
                    validated.add(key)
                continue
            answer = send(key, role, valid)
            for what, body in wrong_bodies(valid).items():
                tried += 1
                got = send(key, role, body)
                if got != answer:
                    failures.append(f"{' '.join(key)} as {role}, {what}: {got}, with a valid {named} {answer}")
    return failures, tried, validated
