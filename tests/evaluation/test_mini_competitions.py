"""A mini-competition among a framework agreement's providers, end to end through the calls' own services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from bids.models import Bid
from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render, documents_visible_to
from evaluation.mini_competitions import mini_competition_create, mini_competitions_of
from evaluation.models import (
    AwardDecision,
    CallOff,
    CallOffStatus,
    ConformityRejection,
    ContractStatus,
    LotContract,
    LotResult,
)
from evaluation.ocds import feed_tenders, ocid_of, release_package, tender_releases
from evaluation.services import tender_decide, tender_evaluate, tender_propose
from procurement.audit import AuditEvent
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.models import Notification
from tenders.models import Notice, Tender, TenderStatus
from tenders.notices import notice_prepare
from tenders.selectors import tender_get, tender_list
from tenders.services import tender_approve, tender_close, tender_publish, tender_submit_for_approval
from tests.fixtures import factories
from tests.fixtures.documents import pdftotext
from tests.fixtures.frameworks import (
    framework_contracts_sign,
    member_leaves,
    mini_competition_framework,
    signed_framework,
    third_member,
)
from tests.fixtures.ocds_schema import ocds_result
from tests.fixtures.stages import decide_submitted, submit_bid

pytestmark = pytest.mark.django_db

COURSE = {
    "title_fi": "Kotoutumiskoulutus Kuopio, syksy",
    "title_sv": "Integrationsutbildning Kuopio, hösten",
    "municipality": "Kuopio",
    "language_of_instruction": "fi",
    "study_path": "basic",
    "students": 15,
    "training_days": 100,
}


def _create(officer, framework, **fields):
    values = {
        **COURSE,
        "start_on": timezone.localdate() + timedelta(days=60),
        "submission_deadline": timezone.now() + timedelta(days=10),
        **fields,
    }
    return mini_competition_create(actor=officer, framework_id=framework.pk, **values)


def _publish(tender, officer, officer2):
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    tender_approve(actor=officer2, tender_id=tender.pk)
    return tender_publish(actor=officer, tender_id=tender.pk)


def _deadline_passes(tender):
    past = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    return mini_competition_framework(authority=authority, officer=officer, member_a=member_a, member_b=member_b)


@pytest.fixture
def published(framework, officer, officer2):
    tender = _create(officer, framework)
    return _publish(tender, officer, officer2)


def test_a_mini_competition_is_drafted_from_the_framework(framework, officer):
    tender = _create(officer, framework)
    call = framework.tender

    assert tender.status == TenderStatus.DRAFT
    assert tender.framework_lot_id == framework.lot_id and not tender.is_framework
    assert (tender.procedure, tender.price_weight, tender.price_method, tender.tie_break) == (
        call.procedure,
        call.price_weight,
        call.price_method,
        call.tie_break,
    )
    assert tender.estimated_value == call.estimated_value and tender.exclusion_grounds == call.exclusion_grounds
    assert tender.contract_months is None and not tender.standstill_chosen
    (lot,) = tender.lots.all()
    assert (lot.municipality, lot.students, lot.training_days, lot.pricing_unit) == ("Kuopio", 15, 100, "per_student")
    assert lot.volume == Decimal("15")
    assert list(tender.criteria.order_by("number").values_list("name", "weight")) == list(
        call.criteria.order_by("number").values_list("name", "weight")
    )
    assert not tender.requirements.exists()  # suitability was checked for the framework
    assert AuditEvent.objects.filter(action="mini_competition.create", object_id=str(tender.pk)).exists()


def test_the_officer_refines_the_weights_and_guidance_within_the_agreement(framework, officer):
    tender = _create(
        officer,
        framework,
        criteria=[
            {"number": 1, "weight": "30", "guidance": "Ryhmän aikataulu."},
            {"number": 2, "weight": "10", "name": "Työelämäyhteistyö"},
        ],
    )
    assert list(tender.criteria.order_by("number").values_list("weight", "guidance")) == [
        (Decimal("30.00"), "Ryhmän aikataulu."),
        (Decimal("10.00"), ""),
    ]


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        ([{"number": 1, "name": "Hinta-laatu uusi"}], "not_in_agreement"),
        ([{"number": 9, "weight": "10"}], "not_in_agreement"),
        ([{"number": 1, "weight": "50"}], "weights_not_100"),
    ],
)
def test_criteria_beyond_the_agreement_are_refused(framework, officer, criteria, code):
    with pytest.raises(ValidationFailed) as exc:
        _create(officer, framework, criteria=criteria)
    assert exc.value.errors["criteria"][0]["code"] == code


def test_a_preference_only_framework_holds_no_mini_competition(authority, officer, member_a):
    framework = signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000")])
    with pytest.raises(Conflict) as exc:
        _create(officer, framework)
    assert exc.value.code == "mini_competition_not_allowed"


def test_an_ended_framework_holds_no_mini_competition(framework, officer):
    framework.__class__.objects.filter(pk=framework.pk).update(ends_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(Conflict) as exc:
        _create(officer, framework)
    assert exc.value.code == "framework_not_active"


def test_only_the_authoritys_officers_hold_one(framework, member_a, auditor_user, other_authority):
    with pytest.raises(Forbidden):
        _create(member_a, framework)  # a member reads the framework but may not hold a call
    outsider = factories.officer_of(other_authority)
    with pytest.raises(NotFound):
        _create(outsider, framework)
    with pytest.raises(NotFound):
        _create(outsider, framework.__class__(pk=framework.pk + 1000))


def test_publication_invites_the_members_only_and_announces_nothing(published, framework, provider_a, provider_b):
    invited = Notification.objects.filter(kind="mini_competition.invited", tender_id=published.pk)
    assert set(invited.values_list("provider_id", flat=True)) == {provider_a.pk, provider_b.pk}
    assert not Notification.objects.filter(kind="tender.published", tender_id=published.pk).exists()
    assert not Notice.objects.filter(tender=published).exists()


def test_no_notice_is_made_of_a_mini_competition(published, officer):
    with pytest.raises(Conflict) as exc:
        notice_prepare(actor=officer, tender_id=published.pk)
    assert exc.value.code == "not_announced"


def test_only_active_members_see_it_and_bid(published, framework, member_a):
    from bids.services import bid_create

    outsider = third_member()
    anonymous = factories.UserFactory()
    for user in (outsider, anonymous):
        with pytest.raises(NotFound):
            tender_get(user=user, tender_id=published.pk)
        assert not tender_list(user=user).filter(pk=published.pk).exists()
    with pytest.raises(NotFound):
        bid_create(actor=outsider, tender_id=published.pk, content={}, received_at=timezone.now())
    call_documents = GeneratedDocument.objects.filter(tender=published, kind=DocumentKind.CALL)
    assert call_documents.exists()
    assert not documents_visible_to(user=outsider).filter(tender=published).exists()
    assert set(documents_visible_to(user=member_a).filter(tender=published)) == set(call_documents)
    assert tender_get(user=member_a, tender_id=published.pk) == published
    # A provider that has left the framework is no longer invited to see it.
    framework.members.filter(provider__memberships__user=member_a).update(left_on=timezone.localdate())
    with pytest.raises(NotFound):
        tender_get(user=member_a, tender_id=published.pk)


def test_the_framework_lists_its_mini_competitions(published, framework, officer, member_a, auditor_user):
    assert list(mini_competitions_of(user=officer, framework_id=framework.pk)) == [published]
    assert list(mini_competitions_of(user=member_a, framework_id=framework.pk)) == [published]
    with pytest.raises(NotFound):
        mini_competitions_of(user=third_member(), framework_id=framework.pk)


def _decide(tender, officer, member_a, member_b):
    submit_bid(member_a, tender, "9100")
    submit_bid(member_b, tender, "8000")
    _deadline_passes(tender)
    return decide_submitted(tender, officer=officer)


def test_end_to_end_the_decision_has_no_standstill_and_the_signing_records_the_call_off(
    published, framework, officer, member_a, member_b, provider_b
):
    decided = _decide(published, officer, member_a, member_b)

    decision = AwardDecision.objects.get(tender=decided)
    assert decided.status == TenderStatus.DECIDED
    assert decision.standstill_ends_on is None
    winner = decision.lot_awards.get(rank=1).winner
    assert winner.bid.provider == provider_b
    # No Hilma notice of the award either, and the call-off waits for the signing.
    assert not Notice.objects.filter(tender=decided).exists()
    assert not CallOff.objects.filter(mini_competition=decided).exists()

    framework_contracts_sign(decided, officer=officer)

    call_off = CallOff.objects.get(mini_competition=decided)
    assert call_off.framework == framework and call_off.method == "mini_competition"
    assert call_off.status == CallOffStatus.ACCEPTED and call_off.accepted_at is not None
    assert call_off.member.provider == provider_b
    assert (call_off.volume, call_off.unit_price, call_off.value) == (
        Decimal("15.00"),
        Decimal("8000.00"),
        Decimal("120000.00"),
    )
    assert (call_off.municipality, call_off.students, call_off.training_days) == ("Kuopio", 15, 100)
    from evaluation.frameworks import framework_usage

    assert framework_usage(framework).value == Decimal("120000.00")


def test_a_chosen_standstill_is_observed(framework, officer, officer2, member_a, member_b):
    tender = _publish(_create(officer, framework, standstill_chosen=True), officer, officer2)
    decided = _decide(tender, officer, member_a, member_b)
    assert AwardDecision.objects.get(tender=decided).standstill_ends_on is not None


def test_a_decision_beyond_the_framework_maximum_is_refused(authority, officer, officer2, member_a, member_b):
    framework = signed_framework(
        authority=authority,
        officer=officer,
        bidders=[(member_a, "9000"), (member_b, "9500")],
        call_off_method="combined",
        max_value="100000",
    )
    tender = _publish(_create(officer, framework), officer, officer2)
    submit_bid(member_a, tender, "9100")
    _deadline_passes(tender)
    with pytest.raises(Conflict) as exc:
        decide_submitted(tender, officer=officer)
    assert exc.value.code == "framework_maximum_exceeded"
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.EVALUATED
    assert not AwardDecision.objects.filter(tender=tender).exists()
    with pytest.raises(Conflict):
        tender_decide(actor=officer, tender_id=tender.pk)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_decision_and_letter_name_the_framework(officer, officer2, member_a, member_b, language):
    authority = factories.AuthorityFactory(language_status=language)
    officer, officer2 = factories.officer_of(authority), factories.officer_of(authority)
    framework = mini_competition_framework(
        authority=authority, officer=officer, member_a=member_a, member_b=member_b, language=language
    )
    tender = _publish(_create(officer, framework), officer, officer2)
    decided = _decide(tender, officer, member_a, member_b)
    decision = GeneratedDocument.objects.filter(tender=decided, kind=DocumentKind.DECISION).first()
    text = pdftotext(document_render(document_id=decision.pk))
    letter = GeneratedDocument.objects.filter(tender=decided, kind=DocumentKind.LETTER).first()
    letter_text = pdftotext(document_render(document_id=letter.pk))
    call = framework.tender
    reference = framework.reference or call.reference
    for found in (text, letter_text):
        assert reference in found
        if language == "sv":
            assert "Upphandling som grundar sig på ett ramavtal (förnyad konkurrensutsättning)" in found
            assert (call.title_sv or call.title_fi) in found
            assert "Avtalsspärr tillämpas inte på upphandlingar som grundar sig på ett ramavtal" in found
            assert "Avtalsspärren löper ut" not in found
            assert "marknadsdomstolen" in found.lower()  # the redress stays
        else:
            assert "Puitejärjestelyyn perustuva hankinta (kevennetty kilpailutus)" in found
            assert call.title_fi in found
            assert "Odotusaikaa ei sovelleta puitejärjestelyyn perustuviin hankintoihin" in found
            assert "Odotusaika päättyy" not in found
            assert "markkinaoikeu" in found


def test_the_ocds_feed_shows_it_once_decided_linked_to_its_framework(published, framework, officer, member_a, member_b):
    assert published not in feed_tenders()
    decided = _decide(published, officer, member_a, member_b)
    assert decided in feed_tenders()

    releases = tender_releases(decided)
    assert releases
    for release in releases:
        assert release["relatedProcesses"] == [
            {
                "id": "1",
                "relationship": ["framework"],
                "title": framework.tender.title_fi,
                "scheme": "ocid",
                "identifier": ocid_of(framework.tender),
            }
        ]
        assert release["tender"]["procurementMethod"] == "selective"
    _assert_valid(release_package(releases, uri="https://hankinta.example/"))
    framework_releases = tender_releases(framework.tender)
    assert all("relatedProcesses" not in release for release in framework_releases)
    _assert_valid(release_package(framework_releases, uri="https://hankinta.example/"))


def _assert_valid(package):
    result = ocds_result(package)
    assert result["validation_errors"] == []
    assert result["additional_closed_codelist_values"] == {}
    assert result["additional_fields"] == []


def test_a_contract_signed_when_the_framework_is_full_is_refused(published, framework, officer, member_a, member_b):
    decided = _decide(published, officer, member_a, member_b)
    framework.__class__.objects.filter(pk=framework.pk).update(max_value=Decimal("1000"))
    with pytest.raises(Conflict) as exc:
        framework_contracts_sign(decided, officer=officer)
    assert exc.value.code == "framework_maximum_exceeded"
    assert not CallOff.objects.filter(mini_competition=decided).exists()
    assert LotContract.objects.filter(lot__tender=decided).exclude(status=ContractStatus.SIGNED).exists()
    assert Bid.objects.filter(tender=decided).count() == 2


def test_the_draft_keeps_within_the_agreement_when_edited(framework, officer):
    from tenders.services import tender_update

    tender = _create(officer, framework)
    criteria = [
        {"number": c.number, "name": c.name, "name_sv": c.name_sv, "weight": c.weight, "lot_number": None}
        for c in tender.criteria.order_by("number")
    ]
    tender_update(actor=officer, tender_id=tender.pk, fields={}, children={"criteria": criteria})  # as agreed
    criteria[0]["name"] = "Uusi peruste"
    with pytest.raises(ValidationFailed) as exc:
        tender_update(actor=officer, tender_id=tender.pk, fields={}, children={"criteria": criteria})
    assert exc.value.errors["criteria"][0]["code"] == "not_in_agreement"
    with pytest.raises(ValidationFailed) as exc:
        tender_update(
            actor=officer,
            tender_id=tender.pk,
            fields={"is_framework": True, "framework_providers_per_lot": 2},
            children={},
        )
    assert exc.value.errors["is_framework"][0]["code"] == "mini_competition"


# --- the framework's providers only, and while it is in force; one lot ------------------------------------------


def _terminate(framework):
    framework.__class__.objects.filter(pk=framework.pk).update(status="terminated")


def _words(document) -> str:
    return " ".join(pdftotext(document_render(document_id=document.pk)).split())


def test_a_provider_that_left_after_submitting_is_rejected_at_the_opening_with_the_reason(
    published, framework, officer, member_a, member_b, provider_a, provider_b
):
    submit_bid(member_a, published, "9100")
    left = submit_bid(member_b, published, "8000")  # the better price
    member_leaves(framework, provider_b)
    _deadline_passes(published)

    decided = decide_submitted(published, officer=officer)  # not stuck on a winner that may not have the order

    (rejection,) = ConformityRejection.objects.filter(lot_offer__bid=left)
    assert rejection.reason.startswith("Tarjoaja ei ole puitejärjestelyn")
    assert rejection.reason_sv.startswith("Anbudsgivaren är inte leverantör inom ramavtalet")
    assert (framework.reference or framework.tender.reference) in rejection.reason
    decision = AwardDecision.objects.get(tender=decided)
    assert decision.lot_awards.get(rank=1).winner.bid.provider == provider_a
    assert AuditEvent.objects.filter(
        action="evaluation.reject_nonconforming", object_id=str(left.pk), detail__not_a_member=True
    ).exists()
    # The decision and the bidder's letter state why.
    document = GeneratedDocument.objects.get(tender=decided, kind=DocumentKind.DECISION)
    letter = GeneratedDocument.objects.get(tender=decided, kind=DocumentKind.LETTER, provider=provider_b)
    for text in (_words(document), _words(letter)):
        assert "Tarjoaja ei ole puitejärjestelyn" in text
    framework_contracts_sign(decided, officer=officer)
    assert CallOff.objects.get(mini_competition=decided).member.provider == provider_a


def test_a_provider_that_left_after_the_opening_is_rejected_when_the_evaluation_ends(
    published, framework, officer, member_a, member_b, provider_a, provider_b
):
    from tests.fixtures.stages import open_bids, qualify_all, score_all, seat_panel

    submit_bid(member_a, published, "9100")
    left = submit_bid(member_b, published, "8000")
    _deadline_passes(published)
    tender_close(actor=officer, tender_id=published.pk)
    seat_panel(published, officer)
    open_bids(published, officer)
    assert not ConformityRejection.objects.filter(lot_offer__bid__tender=published).exists()  # both in it then
    qualify_all(published, officer)
    score_all(published, officer)
    member_leaves(framework, provider_b)

    tender_evaluate(actor=officer, tender_id=published.pk)

    assert ConformityRejection.objects.filter(lot_offer__bid=left).exists()
    (result,) = LotResult.objects.filter(lot__tender=published)
    assert result.lot_offer.bid.provider == provider_a
    tender_propose(actor=officer, tender_id=published.pk)
    decision = tender_decide(actor=officer, tender_id=published.pk)
    assert decision.lot_awards.get(rank=1).winner.bid.provider == provider_a


@pytest.mark.parametrize("how", ["terminated", "ended"])
def test_a_mini_competition_is_published_only_while_its_framework_is_in_force(framework, officer, officer2, how):
    tender = _create(officer, framework)
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    tender_approve(actor=officer2, tender_id=tender.pk)
    if how == "terminated":
        _terminate(framework)
    else:
        framework.__class__.objects.filter(pk=framework.pk).update(ends_on=timezone.localdate() - timedelta(days=1))

    with pytest.raises(Conflict) as exc:
        tender_publish(actor=officer, tender_id=tender.pk)

    assert exc.value.code == "framework_not_active"
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.APPROVED
    assert not Notification.objects.filter(kind="mini_competition.invited", tender_id=tender.pk).exists()


def test_no_decision_once_the_framework_is_terminated(published, framework, officer, member_a, member_b):
    submit_bid(member_a, published, "9100")
    submit_bid(member_b, published, "8000")
    _deadline_passes(published)
    _terminate(framework)

    with pytest.raises(Conflict) as exc:
        decide_submitted(published, officer=officer)

    assert exc.value.code == "framework_not_active"
    assert Tender.objects.get(pk=published.pk).status == TenderStatus.EVALUATED
    assert not AwardDecision.objects.filter(tender=published).exists()


def test_no_call_off_is_signed_on_a_terminated_framework(published, framework, officer, member_a, member_b):
    decided = _decide(published, officer, member_a, member_b)
    _terminate(framework)

    with pytest.raises(Conflict) as exc:
        framework_contracts_sign(decided, officer=officer)

    assert exc.value.code == "framework_not_active"
    assert not CallOff.objects.filter(mini_competition=decided).exists()
    assert not LotContract.objects.filter(lot__tender=decided, status=ContractStatus.SIGNED).exists()


def test_the_call_off_is_the_signed_contracts_lots(framework, officer, member_a, member_b, provider_b):
    # A mini-competition made before it was held to one lot: two lots, each with its own winner.
    tender = _create(officer, framework)
    second = tender.lots.get()
    second.pk, second.number, second.municipality, second.students = None, 2, "Joensuu", 10
    second.save()
    first = tender.lots.get(number=1)
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.PUBLISHED, published_at=timezone.now())
    submit_bid(member_a, tender, "9100", lots=[first])
    submit_bid(member_b, tender, "8500", lots=[second])
    _deadline_passes(tender)
    decided = decide_submitted(tender, officer=officer)

    framework_contracts_sign(decided, officer=officer, lot_numbers=[2])

    call_off = CallOff.objects.get(mini_competition=decided)
    assert call_off.member.provider == provider_b
    assert (call_off.municipality, call_off.students, call_off.unit_price) == ("Joensuu", 10, Decimal("8500.00"))
    assert call_off.volume == Decimal("10.00") and call_off.value == Decimal("85000.00")


def test_a_mini_competition_has_exactly_one_lot(framework, officer):
    from tenders.services import LOT_FIELDS, tender_update

    tender = _create(officer, framework)
    (lot,) = tender.lots.values(*LOT_FIELDS)
    tender_update(actor=officer, tender_id=tender.pk, fields={}, children={"lots": [{**lot, "students": 12}]})
    assert tender.lots.get().students == 12  # its one lot may change

    for lots in ([{**lot, "students": 12}, {**lot, "number": 2, "municipality": "Joensuu"}], []):
        with pytest.raises(ValidationFailed) as exc:
            tender_update(actor=officer, tender_id=tender.pk, fields={}, children={"lots": lots})
        assert exc.value.errors["lots"][0]["code"] == "one_lot"
    assert tender.lots.count() == 1
    for language, words in (("fi", "täsmälleen yksi osa"), ("sv", "exakt en del"), ("en", "exactly one lot")):
        with translation.override(language), pytest.raises(ValidationFailed) as exc:
            tender_update(actor=officer, tender_id=tender.pk, fields={}, children={"lots": []})
        assert words in exc.value.errors["lots"][0]["message"]
