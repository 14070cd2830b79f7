"""`{{ code|cpv_name }}` or `{{ code|cpv_name:"sv" }}`: a CPV code's official name in the active or given language."""

from django import template

from tenders.cpv import cpv_name as _cpv_name

register = template.Library()


@register.filter
def cpv_name(code, language: str = "") -> str:
    return _cpv_name(str(code or ""), language or None)
