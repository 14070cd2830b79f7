"""The OCDS releases, records and packages of evaluation/ocds.py: content per stage, ocid stability, validity."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from evaluation import ocds
from tenders.models import Tender, TenderStatus
from tenders.services import (
    LOT_FIELDS,
    answers_publish,
    lot_declare_unsuccessful,
    question_answer,
    question_ask,
    question_edit,
    tender_amend,
    tender_close,
    tender_declare_unsuccessful,
    tender_publish,
)
from tests.fixtures import factories
from tests.fixtures.ocds_schema import ocds_errors, ocds_result, patched_release_schema
from tests.fixtures.stages import decided_tender, open_bids, qualify_all, seat_panel, submitted_tender

pytestmark = pytest.mark.django_db


def published_call(authority, officer, **fields) -> Tender:
    """A call published through the service (so that its first version is kept)."""
    tender = factories.TenderFactory(authority=authority, created_by=officer, status=TenderStatus.APPROVED, **fields)
    return tender_publish(actor=officer, tender_id=tender.pk)


def tags(tender) -> list[list[str]]:
    return [release["tag"] for release in ocds.tender_releases(tender)]


def assert_valid(package: dict) -> None:
    result = ocds_result(package)
    assert result["validation_errors"] == []
    assert result["additional_closed_codelist_values"] == {}
    assert result["additional_fields"] == []
    assert result["additional_checks"] == {}  # libcoveocds' other checks (empty fields, unique ids, ...)


def test_a_published_call_has_its_tender_release():
    # given
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    tender = published_call(authority, officer)
    # when
    releases = ocds.tender_releases(tender)
    # then
    assert [r["tag"] for r in releases] == [["tender"]]
    release = releases[0]
    assert release["ocid"] == ocds.ocid_of(tender)
    assert release["tender"]["status"] == "active"
    assert [lot["id"] for lot in release["tender"]["lots"]] == ["1", "2"]
    assert release["tender"]["value"] == {"amount": 450000.0, "currency": "EUR"}
    assert release["buyer"]["name"] == authority.name_fi
    assert "bids" not in release and "awards" not in release


def test_a_call_never_published_has_no_release():
    tender = factories.TenderFactory(status=TenderStatus.DRAFT)
    assert ocds.tender_releases(tender) == []
    assert ocds.tender_record(tender) is None


@override_settings(OCDS_OCID_PREFIX="ocds-abc123")
def test_the_ocid_is_the_prefix_and_the_procedure_and_survives_a_corrigendum():
    # given
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    tender = published_call(authority, officer)
    before = ocds.ocid_of(tender)
    # when
    tender_amend(
        actor=officer,
        tender_id=tender.pk,
        fields={"submission_deadline": tender.submission_deadline + timedelta(days=7)},
        reason="Lisäaikaa.",
        children={},
    )
    tender.refresh_from_db()
    # then
    assert before == f"ocds-abc123-{tender.procedure_uuid}"
    assert {r["ocid"] for r in ocds.tender_releases(tender)} == {before}


def test_a_corrigendum_is_an_amendment_release_with_the_new_deadline():
    # given
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    tender = published_call(authority, officer)
    new_deadline = tender.submission_deadline + timedelta(days=7)
    # when
    tender_amend(
        actor=officer,
        tender_id=tender.pk,
        fields={"submission_deadline": new_deadline},
        reason="Lisäaikaa.",
        children={},
    )
    tender.refresh_from_db()
    releases = ocds.tender_releases(tender)
    # then
    assert [r["tag"] for r in releases] == [["tender"], ["tenderAmendment"]]
    first, amendment = releases
    assert first["tender"]["tenderPeriod"]["endDate"] != amendment["tender"]["tenderPeriod"]["endDate"]
    expected_end = timezone.localtime(new_deadline).isoformat(timespec="seconds")
    assert amendment["tender"]["tenderPeriod"]["endDate"] == expected_end
    assert amendment["tender"]["amendments"][0]["rationale"] == "Lisäaikaa."
    compiled = ocds.tender_record(tender)["compiledRelease"]
    assert compiled["tender"]["tenderPeriod"]["endDate"] == amendment["tender"]["tenderPeriod"]["endDate"]


def test_a_lot_a_corrigendum_removes_is_withdrawn_in_the_record():
    # given
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    tender = published_call(authority, officer)
    first_lot = tender.lots.get(number=1)
    kept = {name: getattr(first_lot, name) for name in LOT_FIELDS}
    # when
    tender_amend(actor=officer, tender_id=tender.pk, fields={}, children={"lots": [kept]}, reason="Osa 2 pois.")
    tender.refresh_from_db()
    record = ocds.tender_record(tender)
    # then
    assert record["releases"][-1]["tender"]["lots"][1] == {"id": "2", "status": "withdrawn"}
    lots = {lot["id"]: lot["status"] for lot in record["compiledRelease"]["tender"]["lots"]}
    assert lots == {"1": "active", "2": "withdrawn"}
    assert_valid(ocds.release_package(record["releases"], uri="https://hankinta.example/"))


def test_published_questions_are_enquiries_in_their_published_wording_without_the_asker():
    # given
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    provider = factories.ProviderFactory(name="Kysyjä Oy")
    member = factories.provider_member_of(provider)
    tender = published_call(authority, officer)
    asked = question_ask(
        actor=member, tender_id=tender.pk, text="Kysyjä Oy kysyy: saako etäopetusta?", received_at=timezone.now()
    )
    question_edit(actor=officer, tender_id=tender.pk, question_id=asked.pk, text="Saako etäopetusta?")
    question_answer(actor=officer, tender_id=tender.pk, question_id=asked.pk, answer="Enintään 20 %.")
    unpublished = question_ask(actor=member, tender_id=tender.pk, text="Toinen kysymys?", received_at=timezone.now())
    answers_publish(actor=officer, tender_id=tender.pk)
    question_answer(actor=officer, tender_id=tender.pk, question_id=unpublished.pk, answer="Ei vielä julki.")
    # when
    releases = ocds.tender_releases(tender)
    # then
    assert [r["tag"] for r in releases] == [["tender"], ["tenderUpdate"]]
    assert releases[1]["tender"]["enquiries"] == [
        {
            "id": str(asked.number),
            "date": releases[1]["date"],
            "description": "Saako etäopetusta?",
            "answer": "Enintään 20 %.",
            "dateAnswered": releases[1]["date"],
        }
    ]
    text = json.dumps(releases, ensure_ascii=False)
    assert "Kysyjä" not in text and "Toinen kysymys" not in text and "Ei vielä julki" not in text


def closed_call(officer, bidders: int) -> Tender:
    """A call of the officer's authority with a bid from each of `bidders` providers, its deadline passed."""
    members = [factories.provider_member_of(factories.ProviderFactory()) for _ in range(bidders)]
    tender = submitted_tender(authority=officer.memberships.get().authority, bidders=[(m, "9000") for m in members])
    return tender_close(actor=officer, tender_id=tender.pk)


