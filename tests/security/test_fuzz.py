"""Fuzzing the API with schemathesis: every operation of our own OpenAPI schema, as each main role, against a world of
real calls, bids and contracts. No answer may be a 5xx, and every answer must match the schema (status and body).

The examples are derandomized (the same ones on every run) and bounded (EXAMPLES per operation and role). Unsafe
methods are fuzzed too; each example runs in a savepoint that is rolled back, with the stored files and the cache put
back, so that every example meets the same world and a failure does not depend on the examples before it."""

import json
import os
import shutil
import traceback
import uuid
from collections import Counter
from datetime import timedelta

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from bids.attachments import attachment_put_chunk, attachment_start
from bids.models import Bid, BidAttachment, LotOffer
from bids.services import bid_create
from config.wsgi import application
from documents.models import GeneratedDocument
from documents.services import document_render
from evaluation.clarifications import provider_request_create
from evaluation.contracts import appeal_register
from evaluation.models import Appeal, LotContract, ProviderRequest
from procurement.models import ApiToken, Membership, Notification, Role
from tenders.models import Question, Tender, TenderAlert, TenderStatus
from tenders.services import question_answer, question_ask, tender_close
from tests.fixtures import factories
from tests.fixtures.stages import (
    decided_tender,
    full_content,
    open_bids,
    qualify_all,
    seat_panel,
    submit_bid,
    submitted_tender,
)

# Examples per operation and role: 104 operations × 6 roles. The fuzz was the largest part of the suite (about
# 4.5 of 25 minutes at 10 examples), so CI runs 6, which keeps the whole suite well within CI's 30 minutes;
# FUZZ_EXAMPLES=200 fuzzes deeper (locally, before a release).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
ROLES = ["anonymous", "provider_member", "provider_admin", "officer", "evaluator", "auditor"]


def openapi_schema() -> dict:
    """The schema exactly as /api/schema/ serves it, generated in-process by drf-spectacular."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


def build_world() -> dict:
    """Calls in every interesting state, with bids, questions, requests, contracts and the people around them."""
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    factories.officer_of(authority)
    evaluator = factories.UserFactory()
    Membership.objects.create(user=evaluator, role=Role.EVALUATOR, authority=authority)
    auditor = factories.auditor(authority)
    provider_a, provider_b = factories.ProviderFactory(), factories.ProviderFactory()
    admin_a = factories.UserFactory()
    Membership.objects.create(user=admin_a, role=Role.PROVIDER_ADMIN, provider=provider_a)
    member_a = factories.provider_member_of(provider_a)
    member_b = factories.provider_member_of(provider_b)

    factories.TenderFactory(authority=authority, created_by=officer)  # a draft
    factories.TenderFactory(
        authority=authority, created_by=officer, status=TenderStatus.PENDING_APPROVAL, submitted_for_approval_by=officer
    )
    published = factories.TenderFactory(
        authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now(), cpv_main="80580000"
    )
    question = question_ask(
        actor=member_a, tender_id=published.pk, text="Onko ryhmäkoko kiinteä?", received_at=timezone.now()
    )
    question_answer(actor=officer, tender_id=published.pk, question_id=question.pk, answer="On.")
    draft_bid = bid_create(
        actor=member_a, tender_id=published.pk, received_at=timezone.now(), content=full_content(published)
    )
    attachment = attachment_start(
        actor=member_a, bid_id=draft_bid.pk, filename="liite.pdf", size=8, purpose="other", received_at=timezone.now()
    )
    attachment_put_chunk(
        actor=member_a,
        bid_id=draft_bid.pk,
        attachment_id=attachment.pk,
        number=0,
        data=b"%PDF-1.7",
        received_at=timezone.now(),
    )
    submit_bid(member_b, published, "9100")

    closed = submitted_tender(authority=authority, bidders=[(member_b, "9900")])
    tender_close(actor=officer, tender_id=closed.pk)
    opened = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "3000")])
    tender_close(actor=officer, tender_id=opened.pk)
    seat_panel(opened, officer, evaluator)
    open_bids(opened, officer)
    qualify_all(opened, officer)
    low_bid = opened.bids.get(provider=provider_b)
    provider_request_create(
        actor=officer,
        tender_id=opened.pk,
        bid_id=low_bid.pk,
        lot_offer_id=low_bid.lot_offers.order_by("lot__number").first().pk,
        kind=ProviderRequest.Kind.PRICE_EXPLANATION,
        message="Selvittäkää hinta.",
        deadline=timezone.now() + timedelta(days=5),
    )

    decided = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    contract = LotContract.objects.filter(lot__tender=decided).order_by("lot__number").first()
    appeal_register(actor=officer, contract_id=contract.pk, filed_on=timezone.localdate(), reference="MAO:1/2026")
    decision = GeneratedDocument.objects.filter(tender=decided, kind="decision").first()
    document_render(document_id=decision.pk)  # one ready PDF to download; the others stay queued
    TenderAlert.objects.create(provider=provider_a, cpv_prefix="8058", created_by=admin_a)
    # Someone else's call, which nobody of ours may touch.
    factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now())

    users = {
        "anonymous": None,
        "provider_member": member_a,
        "provider_admin": admin_a,
        "officer": officer,
        "evaluator": evaluator,
        "auditor": auditor,
    }
    return {
        "users": users,
        "ids": {
            "tender": list(Tender.objects.values_list("pk", flat=True)),
            "bid": list(Bid.objects.values_list("pk", flat=True)),
            "provider": [provider_a.pk, provider_b.pk],
            "authority": [authority.pk],
            "document": list(GeneratedDocument.objects.values_list("pk", flat=True)),
            "notification": list(Notification.objects.values_list("pk", flat=True)),
            "alert": list(TenderAlert.objects.values_list("pk", flat=True)),
            "contract": list(LotContract.objects.values_list("pk", flat=True)),
            "attachment": [str(pk) for pk in BidAttachment.objects.values_list("pk", flat=True)] + [str(uuid.uuid4())],
            "question": list(Question.objects.values_list("pk", flat=True)),
            "request": list(ProviderRequest.objects.values_list("pk", flat=True)),
            "appeal": list(Appeal.objects.values_list("pk", flat=True)),
            "offer": list(LotOffer.objects.values_list("pk", flat=True)),
            "lot_number": [1, 2],
            "number": [0, 1],
        },
    }


# Which pool of real identifiers fits a path parameter: by the parameter's name, and for `id` by the collection.
PARAMETER_POOLS = {
    "bid_id": "bid",
    "attachment_id": "attachment",
    "question_id": "question",
    "request_id": "request",
    "appeal_id": "appeal",
    "offer_id": "offer",
    "lot_number": "lot_number",
    "number": "number",
}
COLLECTION_POOLS = {
    "tenders": "tender",
    "bids": "bid",
    "providers": "provider",
    "authorities": "authority",
    "documents": "document",
    "notifications": "notification",
    "alerts": "alert",
    "contracts": "contract",
}


def pool_for(path: str, parameter: str) -> str | None:
    if parameter != "id":
        return PARAMETER_POOLS.get(parameter)
    collection = path.removeprefix("/api/v1/").split("/")[0]
    return COLLECTION_POOLS.get(collection)


@pytest.fixture(scope="module", autouse=True)
def _hypothesis_home(tmp_path_factory):
    """Hypothesis keeps caches of its own (constants, Unicode tables): in a temporary directory, not the work tree."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture
def server_errors():
    """The tracebacks of the exceptions the application did not handle (they became 500s)."""
    captured = []

    def record(sender, **kwargs):
        captured.append(traceback.format_exc())

    signals.got_request_exception.connect(record)
    # As Django's test client does: the test's transaction must survive the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield captured
    signals.request_finished.connect(close_old_connections)
    signals.request_started.connect(close_old_connections)
    signals.got_request_exception.disconnect(record)


@pytest.fixture
def world(db, settings, tmp_path):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    world = build_world()
    shutil.copytree(media, tmp_path / "media-of-the-world")

    def restore_media():
        """Stored files are not in the database's transaction: put back those of the world."""
        shutil.rmtree(media)
        shutil.copytree(tmp_path / "media-of-the-world", media)

    world["restore_media"] = restore_media
    return world


def fuzz_operation(operation, *, headers, world, counter, statuses, server_errors):
    """Send EXAMPLES generated requests to one operation; raise the first failed check."""
    ids = world["ids"]
    # Valid requests (they get past the validation, into the services) and invalid ones.
    strategy = st.one_of(
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    )
    path_parameters = [p.name for p in operation.path_parameters]

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        report_multiple_bugs=False,
    )
    @hypothesis.given(case=strategy, data=st.data())
    def run(case, data):
        # Three times in four a path parameter names a real object of the world, else whatever was generated.
        for name in path_parameters:
            pool = ids.get(pool_for(operation.path, name) or "", [])
            if pool and data.draw(st.integers(0, 3), label=f"real {name}?"):
                case.path_parameters[name] = data.draw(st.sampled_from(pool), label=name)
        counter[operation.label] += 1
        cache.clear()  # rate limits of the sign-in and registration count one example's requests only
        del server_errors[:]
        with transaction.atomic():
            # Each example starts from the same world: what it changed is rolled back.
            response = case.call(app=application, headers=headers)
            transaction.set_rollback(True)
        if case.method != "GET":
            world["restore_media"]()
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:
            if server_errors:
                exc.add_note("".join(server_errors))
            raise

    run()


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_within_its_schema(role, world, server_errors):
    schema = schemathesis.openapi.from_dict(openapi_schema())
    user = world["users"][role]
    headers = {}
    if user is not None:
        _token, key = ApiToken.objects.create(user=user)
        headers["Authorization"] = f"Token {key}"

    operations = [result.ok() for result in schema.get_all_operations()]
    counter, statuses, failures = Counter(), Counter(), {}
    for operation in operations:
        try:
            fuzz_operation(
                operation,
                headers=headers,
                world=world,
                counter=counter,
                statuses=statuses,
                server_errors=server_errors,
            )
        except (Exception, BaseExceptionGroup) as exc:
            report = f"{type(exc).__name__}: {exc}"[:3000]
            failures[operation.label] = "\n".join([report, *getattr(exc, "__notes__", [])])

    print(
        f"\nfuzz examples run as {role}: {sum(counter.values())} over {len(counter)} operations; "
        f"answers: {dict(sorted(statuses.items()))}"
    )
    assert not failures, "\n\n".join(f"== {label}\n{message}" for label, message in failures.items())
    # Every operation was tried; a signed-in role got past the authentication (its token works) into the services.
    assert set(counter) == {operation.label for operation in operations}
    if user is not None:
        assert statuses[401] == 0
        assert sum(n for status, n in statuses.items() if 200 <= status < 300) > 0
