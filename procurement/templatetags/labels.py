"""Filters that put words and locale-formatted numbers in place of codes and raw values (procurement.labels,
procurement.money): `{{ n.kind|notification_kind }}`, `{{ weight|percent }}`, `{{ points|number:2 }}`."""

from django import template

from procurement import labels
from procurement.money import format_number, format_percent

register = template.Library()


def _code_filter(name: str, label_of) -> None:
    """`{{ code|name }}`: the words for a code (none, or an unknown one, reads as the label function says)."""
    register.filter(name, lambda code: label_of(str(code or "")))


_code_filter("notification_kind", labels.notification_kind_label)
_code_filter("audit_action", labels.audit_action_label)
_code_filter("security_event", labels.security_event_label)
_code_filter("chain_problem", labels.chain_problem_label)


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
