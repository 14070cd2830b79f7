"""Finland's NUTS 3 regions: the check of a code and the region of a municipality."""

import pytest
from django.core.exceptions import ValidationError

from procurement.nuts import NUTS3_FI, nuts3_for_municipality, validate_nuts3
from tests.fixtures import factories


def test_a_municipality_gives_its_region_in_finnish_or_swedish():
    assert nuts3_for_municipality("Kuopio") == "FI1D2"
    assert nuts3_for_municipality(" vasa ") == nuts3_for_municipality("Vaasa") == "FI195"
    assert nuts3_for_municipality("Atlantis") == ""


def test_every_region_of_the_table_is_a_known_code():
    from procurement.nuts import MUNICIPALITY_NUTS3

    assert set(MUNICIPALITY_NUTS3.values()) <= set(NUTS3_FI)


@pytest.mark.parametrize("code", ["FI1D4", "SE110", "fi1d2", "FI1"])
def test_an_unknown_code_is_refused(code):
    with pytest.raises(ValidationError) as refused:
        validate_nuts3(code)
    assert refused.value.code == "invalid_nuts"


def test_the_authoritys_address_is_checked(db):
    authority = factories.AuthorityFactory.build(postal_code="7010", nuts="FI999", website="not a url")

    with pytest.raises(ValidationError) as refused:
        authority.full_clean(exclude=["business_id"])

    assert set(refused.value.error_dict) == {"postal_code", "nuts", "website"}
    assert refused.value.error_dict["nuts"][0].code == "invalid_nuts"
    assert refused.value.error_dict["postal_code"][0].code == "invalid_postal_code"


def test_the_factorys_authority_has_a_full_address(db):
    authority = factories.AuthorityFactory()
    authority.full_clean()
    assert (authority.street, authority.postal_code, authority.town, authority.nuts) == (
        "Tulliportinkatu 31",
        "70100",
        "Kuopio",
        "FI1D2",
    )
