"""Permission before validation, on every unsafe API endpoint (issue 17): a caller who may not make the request gets
the same answer whatever the body says, so that a body cannot be used to probe what exists.

In the matrix's world (tests/security/test_matrix.py), every cell of the declared table whose answer to a valid body
is a refusal (401, 403, 404) is sent again with bodies that are wrong: the fields of the wrong types, no fields at
all, something that is not an object, and every number replaced by an id that no row has. Each must be answered with
the same status and the same code as the valid body. Before the fix, `POST /tenders/{id}/panel/ {"user": 9999}`
answered a provider 400 does_not_exist where a real user's id was 403."""

import json
from typing import Any

import pytest

from tests.fixtures.world import MISSING_ID, Clients, World, build_world, observe, role_clients

from .matrix_table import BODIES, STATES, TABLE, UNSAFE
from .permission_first import answers_depending_on_the_body, send_rolled_back

REFUSALS = {401, 403, 404}

# Where the body is the credential, the answer depends on it by design: the invitation's token decides whose it is,
# a password decides a sign-in, and registering is open to everyone.
BODY_IS_THE_CREDENTIAL = {
    ("POST", "/api/v1/invitations/accept/"),
    ("POST", "/api/v1/auth/token/"),
    ("POST", "/api/v1/providers/register/"),
}


def _wrong_types(value: Any) -> Any:
    """The value with every field of a type that its serializer refuses."""
    if isinstance(value, dict):
        return {key: _wrong_types(item) for key, item in value.items()}
    if isinstance(value, list):
        return {"not": "a list"}
    if isinstance(value, str):
        return {"not": "a string"}
    return "not a number or a flag"


def _missing_ids(value: Any) -> Any:
    """The value with every number (the ids of users, bids, offers, criteria, calls, lots…) one that no row has."""
    if isinstance(value, dict):
        return {key: _missing_ids(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_missing_ids(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return MISSING_ID
    return value


def wrong_bodies(valid: Any) -> dict[str, Any]:
    if isinstance(valid, bytes):
        return {"empty chunk": b"", "another chunk": b"\x00" * 64}
    valid = valid or {}
    bodies = {"fields of wrong types": _wrong_types(valid), "no fields": {}, "not an object": ["x", 1]}
    if json.dumps(_missing_ids(valid)) != json.dumps(valid):
        bodies["ids that no row has"] = _missing_ids(valid)
    return bodies


def send(clients: Clients, world: World, key: tuple, role: str, body: Any) -> tuple[int | str, str]:
    """One request in a savepoint that is rolled back: its status and its error code."""
    response, raw = send_rolled_back(clients, world, key, role, body, api=True)
    code = ""
    if raw[:1] == b"{":
        code = str(json.loads(raw).get("code", ""))
    return observe(response), code


UNSAFE_API = [
    key for key in TABLE if key[0] in UNSAFE and key[1].startswith("/api/") and key[:2] not in BODY_IS_THE_CREDENTIAL
]


@pytest.mark.parametrize("state", STATES)
def test_a_refused_caller_gets_the_same_answer_whatever_the_body(state, db, figures):
    world = build_world(state)
    clients = role_clients(world)

    def validation_refuses(key, role, valid) -> bool:
        # the wrong bodies are wrong: a caller who may act is refused them by the validation
        wrong = BODIES.get(key) and not isinstance(valid, bytes)
        return bool(wrong) and send(clients, world, key, role, _wrong_types(valid))[0] == 400

    failures, tried, validated = answers_depending_on_the_body(
        world,
        state,
        UNSAFE_API,
        refusals=REFUSALS,
        no_body={},
        named="body",
        send=lambda key, role, body: send(clients, world, key, role, body),
        wrong_bodies=wrong_bodies,
        validation_refuses=validation_refuses,
    )
    figures(
        f"permission before validation, {state}: {tried} wrong bodies on {len(UNSAFE_API)} endpoints; "
        f"{len(validated)} endpoints refused them to a caller who may act"
    )
    assert tried > 100
    # and the wrong bodies are wrong indeed: where someone may act in this state, the validation refuses them
    assert len(validated) >= 10 and ("POST", "/api/v1/tenders/{pk}/panel/") in validated, sorted(validated)
    assert not failures, f"{len(failures)} answers depend on the body, {state}:\n" + "\n".join(failures)


def test_naming_a_user_who_does_not_exist_to_a_panel_tells_a_provider_nothing(
    open_tender, officer, member_a, client_for
):
    # the pen-tester's request: a provider names user 9999 (no such user) and a real officer to the call's panel
    provider = client_for(member_a)
    url = f"/api/v1/tenders/{open_tender.pk}/panel/"

    missing = provider.post(url, {"user": MISSING_ID}, format="json")
    real = provider.post(url, {"user": officer.pk}, format="json")
    nonsense = provider.post(url, {"user": "kuka tahansa"}, format="json")

    # the same refusal for each: the body is not looked at before the permission
    assert [r.status_code for r in (missing, real, nonsense)] == [403, 403, 403]
    assert missing.json() == real.json() == nonsense.json()
    # while the officer who may name evaluators is told what is wrong with the body
    wrong = client_for(officer).post(url, {"user": MISSING_ID}, format="json")
    assert wrong.status_code == 400 and wrong.json()["errors"]["user"][0]["code"] == "does_not_exist"
