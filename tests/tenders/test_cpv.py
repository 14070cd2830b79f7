"""The CPV names are the official ones of the eForms SDK, in Finnish, Swedish and English."""

from django.template import Context, Template
from django.utils import translation

from tenders.cpv import CPV_FILE, cpv_codes, cpv_name


def test_known_codes_have_their_official_finnish_and_swedish_names():
    # As in eForms SDK 1.13.3, translations/code_fi.xml and code_sv.xml, keys code|name|cpv.80400000 etc.
    assert cpv_name("80400000-8", "fi") == "Aikuiskoulutuspalvelut ja muut koulutuspalvelut"
    assert cpv_name("80400000-8", "sv") == "Vuxen- och annan undervisning"
    assert cpv_name("80400000-8", "en") == "Adult and other education services"
    assert cpv_name("80580000-3", "fi") == "Kielikurssien järjestäminen"
    assert cpv_name("80580000-3", "sv") == "Tillhandahållande av språkkurser"
    assert cpv_name("79632000-3", "fi") == "Henkilöstökoulutus"


def test_every_listed_code_has_a_name_in_each_language():
    assert len(cpv_codes()) >= 58
    missing = [
        (code, lang) for code, row in cpv_codes().items() for lang in ("en", "fi", "sv") if not row[f"name_{lang}"]
    ]
    assert missing == []


def test_the_vendored_list_carries_its_licence_notice():
    notice = (CPV_FILE.parent / "NOTICE-cpv.md").read_text(encoding="utf-8")
    assert "eForms SDK 1.13.3" in notice and "CC BY 4.0" in notice
    assert (CPV_FILE.parent / "LICENSE-CC-BY-4.0.txt").read_text(encoding="utf-8").startswith("Attribution 4.0")


def test_the_template_filter_names_a_code_in_the_active_language():
    with translation.override("sv"):
        assert (
            Template("{{ code|cpv_name }}").render(Context({"code": "80400000-8"})) == "Vuxen- och annan undervisning"
        )


def test_the_api_names_the_codes_in_the_users_language(authority, officer, client_for):
    from tests.fixtures.payloads import tender_payload

    client = client_for(officer)
    created = client.post(
        "/api/v1/tenders/", tender_payload(authority, cpv_additional=["80580000-3"]), format="json"
    ).json()

    finnish = client.get(f"/api/v1/tenders/{created['id']}/", HTTP_ACCEPT_LANGUAGE="fi").json()
    swedish = client.get(f"/api/v1/tenders/{created['id']}/", HTTP_ACCEPT_LANGUAGE="sv").json()

    assert finnish["cpv_main_name"] == "Aikuiskoulutuspalvelut ja muut koulutuspalvelut"
    assert finnish["cpv_additional_names"] == ["Kielikurssien järjestäminen"]
    assert swedish["cpv_main_name"] == "Vuxen- och annan undervisning"
    assert swedish["cpv_additional_names"] == ["Tillhandahållande av språkkurser"]


def test_a_prefix_is_named_by_the_group_it_stands_for():
    from tenders.cpv import cpv_prefix_name

    assert cpv_prefix_name("8058", "fi") == "Kielikurssien järjestäminen"
    assert cpv_prefix_name("80580", "sv") == "Tillhandahållande av språkkurser"
    assert cpv_prefix_name("80", "en") == "Education and training services"
    assert cpv_prefix_name("8099", "fi") == ""  # no group of its own in the list
    assert cpv_prefix_name("", "fi") == "" and cpv_prefix_name("80x", "fi") == ""
