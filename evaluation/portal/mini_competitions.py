"""The officer's page that drafts a mini-competition under a framework agreement: the course, the deadline, the
agreement's criteria with their weights and guidance as the agreement allows them to be refined, and whether a
standstill is observed. The draft then goes through the call's usual approval and publication (its officer page)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from procurement.models import Language
from procurement.portal import done, render_form, run_service
from tenders.models import QualityCriterion, StudyPath, Tender
from tenders.portal.officer_common import HelsinkiDateTimeField

from ..mini_competitions import mini_competition_create, mini_competition_create_check
from ..models import Framework


class MiniCompetitionForm(forms.Form):
    title_fi = forms.CharField(label=_("Title in Finnish"), max_length=300, required=False)
    title_sv = forms.CharField(label=_("Title in Swedish"), max_length=300, required=False)
    municipality = forms.CharField(label=_("Municipality"), max_length=100)
    language_of_instruction = forms.ChoiceField(label=_("Language of instruction"), choices=Language.choices)
    study_path = forms.ChoiceField(label=_("Study path"), choices=StudyPath.choices, initial=StudyPath.BASIC)
    students = forms.IntegerField(label=_("Students"), min_value=1, max_value=100_000)
    start_on = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    training_days = forms.IntegerField(label=_("Training days"), min_value=1, max_value=3_650)
    submission_deadline = HelsinkiDateTimeField(label=_("Tender deadline"))
    standstill_chosen = forms.BooleanField(
        label=_("Observe a standstill period"),
        required=False,
        help_text=_("A call-off under a framework agreement needs no standstill; the authority may choose one."),
    )

    def __init__(self, *args: Any, criteria: list[QualityCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"weight_{criterion.number}"] = forms.DecimalField(
                label=_("Weight (%%) of “%(name)s”") % {"name": criterion.name},
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                decimal_places=2,
                initial=criterion.weight,
            )
            self.fields[f"guidance_{criterion.number}"] = forms.CharField(
                label=_("Scoring guidance of “%(name)s”") % {"name": criterion.name},
                required=False,
                max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=criterion.guidance,
            )

    def refinements(self) -> list[dict[str, Any]]:
        """The criteria as the officer refined them, for `mini_competition_create`."""
        data = self.cleaned_data
        return [
            {"number": c.number, "weight": data[f"weight_{c.number}"], "guidance": data[f"guidance_{c.number}"]}
            for c in self.criteria
        ]


def _agreed_criteria(framework: Framework) -> list[QualityCriterion]:
    return list(
        QualityCriterion.objects.filter(tender=framework.tender)
        .filter(Q(lot__isnull=True) | Q(lot=framework.lot_id))
        .order_by("number")
    )


@login_required
def mini_competition_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft a mini-competition under the framework (its authority's officers; 404 to whoever may not read it)."""
    framework = mini_competition_create_check(actor=request.user, framework_id=pk)
    form = MiniCompetitionForm(request.POST or None, criteria=_agreed_criteria(framework))
    status = 200
    if request.method == "POST":
        outcome = run_service(
            form,
            lambda: mini_competition_create(
                actor=request.user,
                framework_id=framework.pk,
                **{
                    name: form.cleaned_data[name]
                    for name in (
                        "title_fi",
                        "title_sv",
                        "municipality",
                        "language_of_instruction",
                        "study_path",
                        "students",
                        "start_on",
                        "training_days",
                        "submission_deadline",
                        "standstill_chosen",
                    )
                },
                criteria=form.refinements(),
            ),
        )
        status = outcome.status
        if outcome.ok and isinstance(outcome.result, Tender):
            done(request, _("The mini-competition is drafted. Send it for approval and publish it as any call."))
            return redirect("tenders:officer_call", pk=outcome.result.pk)
    context = {"form": form, "framework": framework, "call": framework.tender, "lot": framework.lot}
    return render_form(request, "evaluation/portal/mini_competition_new.html", context, status)
