"""Organisations and the audit log."""

import pytest
from django.core.exceptions import ValidationError

from procurement.audit import audit_record
from procurement.models import AuditEvent
from procurement.validators import normalise_business_id
from tests.fixtures import factories


def test_business_id_is_checked_by_its_check_digit():
    assert normalise_business_id("2296962-1") == "2296962-1"
    with pytest.raises(ValidationError) as error:
        normalise_business_id("2296962-2")
    assert error.value.code == "invalid_business_id"
    with pytest.raises(ValidationError):
        normalise_business_id("abc")


def test_authority_with_a_bad_business_id_does_not_validate(db):
    authority = factories.AuthorityFactory.build(business_id="1234567-8")
    with pytest.raises(ValidationError) as error:
        authority.full_clean()
    assert "business_id" in error.value.message_dict


def test_audit_log_is_append_only(db):
    event = audit_record(action="test.event")

    event.action = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"
