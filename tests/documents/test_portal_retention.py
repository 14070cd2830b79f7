"""The officers' page of records past their retention period (documents/portal/retention.py) and the button on a
call's records page that makes its archive package (evaluation/portal/transfer.py)."""

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from documents.models import DisposalDecision, DocumentStatus, GeneratedDocument
from procurement.models import AuditEvent
from tests.fixtures import factories
from tests.fixtures.portal import signed_in


def _old_record(authority) -> GeneratedDocument:
    """An interruption of a call cancelled 11 years ago: its retention period (10 years) has run."""
    tender = factories.TenderFactory(
        authority=authority, status="cancelled", cancelled_at=timezone.now() - timedelta(days=365 * 11 + 3)
    )
    data = b"%PDF-1.7 an old interruption"
    document = GeneratedDocument(
        kind="interruption",
        tender=tender,
        status=DocumentStatus.READY,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        filename="interruption.pdf",
        rendered_at=timezone.now() - timedelta(days=365 * 11 + 3),
    )
    document.file.save("old.pdf", ContentFile(data), save=False)
    document.save()
    return document


def test_an_officer_lists_the_records_past_retention_and_decides_on_one(authority, officer):
    record = _old_record(authority)
    client = signed_in(officer)

    page = client.get(f"/records/retention/?authority={authority.pk}")
    assert page.status_code == 200
    assert record.sha256 in page.content.decode()

    # a decision without its reason is shown again with the error, and nothing is decided
    refused = client.post(f"/records/retention/{record.pk}/decide/", {f"d{record.pk}-outcome": "destroy"})
    assert refused.status_code == 400
    assert not DisposalDecision.objects.exists()

    response = client.post(
        f"/records/retention/{record.pk}/decide/",
        {f"d{record.pk}-outcome": "destroy", f"d{record.pk}-reason": "Säilytysaika päättyi."},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == DocumentStatus.DISPOSED
    assert AuditEvent.objects.filter(action="record.dispose", object_id=str(record.pk)).exists()
    assert record.sha256 not in client.get(f"/records/retention/?authority={authority.pk}").content.decode()


def test_the_retention_page_is_for_officers_only(authority, member_a, auditor_user):
    record = _old_record(authority)
    for user in (member_a, auditor_user):
        client = signed_in(user)
        assert client.get("/records/retention/").status_code == 404
        decided = client.post(
            f"/records/retention/{record.pk}/decide/", {f"d{record.pk}-outcome": "destroy", f"d{record.pk}-reason": "x"}
        )
        assert decided.status_code == 404
    record.refresh_from_db()
    assert record.status == DocumentStatus.READY


def test_the_records_page_offers_the_archive_package_and_refuses_it_before_the_end(authority, officer):
    # a decided call whose lots have no contract signed yet: not over
    running = factories.TenderFactory(authority=authority, status="decided", decided_at=timezone.now())
    client = signed_in(officer)

    page = client.get(f"/records/calls/{running.pk}/").content.decode()
    assert f"/evaluation/{running.pk}/archive-package/" in page

    refused = client.post(f"/evaluation/{running.pk}/archive-package/")
    assert refused.status_code == 409
    assert "procedure_not_over" in refused.content.decode() or "once the procedure is over" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="archive.export").exists()
