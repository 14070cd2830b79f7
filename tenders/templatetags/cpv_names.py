"""`{{ code|cpv_name }}` or `{{ code|cpv_name:"sv" }}`: a CPV code's official name in the active or given language;
`{{ prefix|cpv_prefix_name }}` the name of the group a prefix of digits stands for (an alert's “8058”)."""

from django import template

from tenders.cpv import cpv_name as _cpv_name
from tenders.cpv import cpv_prefix_name as _cpv_prefix_name

register = template.Library()


@register.filter
def cpv_name(code, language: str = "") -> str:
    return _cpv_name(str(code or ""), language or None)


@register.filter
def cpv_prefix_name(prefix, language: str = "") -> str:
    return _cpv_prefix_name(str(prefix or ""), language or None)
