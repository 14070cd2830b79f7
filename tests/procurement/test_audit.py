"""procurement/audit.py: what an audit event records of its object."""

import pytest

from procurement.labels import audit_object_label
from procurement.models import AuditEvent
from tenders.services import tender_alert_create


@pytest.mark.django_db
def test_a_model_renamed_in_code_keeps_the_object_type_its_events_have_always_had(member_a, provider_a):
    """The object type is a stored code (hashed into the chain, filtered on in the API): the alert model was
    renamed CallAlert -> TenderAlert in issue 20, and its events still say `tenders.callalert`, with its label."""
    alert = tender_alert_create(actor=member_a, provider_id=provider_a.pk, cpv_prefix="80")

    event = AuditEvent.objects.get(object_id=str(alert.pk), action__startswith="alert.")

    assert event.object_type == "tenders.callalert"
    assert audit_object_label(event.object_type, event.object_id) == f"Tarjouspyyntövahti {alert.pk}"
    assert audit_object_label("tenders.calldocument", 5) == "Tarjouspyynnön liite 5"
