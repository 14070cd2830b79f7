"""Editing a bid in the portal without losing what was typed: submitting takes what is on the screen (saved, then
confirmed on the summary), the summary's confirmation submits only the draft it showed, autosave, removing an
attachment keeps the typed text, and the exclusion declaration as one choice."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from bids.content import version_manifest
from bids.models import Bid, BidAttachment, BidStatus
from bids.selectors import bid_get
from bids.services import bid_create, bid_update
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.files import pdf_bytes
from tests.fixtures.portal import confirmation, form_data, signed_in
from tests.fixtures.stages import full_content, submit_bid


@pytest.fixture
def tender(authority):
    return factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())


@pytest.fixture
def draft(tender, member_a):
    return bid_create(
        actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender, "9400")
    )


def screen(tender, **changes) -> dict:
    """What the bid page posts: every field, and the marker of the bid's form."""
    return {**form_data(tender, **changes), "bid_form": "1"}


def content_of(member, bid) -> dict:
    return bid_get(user=member, bid_id=bid.pk).content


def test_submitting_takes_the_price_on_the_screen_not_the_last_saved_one(tender, member_a, draft):
    client = signed_in(member_a)

    # given 9400 saved, she types 9111 and presses "Submit the bid" without saving
    response = client.post(f"/bids/{draft.pk}/submit/", screen(tender, price="9111"))

    assert response.status_code == 302 and response["Location"] == f"/bids/{draft.pk}/summary/"
    summary = client.get(response["Location"]).content.decode()
    assert "9,111.00" in summary and "9,400" not in summary
    submitted = client.post(f"/bids/{draft.pk}/submit/", confirmation(client, draft))
    assert submitted.status_code == 302 and submitted["Location"] == f"/bids/{draft.pk}/receipts/1/"
    version = Bid.objects.get(pk=draft.pk).versions.get()
    prices = {offer["unit_price"] for offer in version_manifest(version)["content"]["lot_offers"]}
    assert prices == {"9111"}