def test_bids_are_counted_per_lot_only_with_the_decision_on_the_opened_bids():
    # given a closed call with three bids
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    tender = closed_call(officer, 3)
    assert all("bids" not in release for release in ocds.tender_releases(tender))
    # when its bids are opened, the count stays unsaid (the opening record is not public before the decision)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    tender.refresh_from_db()
    assert all("bids" not in r and "numberOfTenderers" not in r["tender"] for r in ocds.tender_releases(tender))
    # then the decision on them (here: the call found unsuccessful) gives the counts, in all and per lot
    tender_declare_unsuccessful(actor=officer, tender_id=tender.pk, reason="Ei hyväksyttäviä tarjouksia.")
    decided = ocds.tender_releases(Tender.objects.get(pk=tender.pk))[-1]
    assert decided["tender"]["numberOfTenderers"] == 3
    statistics = {s["id"]: (s["value"], s.get("relatedLot")) for s in decided["bids"]["statistics"]}
    assert statistics == {"bids": (3, None), "bids-lot-1": (3, "1"), "bids-lot-2": (3, "2")}


def test_the_decision_is_an_award_release_naming_each_lots_winner():
    # given
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    winner, other = factories.ProviderFactory(name="Voittaja Oy"), factories.ProviderFactory(name="Toinen Oy")
    bidders = [(factories.provider_member_of(winner), "8000"), (factories.provider_member_of(other), "9900")]
    # when
    tender = decided_tender(officer=officer, authority=authority, bidders=bidders)
    award = ocds.tender_releases(tender)[-1]
    # then
    assert award["tag"] == ["award"]
    assert award["tender"]["status"] == "complete"
    assert [(a["id"], a["relatedLots"], a["suppliers"][0]["name"]) for a in award["awards"]] == [
        ("1-1", ["1"], "Voittaja Oy"),
        ("2-1", ["2"], "Voittaja Oy"),
    ]
    supplier = next(p for p in award["parties"] if p["roles"] == ["supplier"])
    assert supplier["identifier"] == {"scheme": "FI-PRO", "id": winner.business_id, "legalName": "Voittaja Oy"}
    assert "Toinen Oy" not in json.dumps(award, ensure_ascii=False)


