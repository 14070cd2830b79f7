"""The client of Hilma's ETS API (tenders/hilma.py) against a local Hilma over real HTTP."""

import base64

import pytest

from tenders.hilma import (
    HilmaAuthError,
    HilmaClient,
    HilmaConfig,
    HilmaConflict,
    HilmaNotFound,
    HilmaRateLimited,
    HilmaUnavailable,
    HilmaValidationError,
    hilma_client,
    hilma_config,
    status_from,
)
from tests.fixtures.hilma_server import DROP, KEY, Answer, FakeHilma, problem
from tests.fixtures.notices import example_xml

TED_REPORT = (
    '<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">'
    '<svrl:failed-assert id="BR-BT-00137-0112" location="/*/cac:ProcurementProjectLot[1]">'
    "<svrl:text>The lot has no title.</svrl:text></svrl:failed-assert></svrl:schematron-output>"
)


@pytest.fixture
def server():
    fake = FakeHilma().start()
    yield fake
    fake.stop()


@pytest.fixture
def client(server):
    with HilmaClient(HilmaConfig(server.url, KEY, timeout=5)) as hilma:
        yield hilma


def _procedure(client) -> str:
    procedure_id, _exchange = client.procedure_create(identifier="p-1", title="Koulutus", buyer_id="0123456-7")
    return procedure_id


def test_without_the_url_or_the_key_hilma_is_not_configured(settings):
    settings.HILMA_BASE_URL, settings.HILMA_SUBSCRIPTION_KEY = "", ""
    assert hilma_config() is None and hilma_client() is None
    settings.HILMA_BASE_URL = "https://hilma.example/"
    assert hilma_config() is None  # a URL without a key is no configuration either
    settings.HILMA_SUBSCRIPTION_KEY = "k"
    assert hilma_config() == HilmaConfig("https://hilma.example", "k", 30.0)


def test_a_notice_goes_into_its_procedure_with_the_subscription_key_and_its_xml(server, client):
    xml = example_xml("E3_minimal.xml")

    procedure_id = _procedure(client)
    exchange = client.notice_create(
        procedure_id=procedure_id, ets_identifier="n-01", xml=xml, statistics={"LOT-0001": {"lowCarbon": True}}
    )
    status, _ = client.notice_status(procedure_id=procedure_id, ets_identifier="n-01")

    assert exchange.status == 201
    assert status.hilma_state == "WaitingToBePublished" and status.ted_state == "Undefined"
    assert not status.published and not status.rejected
    assert {r.key for r in server.requests} == {KEY}
    assert server.notices["n-01"]["xml"] == xml
    assert server.notices["n-01"]["hilmaStatistics"] == {"LOT-0001": {"lowCarbon": True}}
    assert base64.b64decode(server.sent()[0].body["eForm"]).decode() == xml


def test_the_state_changes_to_published_with_hilmas_number_and_date(server, client):
    procedure_id = _procedure(client)
    client.notice_create(
        procedure_id=procedure_id, ets_identifier="n-01", xml=example_xml("E3_minimal.xml"), statistics=None
    )
    server.publish("n-01", number="2026-098765", ted_number="123456-2026")

    status, _ = client.notice_status(procedure_id=procedure_id, ets_identifier="n-01")

    assert status.published and not status.rejected and not status.ted_pending
    assert (status.hilma_number, status.ted_number) == ("2026-098765", "123456-2026")
    assert status.published_on is not None and status.published_on.isoformat() == "2026-12-04T08:00:00+00:00"


def test_states_by_number_and_teds_rejection_are_read():
    status = status_from({"HilmaState": 1, "TedState": 7, "HilmaErrorState": 0, "TedError": "Lawfulness check"})
    assert (status.hilma_state, status.ted_state) == ("Draft", "NotPublished")
    assert status.rejected and [r.message for r in status.reasons] == ["Lawfulness check"]
    # Published in Hilma by the 48-hour rule, then rejected by TED.
    assert status_from({"hilmaState": 4, "tedState": 3}).rejected
    assert status_from({"hilmaState": 3, "tedState": 2}).ted_pending


