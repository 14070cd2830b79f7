"""The form of what a call's notices in Hilma need beyond the call itself: the contract's term and options, and the
answers to Hilma's statistics questions (a draft step, and part of a corrigendum)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..languages import is_bilingual
from ..models import Tender
from ..services import MAX_CONTRACT_MONTHS
from ..statistics import KEYS, MAX_OPPORTUNITIES, QUESTIONS, statistics_asked, tender_notice_type

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
TERM_FIELDS = ("contract_months", "option_months", "options_description", "options_description_sv")


def _yes(value: str) -> bool:
    return value == "yes"


def _answer_initial(value: object) -> str:
    return {True: "yes", False: "no"}.get(value, "") if isinstance(value, bool) else ""


class NoticeDataForm(forms.Form):
    """The contract's term and options, then one question a field, named by Hilma's key. A follow-up answered when
    it is not asked (its condition answered no) is dropped; `cleaned_data` gives `hilma_statistics` whole."""

    contract_months = forms.IntegerField(
        label=_("Contract term (months)"),
        min_value=1,
        max_value=MAX_CONTRACT_MONTHS,
        required=False,
        help_text=_("Without the options. The notice in Hilma states it for every lot."),
    )
    option_months = forms.IntegerField(
        label=_("Options to extend (months)"),
        min_value=1,
        max_value=MAX_CONTRACT_MONTHS,
        required=False,
        help_text=_("Empty when the contract has no option to extend it."),
    )
    options_description = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the authority may order besides, and on what terms."),
    )
    options_description_sv = forms.CharField(
        label=_("Options, in Swedish"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, tender: Tender, **kwargs: Any) -> None:
        answers = tender.hilma_statistics or {}
        initial: dict[str, Any] = {name: getattr(tender, name) for name in TERM_FIELDS}
        for question in QUESTIONS:
            value = answers.get(question.key)
            initial[question.key] = value if question.number else _answer_initial(value)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.notice = tender_notice_type(tender)
        if not is_bilingual(tender):
            del self.fields["options_description_sv"]
        # Every question the notice type may ask (the follow-ups too: without script they are always shown, and an
        # answer to one whose condition is answered no is dropped).
        possible = set(statistics_asked({"employmentCondition": True, "lowCarbon": True}, notice=self.notice))
        for question in QUESTIONS:
            if question.key not in possible:
                continue
            field: forms.Field
            if question.number:
                field = forms.IntegerField(min_value=0, max_value=MAX_OPPORTUNITIES, required=False)
            else:
                field = forms.TypedChoiceField(
                    choices=YES_NO, coerce=_yes, empty_value=None, required=False, widget=forms.RadioSelect
                )
            field.label = str(question.text)
            field.help_text = f"{question.group}. {question.help}" if question.help else f"{question.group}."
            self.fields[question.key] = field

    @property
    def questions(self) -> list[forms.BoundField]:
        return [self[key] for key in KEYS if key in self.fields]

    @property
    def term_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in TERM_FIELDS if name in self.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answers = {key: data.pop(key) for key in KEYS if key in data}
        asked = statistics_asked(answers, notice=self.notice)
        data["hilma_statistics"] = {key: value for key, value in answers.items() if value is not None and key in asked}
        return data