def test_a_refused_save_submits_nothing_and_keeps_the_typed_values(tender, member_a, draft):
    lot = tender.lots.get(number=2)
    criterion = tender.criteria.get(number=1)
    data = screen(tender, price="9111", **{f"lot_{lot.pk}_unit_price": "70000", f"criterion_{criterion.pk}": "Uusi"})

    response = signed_in(member_a).post(f"/bids/{draft.pk}/submit/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "The bid was not submitted: your changes could not be saved." in html
    assert f'id="id_lot_{lot.pk}_unit_price_error"' in html and "not plausible" in html
    assert 'value="70000"' in html and 'value="9111"' in html and "Uusi</textarea>" in html
    draft.refresh_from_db()
    assert draft.status == BidStatus.DRAFT and draft.version == 0
    assert {o["unit_price"] for o in content_of(member_a, draft)["lot_offers"]} == {"9400"}


def test_a_confirmation_of_a_draft_changed_since_its_summary_is_409(tender, member_a, draft):
    client = signed_in(member_a)
    confirm = confirmation(client, draft)
    # another window saves a new price after the summary was shown
    bid_update(actor=member_a, bid_id=draft.pk, content=full_content(tender, "8000"), received_at=timezone.now())

    response = client.post(f"/bids/{draft.pk}/submit/", confirm)

    assert response.status_code == 409
    assert "has changed since its summary was shown" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == BidStatus.DRAFT and not draft.versions.exists()
    # the page shows the draft as it is now, with a confirmation for that one
    assert confirmation(client, draft)["draft_sha256"] != confirm["draft_sha256"]


def test_a_confirmation_without_the_summarys_fingerprint_submits_nothing(member_a, draft):
    response = signed_in(member_a).post(f"/bids/{draft.pk}/submit/", {"idempotency_key": "portal-x"})

    assert response.status_code == 409
    draft.refresh_from_db()
    assert draft.status == BidStatus.DRAFT


def test_a_refused_submission_after_the_save_says_the_draft_is_saved(tender, member_a, draft):
    client = signed_in(member_a)
    criterion = tender.criteria.get(number=1)
    client.post(f"/bids/{draft.pk}/submit/", screen(tender, **{f"criterion_{criterion.pk}": ""}))
    from bids.content import draft_fingerprint  # the summary's fingerprint (new with the summary)

    fingerprint = draft_fingerprint(content_of(member_a, draft), [])

    response = client.post(f"/bids/{draft.pk}/submit/", {"draft_sha256": fingerprint})

    assert response.status_code == 400
    html = response.content.decode()
    assert "The bid was not submitted." in html and "Your draft is saved as shown below." in html
    assert "Answer the quality criteria 1." in html
    draft.refresh_from_db()
    assert draft.status == BidStatus.DRAFT and draft.version == 0


def test_autosave_saves_the_form_and_says_when(tender, member_a, draft):
    criterion = tender.criteria.get(number=1)

    response = signed_in(member_a).post(
        f"/bids/{draft.pk}/autosave/", screen(tender, **{f"criterion_{criterion.pk}": "Kirjoitettu vastaus"})
    )

    assert response.status_code == 200
    assert response.json()["saved"] is True and response.json()["message"].startswith("Saved at ")
    answers = {a["criterion"]: a["text"] for a in content_of(member_a, draft)["quality_answers"]}
    assert answers[criterion.pk] == "Kirjoitettu vastaus"


def test_autosave_of_an_invalid_form_says_why_and_changes_nothing(tender, member_a, draft):
    lot = tender.lots.get(number=1)

    response = signed_in(member_a).post(
        f"/bids/{draft.pk}/autosave/", screen(tender, **{f"lot_{lot.pk}_unit_price": ""})
    )

    assert response.status_code == 400
    assert response.json()["message"].startswith("Not saved: Lot 1: unit price")
    assert {o["unit_price"] for o in content_of(member_a, draft)["lot_offers"]} == {"9400"}


def test_autosave_never_changes_a_submitted_bid(tender, member_a):
    bid = submit_bid(member_a, tender, price="9000")
    before = bytes(Bid.objects.get(pk=bid.pk).sealed_draft)

    response = signed_in(member_a).post(f"/bids/{bid.pk}/autosave/", screen(tender, price="1000"))

    assert response.status_code == 409
    assert response.json()["saved"] is False and "submitted bid cannot be edited" in response.json()["message"]
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED and bid.versions.count() == 1
    assert bytes(bid.sealed_draft) == before


def _attach(client, bid) -> BidAttachment:
    client.post(
        f"/bids/{bid.pk}/attachments/",
        {"file": SimpleUploadedFile("cv.pdf", pdf_bytes(), content_type="application/pdf"), "purpose": "other"},
    )
    return BidAttachment.objects.get(bid=bid)


def test_removing_an_attachment_keeps_the_text_typed_on_the_page(tender, member_a, draft):
    client = signed_in(member_a)
    attachment = _attach(client, draft)
    criterion = tender.criteria.get(number=1)
    # the list names the file's purpose in words, not by its code
    assert "<td>Other</td>" in client.get(f"/bids/{draft.pk}/?part=attachments").content.decode()

    response = client.post(
        f"/bids/{draft.pk}/attachments/{attachment.pk}/delete/",
        screen(
            tender,
            **{f"criterion_{criterion.pk}": "Tallentamaton teksti"},
            **{f"secret_attachment_{attachment.pk}": "on"},
        ),
    )

    assert response.status_code == 302
    assert not BidAttachment.objects.filter(bid=draft).exists()
    content = content_of(member_a, draft)
    assert {a["criterion"]: a["text"] for a in content["quality_answers"]}[criterion.pk] == "Tallentamaton teksti"
    # the removed file's business-secret marking goes with it
    assert content["business_secrets"] == []
    assert "Tallentamaton teksti" in client.get(f"/bids/{draft.pk}/").content.decode()


def test_an_attachment_is_not_removed_when_the_typed_text_cannot_be_saved(tender, member_a, draft):
    client = signed_in(member_a)
    attachment = _attach(client, draft)
    lot = tender.lots.get(number=1)
    criterion = tender.criteria.get(number=1)

    response = client.post(
        f"/bids/{draft.pk}/attachments/{attachment.pk}/delete/",
        screen(tender, **{f"lot_{lot.pk}_unit_price": "-5", f"criterion_{criterion.pk}": "Tallentamaton teksti"}),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "The attachment was not removed" in html and "Tallentamaton teksti</textarea>" in html
    assert BidAttachment.objects.filter(bid=draft).exists()


def test_none_of_the_grounds_applies_is_one_declaration_of_every_ground(tender, member_a, draft):
    client = signed_in(member_a)
    data = {k: v for k, v in screen(tender).items() if not k.startswith("ground_")}

    assert client.post(f"/bids/{draft.pk}/", {**data, "exclusion": "none"}).status_code == 302

    assert content_of(member_a, draft)["exclusion_declaration"] == dict.fromkeys(tender.exclusion_grounds, False)
    response = client.get(f"/bids/{draft.pk}/")
    assert response.context["form"]["exclusion"].value() == "none"
    page = response.content.decode()
    assert "Mandatory grounds (section 80)" in page and "Discretionary grounds (section 81)" in page


def test_a_ground_that_applies_is_declared_with_an_explicit_answer_for_each_ground(tender, member_a, draft):
    client = signed_in(member_a)
    grounds = {f"ground_{code}": "no" for code in tender.exclusion_grounds} | {"ground_bankruptcy": "yes"}
    data = {k: v for k, v in screen(tender).items() if not k.startswith("ground_")}

    # "none applies" contradicts a ground marked as applying: nothing is saved
    refused = client.post(f"/bids/{draft.pk}/", {**data, **grounds, "exclusion": "none"})
    assert refused.status_code == 400 and 'id="id_exclusion_error"' in refused.content.decode()
    assert not any(content_of(member_a, draft)["exclusion_declaration"].values())

    assert client.post(f"/bids/{draft.pk}/", {**data, **grounds, "exclusion": "some"}).status_code == 302
    declaration = content_of(member_a, draft)["exclusion_declaration"]
    assert declaration == {**dict.fromkeys(tender.exclusion_grounds, False), "bankruptcy": True}
    summary = client.get(f"/bids/{draft.pk}/summary/").content.decode()
    assert "Bankruptcy, insolvency or liquidation (81 §, discretionary): <strong>Applies to us</strong>" in summary


def test_an_undeclared_exclusion_is_marked_on_the_declaration_at_submit(tender, member_a, draft):
    data = {k: v for k, v in screen(tender).items() if not k.startswith("ground_")}
    client = signed_in(member_a)
    client.post(f"/bids/{draft.pk}/submit/", data)

    summary = client.get(f"/bids/{draft.pk}/summary/").content.decode()

    assert "Declare for every exclusion ground whether it applies." in summary
    assert "<strong>Not declared yet</strong>" in summary and 'name="draft_sha256"' not in summary


def test_another_providers_bid_is_not_found_on_the_new_pages(tender, member_a, member_b, draft):
    client = signed_in(member_b)
    before = bytes(Bid.objects.get(pk=draft.pk).sealed_draft)

    assert client.get(f"/bids/{draft.pk}/summary/").status_code == 404
    assert client.post(f"/bids/{draft.pk}/autosave/", screen(tender, price="1")).status_code == 404
    assert client.post(f"/bids/{draft.pk}/submit/", screen(tender, price="1")).status_code == 404
    assert client.post(f"/bids/{draft.pk}/submit/", {"draft_sha256": "x"}).status_code == 404

    draft.refresh_from_db()
    assert draft.status == BidStatus.DRAFT and bytes(draft.sealed_draft) == before


def test_the_new_pages_need_signing_in(tender, draft):
    client = Client()
    for method, url in (
        ("get", f"/bids/{draft.pk}/summary/"),
        ("post", f"/bids/{draft.pk}/autosave/"),
        ("post", f"/bids/{draft.pk}/submit/"),
    ):
        response = getattr(client, method)(url, screen(tender) if method == "post" else None)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
