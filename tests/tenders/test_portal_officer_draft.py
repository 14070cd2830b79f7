"""The draft editor's row tables (several rows at once, the running total of the weights, checked when saved), its
step for the call's files, and the portal's corrigendum (rows, files, the effect on bids, an earlier deadline)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bids.models import Bid, BidStatus
from procurement.periods import HELSINKI
from tenders.models import Tender, TenderDocument, TenderStatus
from tenders.portal.officer_draft import LotForm
from tests.fixtures import factories
from tests.fixtures.files import pdf_bytes
from tests.fixtures.portal import management, signed_in
from tests.fixtures.stages import submit_bid


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def criterion(index: int, name: str, weight: str) -> dict:
    return {
        f"criteria-{index}-number": str(index + 1),
        f"criteria-{index}-name": name,
        f"criteria-{index}-weight": weight,
        f"criteria-{index}-max_points": "10",
        f"criteria-{index}-lot_number": "",
    }


@pytest.fixture
def draft(authority, officer):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    tender.criteria.all().delete()
    return tender


def test_more_rows_keeps_what_was_typed_and_saves_nothing(draft, officer):
    # given a criterion typed in the page's one new row, its weight not yet making 100
    data = {**management("criteria", 1), "price_weight": "50", **criterion(0, "Toteutussuunnitelma", "25")}

    # when the officer asks for more rows (no script)
    response = signed_in(officer).post(f"/calls/ours/{draft.pk}/draft/criteria/", {**data, "more_rows": "criteria"})

    # then the page comes back with three more empty rows, the typed row as typed, and no error about the total
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="criteria-TOTAL_FORMS" value="4"' in page
    assert 'name="criteria-3-name"' in page and 'value="Toteutussuunnitelma"' in page
    assert "now they add up to" not in page and 'class="errorlist"' not in page
    assert draft.criteria.count() == 0
    # and the running total counts what was typed: 50 + 25
    assert "Lot 1: 75 % – must be 100 %" in page


def test_several_criteria_are_saved_at_once_and_the_total_is_checked_only_on_saving(draft, officer):
    rows = {**criterion(0, "Suunnitelma", "25"), **criterion(1, "Ohjaus", "15"), **criterion(2, "Yhteistyö", "5")}
    client = signed_in(officer)

    wrong = client.post(
        f"/calls/ours/{draft.pk}/draft/criteria/", {**management("criteria", 3), "price_weight": "50", **rows}
    )

    # one error for the whole table, naming the total, none on the rows
    page = wrong.content.decode()
    assert wrong.status_code == 400
    assert page.count("now they add up to 95") == 1 and 'id="criteria-errors"' in page
    assert 'id="id_criteria-0-weight_error"' not in page

    right = client.post(
        f"/calls/ours/{draft.pk}/draft/criteria/",
        {**management("criteria", 3), "price_weight": "50", **rows, "criteria-2-weight": "10"},
    )
    assert right.status_code == 302
    assert sorted(draft.criteria.values_list("weight", flat=True)) == [10, 15, 25]


def test_the_criteria_step_shows_the_saved_total_and_an_empty_row_to_copy(authority, officer):
    tender = factories.TenderFactory(authority=authority, created_by=officer)

    page = signed_in(officer).get(f"/calls/ours/{tender.pk}/draft/criteria/").content.decode()

    assert '<div role="status" aria-live="polite"><ul data-weight-total-list>' in page
    assert "Together: 100 % – in order" in page or "Lot 1: 100 % – in order" in page
    assert '<template data-formset-template="criteria">' in page and "criteria-__prefix__-weight" in page
    assert "tenders/formset.js" in page


def test_the_files_step_adds_replaces_and_removes_a_file(draft, officer):
    client = signed_in(officer)
    url = f"/calls/ours/{draft.pk}/draft/files/"

    refused = client.post(
        url,
        {"add-kind": "price_form", "add-title_fi": "Hintalomake", "add-file": SimpleUploadedFile("h.pdf", b"MZ")},
    )
    assert refused.status_code == 400 and "not of an accepted type" in refused.content.decode()

    added = client.post(
        url,
        {"add-kind": "price_form", "add-title_fi": "Hintalomake", "add-file": SimpleUploadedFile("h.pdf", pdf_bytes())},
    )
    assert added.status_code == 302
    document = TenderDocument.objects.get()
    page = client.get(url).content.decode()
    assert "Hintalomake" in page and f"/calls/{draft.pk}/files/{document.pk}/" in page

    replaced = client.post(
        url, {"replace": document.pk, f"replace-{document.pk}-file": SimpleUploadedFile("h2.pdf", pdf_bytes(text="2"))}
    )
    assert replaced.status_code == 302
    document = TenderDocument.objects.get()
    assert document.filename == "h2.pdf" and document.title_fi == "Hintalomake"
    assert client.post(url, {"remove": document.pk}).status_code == 302
    assert not TenderDocument.objects.exists()


# --- the portal's corrigendum ------------------------------------------------------------------------------------


@pytest.fixture
def published(authority, officer):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.PUBLISHED, published_at=timezone.now())
    tender = Tender.objects.get(pk=tender.pk)
    tender.versions.create(number=1, created_by=officer, snapshot={})
    return tender


def amend_data(tender, **extra) -> dict:
    deadline = tender.submission_deadline.astimezone(HELSINKI)
    lots = list(tender.lots.order_by("number"))
    criteria = list(tender.criteria.order_by("number"))
    data = {
        "reason": "Korjaus.",
        "title_fi": tender.title_fi,
        "estimated_value": str(tender.estimated_value),
        "tender_validity_months": str(tender.tender_validity_months),
        "submission_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "price_weight": str(tender.price_weight),
        **management("lots", len(lots), len(lots)),
        **management("criteria", len(criteria), len(criteria)),
        **management("requirements", 0, 0),
    }
    for i, lot in enumerate(lots):
        for name in LotForm.base_fields:
            value = getattr(lot, name)
            data[f"lots-{i}-{name}"] = "" if value is None else str(value)
    for i, c in enumerate(criteria):
        data.update(
            {
                f"criteria-{i}-number": str(c.number),
                f"criteria-{i}-name": c.name,
                f"criteria-{i}-weight": str(c.weight),
                f"criteria-{i}-max_points": str(c.max_points),
                f"criteria-{i}-lot_number": str(c.lot.number) if c.lot_id else "",
            }
        )
    data.update(extra)
    return data


def test_the_portals_corrigendum_asks_whether_bids_are_affected(published, officer, member_a):
    bid = submit_bid(member_a, published, lots=[published.lots.get(number=1)])
    client = signed_in(officer)
    url = f"/calls/ours/{published.pk}/amend/"

    unanswered = client.post(url, amend_data(published, title_fi="Uusi otsikko"))
    assert unanswered.status_code == 400
    assert 'name="effect-affects_bids"' in unanswered.content.decode()

    response = client.post(
        url,
        amend_data(
            published,
            title_fi="Uusi otsikko",
            **{"effect-affects_bids": "no", "effect-affects_bids_reason": "Vain otsikko muuttui."},
        ),
    )

    assert response.status_code == 302, response.content.decode()
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED
    version = published.versions.get(number=2)
    assert version.changed_fields == ["title_fi"] and version.affects_bids is False


def test_the_portals_corrigendum_adds_a_requirement_and_replaces_a_file(published, officer, member_a):
    from tenders.tender_documents import tender_documents_for

    document = TenderDocument(
        tender=published, kind="service_description", title_fi="Palvelukuvaus", filename="k.pdf",
        content_type="application/pdf", sha256="0" * 64, size=1, added_in_version=1, added_by=officer,
    )  # fmt: skip
    document.file.save("k.pdf", SimpleUploadedFile("k.pdf", pdf_bytes()), save=True)
    bid = submit_bid(member_a, published, lots=[published.lots.get(number=1)])

    response = signed_in(officer).post(
        f"/calls/ours/{published.pk}/amend/",
        amend_data(
            published,
            **management("requirements", 1, 0),
            **{
                "requirements-0-number": "1",
                "requirements-0-kind": "technical",
                "requirements-0-text": "S2-opettajan pätevyys",
                f"file-{document.pk}-file": SimpleUploadedFile("k2.pdf", pdf_bytes(text="v2")),
                "effect-affects_bids": "yes",
                "effect-affects_bids_reason": "Uusi vaatimus on osoitettava.",
            },
        ),
    )

    assert response.status_code == 302, response.content.decode()
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT
    version = published.versions.get(number=2)
    assert set(version.changed_fields) == {"requirements", "call_documents"}
    assert [d.filename for d in tender_documents_for(user=member_a, tender_id=published.pk)] == ["k2.pdf"]
    assert published.requirements.get().text == "S2-opettajan pätevyys"


def test_the_portal_warns_of_an_earlier_deadline_and_publishes_it_once_confirmed(published, officer):
    client = signed_in(officer)
    url = f"/calls/ours/{published.pk}/amend/"
    earlier = (published.submission_deadline - timedelta(days=3)).astimezone(HELSINKI)
    data = amend_data(
        published,
        submission_deadline=earlier.strftime("%Y-%m-%dT%H:%M"),
        **{"effect-affects_bids": "no", "effect-affects_bids_reason": "Sisältö ei muutu."},
    )

    warned = client.post(url, data)

    page = warned.content.decode()
    assert warned.status_code == 409
    assert "moves the tender deadline earlier" in page and 'name="effect-confirm_shorter_deadline"' in page
    assert Tender.objects.get(pk=published.pk).version == 1

    confirmed = client.post(url, {**data, "effect-confirm_shorter_deadline": "on"})
    assert confirmed.status_code == 302
    assert Tender.objects.get(pk=published.pk).submission_deadline == earlier.replace(second=0, microsecond=0)


def test_a_wrong_total_of_one_lot_is_named_with_its_lot(draft, officer):
    # given a criterion for lot 2 only: lot 1 makes 100, lot 2 does not
    rows = {**criterion(0, "Suunnitelma", "40"), **criterion(1, "Ruotsin kieli", "10")}
    rows["criteria-1-lot_number"] = "2"

    response = signed_in(officer).post(
        f"/calls/ours/{draft.pk}/draft/criteria/", {**management("criteria", 2), "price_weight": "60", **rows}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "Lot 2: the price weight and the quality weights that apply to it must add up to 100; now they add up to 110"
        in page
    )
    assert "Lot 1:" not in page.split('id="criteria-errors"')[1].split("</div>")[0]
