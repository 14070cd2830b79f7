"""`{{ lot|sv:"title" }}`: an officer-written text in Swedish, for the Swedish section of a document.

A text the authority writes (a title, a criterion, a requirement, a reason) has a Swedish counterpart in the field
of the same name with `_sv` appended. A bilingual authority may not publish or decide while one is missing
(tenders.languages); for a Finnish-only authority's Swedish-speaking bidder the Finnish text stands in."""

from django import template

register = template.Library()


@register.filter
def sv(obj, field: str) -> str:
    if obj is None:
        return ""
    getter = obj.get if isinstance(obj, dict) else lambda name, default="": getattr(obj, name, default)
    return getter(f"{field}_sv", "") or getter(field, "") or ""
