"""Field validators shared by the apps."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
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
