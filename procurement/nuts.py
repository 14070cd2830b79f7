"""Finland's NUTS 2021 regions at level 3 (the maakunnat), as the eForms notices and Hilma name places: the code
list that notices use for an authority's and a lot's place (BT-507, BT-5071), and the regions of the towns where
integration training is usually bought, so that a lot's region can be proposed from its municipality."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# NUTS 2021 level 3 in Finland (Eurostat; the list Hilma documents in NUTS2021.csv).
NUTS3_FI: dict[str, str] = {
    "FI193": "Keski-Suomi",
    "FI194": "Etelä-Pohjanmaa",
    "FI195": "Pohjanmaa",
    "FI196": "Satakunta",
    "FI197": "Pirkanmaa",
    "FI1B1": "Helsinki-Uusimaa",
    "FI1C1": "Varsinais-Suomi",
    "FI1C2": "Kanta-Häme",
    "FI1C3": "Päijät-Häme",
    "FI1C4": "Kymenlaakso",
    "FI1C5": "Etelä-Karjala",
    "FI1D1": "Etelä-Savo",
    "FI1D2": "Pohjois-Savo",
    "FI1D3": "Pohjois-Karjala",
    "FI1D5": "Keski-Pohjanmaa",
    "FI1D7": "Lappi",
    "FI1D8": "Kainuu",
    "FI1D9": "Pohjois-Pohjanmaa",
    "FI200": "Åland",
}

NUTS3_CHOICES = sorted(((code, f"{name} ({code})") for code, name in NUTS3_FI.items()), key=lambda c: c[1])

# The region of a municipality (the regional centres and the larger towns; lower case, Finnish or Swedish name).
MUNICIPALITY_NUTS3: dict[str, str] = {
    "helsinki": "FI1B1", "helsingfors": "FI1B1", "espoo": "FI1B1", "esbo": "FI1B1", "vantaa": "FI1B1",
    "vanda": "FI1B1", "porvoo": "FI1B1", "borgå": "FI1B1", "lohja": "FI1B1", "hyvinkää": "FI1B1",
    "järvenpää": "FI1B1", "kerava": "FI1B1", "raasepori": "FI1B1", "raseborg": "FI1B1",
    "turku": "FI1C1", "åbo": "FI1C1", "salo": "FI1C1", "uusikaupunki": "FI1C1", "pargas": "FI1C1",
    "parainen": "FI1C1", "hämeenlinna": "FI1C2", "riihimäki": "FI1C2", "forssa": "FI1C2",
    "lahti": "FI1C3", "heinola": "FI1C3", "kotka": "FI1C4", "kouvola": "FI1C4", "hamina": "FI1C4",
    "lappeenranta": "FI1C5", "imatra": "FI1C5", "mikkeli": "FI1D1", "savonlinna": "FI1D1",
    "kuopio": "FI1D2", "iisalmi": "FI1D2", "varkaus": "FI1D2", "joensuu": "FI1D3", "lieksa": "FI1D3",
    "kokkola": "FI1D5", "karleby": "FI1D5", "rovaniemi": "FI1D7", "kemi": "FI1D7", "tornio": "FI1D7",
    "kajaani": "FI1D8", "oulu": "FI1D9", "uleåborg": "FI1D9", "raahe": "FI1D9", "ylivieska": "FI1D9",
    "jyväskylä": "FI193", "äänekoski": "FI193", "seinäjoki": "FI194", "lapua": "FI194",
    "vaasa": "FI195", "vasa": "FI195", "pietarsaari": "FI195", "jakobstad": "FI195", "mustasaari": "FI195",
    "korsholm": "FI195", "pori": "FI196", "rauma": "FI196", "tampere": "FI197", "tammerfors": "FI197",
    "nokia": "FI197", "ylöjärvi": "FI197", "kangasala": "FI197", "maarianhamina": "FI200",
    "mariehamn": "FI200",
}  # fmt: skip


def nuts3_for_municipality(name: str) -> str:
    """The NUTS 3 code of a municipality's region ("" when it is not in the table)."""
    return MUNICIPALITY_NUTS3.get((name or "").strip().lower(), "")


def validate_nuts3(value: str) -> None:
    if value and value not in NUTS3_FI:
        raise ValidationError(
            _("%(value)s is not a NUTS 3 region of Finland (for example FI1D2 for Pohjois-Savo)."),
            code="invalid_nuts",
            params={"value": value},
        )
