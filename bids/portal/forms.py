"""The bid form: what the bid API accepts (offers, answers, declaration, evidence, contact, business secrets),
as fields of one page; and the placing of the service's errors next to the fields they concern."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.errors import DomainError, ValidationFailed
from procurement.exclusion import EXCLUSION_GROUNDS
from procurement.portal import place_errors
from procurement.rules import vat_rates_on
from procurement.validators import NameFormField
from tenders.languages import in_language
from tenders.models import LotStatus, Tender

from ..content import EMPTY_CONTENT, content_errors, unit_price_field
from ..models import AttachmentStatus

SECTIONS = (
    "lot_offers",
    "quality_answers",
    "exclusion_declaration",
    "suitability_evidence",
    "contact",
    "business_secrets",
)
DECLARATION_CHOICES = [("no", _("Does not apply to us")), ("yes", _("Applies to us"))]
# One declaration for the whole list, and an answer per ground only when one of them applies. Stored as the API
# takes it: {ground: applies} for every ground declared ("none" declares each of the call's grounds as false).
EXCLUSION_CHOICES = [
    ("none", _("None of the grounds listed below applies to us.")),
    ("some", _("One or more of them applies to us: we answer for each ground below.")),
]


def _rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f} %"


class BidForm(forms.Form):
    """Fields named after the call's own rows: lot_<id>_offer/_unit_price/_vat_rate, criterion_<id>,
    requirement_<id>, ground_<code>, contact_*, secret_* (business-secret markings)."""

    def __init__(self, *args, tender: Tender, attachments=(), providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tender = tender
        self.section_errors: dict[str, list[str]] = {key: [] for key in SECTIONS}
        if providers:
            self.fields["provider"] = forms.TypedChoiceField(
                label=_("Organisation you bid for"), choices=providers, coerce=int
            )
        # The open lots, and any lot the bid already offers: a submitted bid still shows its offers after the
        # award, and a draft shows an offer for a lot cancelled since (which the service then refuses).
        offered = {
            int(key.split("_")[1]) for key, value in (self.initial or {}).items() if key.endswith("_offer") and value
        }
        self.lots = [lot for lot in tender.lots.order_by("number") if lot.status == LotStatus.OPEN or lot.pk in offered]
        self.criteria = list(tender.criteria.select_related("lot").order_by("number"))
        self.requirements = list(tender.requirements.order_by("number"))
        grounds = {g.code: g for g in EXCLUSION_GROUNDS}
        self.grounds = [grounds[code] for code in tender.exclusion_grounds if code in grounds]
        self.attachments = [a for a in attachments if a.status == AttachmentStatus.READY]
        self._add_offer_fields()
        self._add_answer_fields()
        self._add_declaration_fields()
        self._add_evidence_fields()
        self._add_contact_fields()
        self._add_attachment_fields()

    # --- the fields, section by section, in the page's order ---------------------------------------------------------

    def _add_offer_fields(self) -> None:
        """Per lot: whether it is offered, its unit price, and its VAT rate (the rates in force today)."""
        rates = [(f"{rate.normalize():f}", _rate_text(rate)) for rate in vat_rates_on(timezone.localdate())]
        for lot in self.lots:
            self.fields[f"lot_{lot.pk}_offer"] = forms.BooleanField(
                label=_("We bid for lot %(number)s") % {"number": lot.number}, required=False
            )
            self.fields[f"lot_{lot.pk}_unit_price"] = unit_price_field(
                forms.DecimalField,
                label=_("Lot %(number)s: unit price without VAT (€, %(unit)s)")
                % {"number": lot.number, "unit": lot.get_pricing_unit_display()},
                required=False,
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            )
            self.fields[f"lot_{lot.pk}_vat_rate"] = forms.ChoiceField(
                label=_("Lot %(number)s: VAT rate") % {"number": lot.number},
                choices=rates,
                initial="0",
                required=False,
            )

    def _add_answer_fields(self) -> None:
        """Per quality criterion: the answer, and whether it is a business secret."""
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.CharField(
                label=_("%(number)s. %(name)s (weight %(weight)s %%)")
                % {"number": criterion.number, "name": in_language(criterion, "name"), "weight": criterion.weight},
                required=False,
                max_length=50_000,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=in_language(criterion, "guidance"),
            )
            self.fields[f"secret_quality_{criterion.pk}"] = forms.BooleanField(
                label=_("Answer %(number)s is a business secret") % {"number": criterion.number}, required=False
            )

    def _add_declaration_fields(self) -> None:
        """The one-line declaration of the exclusion grounds, and an answer per ground."""
        if self.grounds:
            self.fields["exclusion"] = forms.ChoiceField(
                label=_("Our declaration"), choices=EXCLUSION_CHOICES, required=False, widget=forms.RadioSelect
            )
        for ground in self.grounds:
            self.fields[f"ground_{ground.code}"] = forms.ChoiceField(
                label=f"{ground.label} ({ground.section})",
                choices=DECLARATION_CHOICES,
                required=False,
                widget=forms.RadioSelect,
            )
        if self.grounds and not self.is_bound and "exclusion" not in self.initial:
            self.initial["exclusion"] = self._declared_as(self.initial)

    def _add_evidence_fields(self) -> None:
        """Per suitability requirement: the evidence, and whether it is a business secret."""
        for requirement in self.requirements:
            self.fields[f"requirement_{requirement.pk}"] = forms.CharField(
                label=_("Requirement %(number)s: %(text)s")
                % {"number": requirement.number, "text": in_language(requirement, "text")},
                required=False,
                max_length=20_000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Evidence asked: %(evidence)s") % {"evidence": in_language(requirement, "evidence")}
                if requirement.evidence
                else "",
            )
            self.fields[f"secret_evidence_{requirement.pk}"] = forms.BooleanField(
                label=_("Evidence %(number)s is a business secret") % {"number": requirement.number}, required=False
            )

    def _add_contact_fields(self) -> None:
        self.fields["contact_name"] = NameFormField(label=_("Contact person"), required=False, max_length=200)
        self.fields["contact_email"] = forms.EmailField(label=_("Contact e-mail"), required=False)
        self.fields["contact_phone"] = forms.CharField(label=_("Contact phone"), required=False, max_length=40)
        self.fields["secret_contact"] = forms.BooleanField(
            label=_("The contact details are a business secret"), required=False
        )

    def _add_attachment_fields(self) -> None:
        for attachment in self.attachments:
            # Rendered next to the file in the list of attachments (outside this form, with form="bid-form").
            self.fields[f"secret_attachment_{attachment.pk}"] = forms.BooleanField(
                label=_("%(name)s is a business secret") % {"name": attachment.filename},
                required=False,
                widget=forms.CheckboxInput(attrs={"form": "bid-form"}),
            )

    # --- the page's groups of fields ------------------------------------------------------------

    def lot_rows(self):
        return [
            (
                lot,
                self[f"lot_{lot.pk}_offer"],
                self[f"lot_{lot.pk}_unit_price"],
                self[f"lot_{lot.pk}_vat_rate"],
            )
            for lot in self.lots
        ]

    def criterion_rows(self):
        return [(c, self[f"criterion_{c.pk}"], self[f"secret_quality_{c.pk}"]) for c in self.criteria]

    def requirement_rows(self):
        return [(r, self[f"requirement_{r.pk}"], self[f"secret_evidence_{r.pk}"]) for r in self.requirements]

    def ground_fields(self):
        return [self[f"ground_{g.code}"] for g in self.grounds]

    def ground_groups(self):
        """The grounds by kind: mandatory (section 80) first, then discretionary (section 81)."""
        groups = [
            (_("Mandatory grounds (section 80): a bidder to whom one applies is excluded"), True),
            (_("Discretionary grounds (section 81): the contracting authority may exclude the bidder"), False),
        ]
        return [
            (title, [(g, self[f"ground_{g.code}"]) for g in self.grounds if g.mandatory == mandatory])
            for title, mandatory in groups
            if any(g.mandatory == mandatory for g in self.grounds)
        ]

    def _declared_as(self, values: dict) -> str:
        """The one-line declaration that stored answers amount to: "none" when every ground is declared not to
        apply, "some" when one applies, "" while the declaration is incomplete."""
        answers = [values.get(f"ground_{g.code}") for g in self.grounds]
        if "yes" in answers:
            return "some"
        if answers and all(answer == "no" for answer in answers):
            return "none"
        return ""

    def contact_fields(self):
        return [self["contact_name"], self["contact_email"], self["contact_phone"], self["secret_contact"]]

    # --- content ↔ fields ---------------------------------------------------------------------

    def clean(self):
        data = super().clean()
        for lot in self.lots:
            price = f"lot_{lot.pk}_unit_price"
            if data.get(f"lot_{lot.pk}_offer") and data.get(price) is None and price not in self.errors:
                self.add_error(price, _("Give the unit price of the lot you bid for."))
        if data.get("exclusion") == "none" and any(data.get(f"ground_{g.code}") == "yes" for g in self.grounds):
            self.add_error(
                "exclusion",
                _(
                    "You declared that none of the grounds applies, but marked some as applying: choose the "
                    "second option, or change those answers."
                ),
            )
        return data

    def _declaration(self) -> dict:
        data = self.cleaned_data
        if data.get("exclusion") == "none":
            return {g.code: False for g in self.grounds}
        return {g.code: data[f"ground_{g.code}"] == "yes" for g in self.grounds if data.get(f"ground_{g.code}")}

    def content(self) -> dict:
        """The content as the bid API takes it, from the cleaned fields."""
        data = self.cleaned_data
        offers = [
            {
                "lot": lot.pk,
                "unit_price": str(data[f"lot_{lot.pk}_unit_price"]),
                "vat_rate": str(data.get(f"lot_{lot.pk}_vat_rate") or "0"),
            }
            for lot in self.lots
            if data.get(f"lot_{lot.pk}_offer")
        ]
        answers = [
            {"criterion": c.pk, "text": data[f"criterion_{c.pk}"]} for c in self.criteria if data[f"criterion_{c.pk}"]
        ]
        evidence = [
            {"requirement": r.pk, "text": data[f"requirement_{r.pk}"]}
            for r in self.requirements
            if data[f"requirement_{r.pk}"]
        ]
        declaration = self._declaration()
        contact = {"name": data["contact_name"], "email": data["contact_email"], "phone": data["contact_phone"]}
        secrets = [f"quality:{c.pk}" for c in self.criteria if data.get(f"secret_quality_{c.pk}")]
        secrets += [f"evidence:{r.pk}" for r in self.requirements if data.get(f"secret_evidence_{r.pk}")]
        secrets += [f"attachment:{a.pk}" for a in self.attachments if data.get(f"secret_attachment_{a.pk}")]
        if data.get("secret_contact"):
            secrets.append("contact")
        return {
            "lot_offers": offers,
            "quality_answers": answers,
            "exclusion_declaration": declaration,
            "suitability_evidence": evidence,
            "contact": contact if any(contact.values()) else {},
            "business_secrets": secrets,
        }

    @staticmethod
    def data_from_content(content: dict) -> dict:
        """The fields' values for a stored content (the initial values, or the data to check again)."""
        data: dict = {}
        for offer in content.get("lot_offers", []):
            data[f"lot_{offer['lot']}_offer"] = True
            data[f"lot_{offer['lot']}_unit_price"] = offer["unit_price"]
            data[f"lot_{offer['lot']}_vat_rate"] = f"{Decimal(offer.get('vat_rate', '0')).normalize():f}"
        for answer in content.get("quality_answers", []):
            data[f"criterion_{answer['criterion']}"] = answer["text"]
        for evidence in content.get("suitability_evidence", []):
            data[f"requirement_{evidence['requirement']}"] = evidence["text"]
        for code, applies in content.get("exclusion_declaration", {}).items():
            data[f"ground_{code}"] = "yes" if applies else "no"
        contact = content.get("contact") or {}
        data.update(
            contact_name=contact.get("name", ""),
            contact_email=contact.get("email", ""),
            contact_phone=contact.get("phone", ""),
        )
        for key in content.get("business_secrets", []):
            kind, _colon, ident = key.partition(":")
            name = {"quality": "secret_quality_", "evidence": "secret_evidence_", "attachment": "secret_attachment_"}
            data["secret_contact" if key == "contact" else f"{name.get(kind, kind)}{ident}"] = True
        return data

    # --- the service's errors, placed next to the fields -------------------------------------------

    def place_errors(self, error: DomainError, content: dict, attachment_purposes=frozenset()) -> None:
        """The bid form's own mapping of a service's errors (an offer's price, a criterion's answer, a section of the
        form); what it does not map is placed as on every portal form (procurement.portal.place_errors)."""
        if not isinstance(error, ValidationFailed) or not error.errors:
            self.add_error(None, str(error.message))
            return
        if error.code != "invalid":
            self.add_error(None, str(error.message))
        for section, problems in error.errors.items():
            problems = problems if isinstance(problems, list) else [problems]
            for problem in problems:
                code = problem.get("code") if isinstance(problem, dict) else None
                message = str(problem.get("message")) if isinstance(problem, dict) else str(problem)
                fields = self._fields_for(section, code, content, set(attachment_purposes))
                if fields:
                    for name in fields:
                        self.add_error(name, message)
                elif section in self.section_errors:
                    self.section_errors[section].append(message)
                else:
                    place_errors(self, ValidationFailed(error.message, code=error.code, errors={section: message}))

    def _fields_for(self, section: str, code, content: dict, purposes: set[str]) -> list[str]:
        """The fields a service error concerns; empty when it is about the section as a whole."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        offered = {o["lot"] for o in content["lot_offers"]}
        if section == "lot_offers" and code in ("price_implausible", "invalid_vat_rate", "unknown_lot", "lot_closed"):
            # Which offers the call's check refuses, one at a time.
            suffix = "vat_rate" if code == "invalid_vat_rate" else "unit_price"
            refused = [
                offer["lot"]
                for offer in content["lot_offers"]
                if any(
                    p.get("code") == code
                    for p in content_errors(self.tender, {**EMPTY_CONTENT, "lot_offers": [offer]}).get("lot_offers", [])
                )
            ]
            return [f"lot_{lot}_{suffix}" for lot in refused if f"lot_{lot}_{suffix}" in self.fields]
        if section == "quality_answers" and code == "answer_missing":
            return [
                f"criterion_{c.pk}"
                for c in self.criteria
                if (c.lot_id is None or c.lot_id in offered)
                and not (data.get(f"criterion_{c.pk}") or "").strip()
                and f"criterion:{c.pk}" not in purposes
            ]
        if section == "suitability_evidence" and code == "evidence_missing":
            return [
                f"requirement_{r.pk}"
                for r in self.requirements
                if not (data.get(f"requirement_{r.pk}") or "").strip() and f"requirement:{r.pk}" not in purposes
            ]
        if section == "exclusion_declaration" and code == "declaration_incomplete":
            if not data.get("exclusion") and "exclusion" in self.fields:
                return ["exclusion"]
            return [f"ground_{g.code}" for g in self.grounds if not data.get(f"ground_{g.code}")]
        if section == "contact":
            return [name for name in ("contact_name", "contact_email") if not data.get(name)]
        return []


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 8}))


class AttachmentForm(forms.Form):
    """The upload form: sent in chunks to the attachment API by portal.js, or as one file without script."""

    file = forms.FileField(label=_("File"))
    purpose = forms.ChoiceField(label=_("What the file is for"), choices=[("other", _("Other"))], initial="other")

    def __init__(self, *args, tender: Tender, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("other", _("Other"))]
        choices += [
            (f"criterion:{c.pk}", _("Quality criterion %(number)s: %(name)s") % {"number": c.number, "name": c.name})
            for c in tender.criteria.order_by("number")
        ]
        choices += [
            (f"requirement:{r.pk}", _("Requirement %(number)s") % {"number": r.number})
            for r in tender.requirements.order_by("number")
        ]
        self.fields["purpose"].choices = choices
