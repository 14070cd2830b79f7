"""`{{ amount|money }}`: the one way templates write an amount of money (see procurement.money)."""

from django import template

from procurement.money import format_money

register = template.Library()


@register.filter
def money(value) -> str:
    return format_money(value)
