"""Filters that put words and locale-formatted numbers in place of codes and raw values (procurement.labels,
procurement.money): `{{ n.kind|notification_kind }}`, `{{ weight|percent }}`, `{{ points|number:2 }}`."""

from django import template

from procurement import labels
from procurement.money import format_number, format_percent

register = template.Library()


@register.filter
def notification_kind(kind) -> str:
    return labels.notification_kind_label(str(kind or ""))


@register.filter
def audit_action(action) -> str:
    return labels.audit_action_label(str(action or ""))


@register.filter
def security_event(action) -> str:
    return labels.security_event_label(str(action or ""))


@register.filter
def chain_problem(code) -> str:
    return labels.chain_problem_label(str(code or ""))


@register.filter
def audit_object(event) -> str:
    """`{{ event|audit_object }}`: the event's object as words (its model's name and number)."""
    return labels.audit_object_label(getattr(event, "object_type", ""), getattr(event, "object_id", ""))


@register.filter
def language_name(code) -> str:
    return labels.language_label(code)


@register.filter
def language_names(codes) -> str:
    """A list of language codes as names: “Finnish, Swedish”."""
    return ", ".join(labels.language_label(code) for code in codes or [])


@register.filter
def attachment_purpose(purpose, tender=None) -> str:
    return labels.attachment_purpose_label(purpose, tender)


@register.filter
def document_subject(subject) -> str:
    return labels.document_subject_label(subject)


@register.filter
def number(value, decimals=None) -> str:
    """As many decimals as the number has, or `number:2` for exactly two."""
    return format_number(value, decimals=None if decimals in (None, "") else int(decimals))


@register.filter
def percent(value) -> str:
    return format_percent(value)