def test_an_unsuccessful_lot_is_marked_so_from_its_decision():
    # given
    officer = factories.officer_of(factories.AuthorityFactory())
    tender = closed_call(officer, 2)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    # when
    lot_declare_unsuccessful(actor=officer, tender_id=tender.pk, lot_number=2, reason="Liian kallis.")
    tender.refresh_from_db()
    last = ocds.tender_releases(tender)[-1]
    # then
    assert last["id"].endswith("-interruption-lot-2")
    assert {lot["id"]: lot["status"] for lot in last["tender"]["lots"]} == {"1": "active", "2": "unsuccessful"}


def test_a_record_compiles_its_releases_as_ocdsmerge_does():
    # given
    from ocdsmerge import Merger

    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    bidders = [(factories.provider_member_of(factories.ProviderFactory()), price) for price in ("8000", "9000")]
    tender = decided_tender(officer=officer, authority=authority, bidders=bidders)
    # when
    record = ocds.tender_record(tender)
    expected = Merger(schema=patched_release_schema()).create_compiled_release(record["releases"])
    # then
    compiled = dict(record["compiledRelease"])
    assert compiled.pop("id") == f"{record['ocid']}-compiled"
    expected.pop("id")
    assert compiled == expected


def test_packages_carry_the_version_extensions_and_publisher():
    authority = factories.AuthorityFactory()
    tender = published_call(authority, factories.officer_of(authority))
    package = ocds.release_package(ocds.tender_releases(tender), uri="https://hankinta.example/api/v1/ocds/releases/")
    assert package["version"] == "1.1"
    assert package["extensions"] == ocds.EXTENSIONS
    assert package["publisher"] == {"name": "Hankinta"}
    assert package["publishedDate"] == package["releases"][0]["date"]
    records = ocds.record_package([ocds.tender_record(tender)], uri="https://hankinta.example/api/v1/ocds/records/")
    assert records["records"][0]["ocid"] == ocds.ocid_of(tender)


def test_a_broken_release_is_reported_by_the_validator():
    # given: the check below can fail
    authority = factories.AuthorityFactory()
    tender = published_call(authority, factories.officer_of(authority))
    package = ocds.release_package(ocds.tender_releases(tender), uri="https://hankinta.example/")
    package["releases"][0]["tender"]["lots"][0]["title"] = 5
    # then
    assert [error["field"] for error in ocds_errors(package)] == ["releases/tender/lots/title"]


def test_every_procedure_the_demo_makes_is_valid_ocds(settings):
    # given
    settings.DEBUG = True
    call_command("seed_demo")
    tenders = list(ocds.published_tenders())
    # then: a release package and the compiled releases of every published call, each with zero errors
    assert len(tenders) >= 9
    stages = set()
    for tender in tenders:
        releases = ocds.tender_releases(tender)
        stages.update(tuple(release["tag"]) for release in releases)
        assert_valid(ocds.release_package(releases, uri="https://hankinta.example/api/v1/ocds/releases/"))
        compiled = ocds.tender_record(tender)["compiledRelease"]
        assert_valid(ocds.release_package([compiled], uri="https://hankinta.example/api/v1/ocds/records/"))
    assert {("tender",), ("tenderUpdate",), ("award",), ("contract",), ("tenderCancellation",)} <= stages
    # a price is public with the contract: the award release has none, the contract release has it
    completed = next(t for t in tenders if t.status == TenderStatus.COMPLETED)
    by_tag = {tuple(r["tag"]): r for r in ocds.tender_releases(completed)}
    assert all("value" not in award for award in by_tag[("award",)]["awards"])
    contracted = by_tag[("contract",)]
    signed_lot = contracted["contracts"][0]["id"]
    assert all(a["value"]["amount"] > 0 for a in contracted["awards"] if a["relatedLots"] == [signed_lot])
    unpublished = Tender.objects.filter(status__in=ocds.UNPUBLISHED)
    assert unpublished.exists()
    assert all(ocds.tender_releases(tender) == [] for tender in unpublished)
