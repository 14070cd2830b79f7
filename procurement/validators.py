"""Field validators shared by the apps."""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus


def normalise_business_id(value: str) -> str:
    """Return the Finnish business ID (Y-tunnus) in its standard form, e.g. 2296962-1."""
    try:
        return ytunnus.format(ytunnus.validate(value))
    except StdnumError as exc:
        raise ValidationError(
            _("“%(value)s” is not a valid Finnish business ID (Y-tunnus), e.g. 2296962-1."),
            code="invalid_business_id",
            params={"value": value},
        ) from exc


def validate_business_id(value: str) -> None:
    normalise_business_id(value)


# --- names of organisations and people ----------------------------------------------------------------------

# Bidi embeddings, overrides and isolates reorder what follows them: "Koulutus\u202eyO" is shown as "KoulutusOy"
# read backwards, so a name could pass for another one in lists, letters and decisions.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# More combining marks on one letter than any writing system needs: text that spills over the lines around it.
MAX_COMBINING_MARKS = 4


def clean_name(value: str) -> str:
    """A name of an organisation or a person as it is stored and shown: NFC, without invisible formatting
    characters (zero-width spaces, direction marks, soft hyphens, byte-order marks), without surrounding spaces.

    Refused (ValidationError, code "unsafe_characters"): control characters (line breaks and tabs included),
    bidi overrides, embeddings and isolates, lone surrogates, and letters piled with combining marks."""
    for character in value:
        category = unicodedata.category(character)
        if category in ("Cc", "Cs", "Zl", "Zp") or character in _BIDI_CONTROLS:
            raise ValidationError(
                _("A name cannot contain control characters, line breaks or characters that reverse the text."),
                code="unsafe_characters",
            )
    name = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    name = unicodedata.normalize("NFC", name).strip()
    run = 0
    for character in name:
        run = run + 1 if unicodedata.combining(character) else 0
        if run > MAX_COMBINING_MARKS:
            raise ValidationError(
                _("A name cannot pile more than %(n)s accents on one letter.") % {"n": MAX_COMBINING_MARKS},
                code="unsafe_characters",
            )
    return name


class NameField(serializers.CharField):
    """A name in the API, cleaned by clean_name() before the length and blank checks."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            value = clean_name(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages[0], code=exc.code) from exc
        if value == "" and not self.allow_blank:
            self.fail("blank")
        return value


class NameFormField(forms.CharField):
    """A name in a portal form, cleaned by clean_name() before the length and required checks."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_name(value) if value else value