def test_a_validation_failure_gives_hilmas_errors_and_teds_failed_rules(server, client):
    procedure_id = _procedure(client)
    server.answer_next(
        "notice",
        problem(
            400,
            "Validation error",
            errors={"hilmaStatistics[LOT-0001]": ["hilmaStatistics.LOT-0001 is required."]},
            tedValidationErrors=TED_REPORT,
        ),
    )

    with pytest.raises(HilmaValidationError) as refused:
        client.notice_create(procedure_id=procedure_id, ets_identifier="n-01", xml="<x/>", statistics=None)

    reasons = [(r.source, r.field, r.rule, r.message) for r in refused.value.reasons]
    assert reasons == [
        ("hilma", "hilmaStatistics[LOT-0001]", "", "hilmaStatistics.LOT-0001 is required."),
        ("ted", "/*/cac:ProcurementProjectLot[1]", "BR-BT-00137-0112", "The lot has no title."),
    ]
    assert refused.value.status == 400 and not refused.value.transient


def test_the_validate_only_endpoint_keeps_nothing(server, client):
    assert client.notice_validate(xml=example_xml("E3_minimal.xml"), statistics=None).status == 200
    with pytest.raises(HilmaValidationError) as refused:
        client.notice_validate(xml="<old-sdk/>", statistics=None)
    assert refused.value.reasons[0].field == "EForms SDK Version"
    assert server.notices == {} and server.procedures == {}


def test_429_is_rate_limited_with_retry_after_and_its_plain_string_body(server, client):
    procedure_id = _procedure(client)
    server.answer_next(
        "notice", Answer(429, "Rate limit is exceeded. Try again in 120 seconds.", {"Retry-After": "120"})
    )

    with pytest.raises(HilmaRateLimited) as limited:
        client.notice_create(procedure_id=procedure_id, ets_identifier="n-01", xml="<x/>", statistics=None)

    assert limited.value.retry_after == 120.0 and limited.value.transient
    assert "Rate limit" in str(limited.value)


@pytest.mark.parametrize(
    ("answer", "maybe_received"),
    [
        (Answer(503, "Service unavailable"), True),
        (problem(502, "Upstream error: TED validation failed to respond"), False),
        (problem(500, "Unknown error"), True),
    ],
)
def test_5xx_answers_are_hilma_unavailable(server, client, answer, maybe_received):
    procedure_id = _procedure(client)
    server.answer_next("notice", answer)
    with pytest.raises(HilmaUnavailable) as unavailable:
        client.notice_create(procedure_id=procedure_id, ets_identifier="n-01", xml="<x/>", statistics=None)
    assert unavailable.value.status == answer.status and unavailable.value.maybe_received is maybe_received


def test_refused_connection_is_unavailable_and_never_reached_hilma(server):
    server.stop()
    with HilmaClient(HilmaConfig(server.url, KEY, timeout=5)) as client, pytest.raises(HilmaUnavailable) as down:
        _procedure(client)
    assert down.value.maybe_received is False and down.value.status is None


def test_an_answer_lost_on_the_way_back_may_have_been_received(server, client):
    procedure_id = _procedure(client)
    server.answer_next("notice", DROP)
    with pytest.raises(HilmaUnavailable) as lost:
        client.notice_create(
            procedure_id=procedure_id, ets_identifier="n-01", xml=example_xml("E3_minimal.xml"), statistics=None
        )
    assert lost.value.maybe_received is True
    assert "n-01" in server.notices  # Hilma has it: the answer, not the request, was lost


def test_404_409_and_a_wrong_key_are_typed(server, client):
    with pytest.raises(HilmaNotFound):
        client.notice_status(procedure_id="P-none", ets_identifier="n-01")
    procedure_id = _procedure(client)
    client.notice_create(
        procedure_id=procedure_id, ets_identifier="n-01", xml=example_xml("E3_minimal.xml"), statistics=None
    )
    with pytest.raises(HilmaConflict):
        client.notice_create(
            procedure_id=procedure_id, ets_identifier="n-01", xml=example_xml("E3_minimal.xml"), statistics=None
        )
    with HilmaClient(HilmaConfig(server.url, "wrong", timeout=5)) as stranger, pytest.raises(HilmaAuthError):
        _procedure(stranger)
