"""Words instead of codes, and numbers as the reader's language writes them (procurement.labels, procurement.money
and their template filters)."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from procurement import labels
from procurement.models import Notification
from procurement.notifications import KINDS
from tests.fixtures import factories


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "13,5\xa0% · 40 · 1\xa0200,5 · 7,00 · 500\xa0000,00\xa0€"),
        ("sv", "13,5\xa0% · 40 · 1\xa0200,5 · 7,00 · 500\xa0000,00\xa0€"),
        ("en", "13.5% · 40 · 1,200.5 · 7.00 · 500,000.00\xa0€"),
    ],
)
def test_numbers_on_pages_are_written_as_each_language_writes_them(language, expected):
    template = Template("{{ w|percent }} · {{ p|number }} · {{ n|number }} · {{ q|number:2 }} · {{ m|money }}")
    values = {"w": "13.50", "p": "40.00", "n": "1200.50", "q": "7", "m": "500000"}
    with translation.override(language):
        assert template.render(Context(values)) == expected


def test_a_number_without_decimals_keeps_its_tens():
    with translation.override("fi"):
        assert Template("{{ v|number }} {{ v|percent }}").render(Context({"v": "10.00"})) == "10 10\xa0%"


def test_every_notification_kind_has_its_own_label_in_finnish_and_swedish():
    for kind in KINDS:
        with translation.override("en"):
            english = labels.notification_kind_label(kind)
        assert english and english != kind and "." not in english
        for language in ("fi", "sv"):
            with translation.override(language):
                assert labels.notification_kind_label(kind) != english, (kind, language)


def test_the_inbox_shows_no_kind_code(client, provider_a, member_a):
    # given a notification of every kind, and one of a kind the inbox does not know
    for number, kind in enumerate([*KINDS, "something.new"]):
        Notification.objects.create(kind=kind, key=f"k{number}", provider=provider_a, payload={"title": "Kutsu"})
    client.force_login(member_a)

    for language in ("fi", "sv", "en"):
        client.cookies["hankinta_language"] = language
        html = client.get(reverse("portal:inbox")).content.decode()
        # then no `kind.code` is printed anywhere in the page's text
        text = re.sub(r"<[^>]+>", " ", html)
        leaked = [kind for kind in [*KINDS, "something.new"] if "." in kind and kind in text]
        assert leaked == [], (language, leaked)


@translation.override("en")
def test_audit_actions_and_objects_are_named_in_words():
    assert labels.audit_action_label("tender.publish") == "Call published"
    assert labels.audit_action_label("bid.something_new") == "Bid: other event"
    assert labels.audit_action_label("nothing_known") == "Other event"
    assert labels.audit_object_label("tenders.tender", "8") == "Call for tenders 8"
    assert labels.audit_object_label("no.such_model", "3") == "Record 3"
    with translation.override("fi"):
        assert labels.audit_action_label("tender.publish") == "Tarjouspyyntö julkaistu"
        assert labels.audit_object_label("tenders.tender", "8") == "Tarjouspyyntö 8"
    with translation.override("sv"):
        assert labels.audit_action_label("tender.publish") == "Anbudsförfrågan publicerad"


def test_every_audit_action_the_code_records_has_a_label():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        found |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert found and sorted(found - set(labels.AUDIT_ACTIONS)) == []


def test_language_codes_are_named():
    with translation.override("fi"):
        assert [labels.language_label(c) for c in ("fi", "sv", "en")] == ["Suomi", "Ruotsi", "Englanti"]
    with translation.override("sv"):
        assert labels.language_label("fi") == "Finska"
    with translation.override("en"):
        assert labels.language_label("fi") == "Finnish"


@translation.override("en")
def test_attachment_purposes_and_document_subjects_are_named(db):
    from tenders.models import Lot, QualityCriterion

    tender = factories.TenderFactory()
    criterion = QualityCriterion.objects.filter(tender=tender).order_by("number").first()
    lot = Lot.objects.filter(tender=tender).order_by("number").first()
    assert labels.attachment_purpose_label("other", tender) == "Other"
    if criterion is not None:
        assert labels.attachment_purpose_label(f"criterion:{criterion.pk}", tender) == (
            f"Quality criterion {criterion.number}: {criterion.name}"
        )
    assert labels.attachment_purpose_label("criterion:999999", tender) == "Quality criterion"
    assert labels.attachment_purpose_label("requirement:999999", tender) == "Suitability requirement"
    assert labels.document_subject_label(f"lot:{lot.pk}") == f"Lot {lot.number}: {lot.title}"
    assert labels.document_subject_label("") == ""


def _security_event_kinds_in_the_code() -> set[str]:
    """Every action a function that writes the security log names: the `action=` of its calls and the value it
    gives a variable called `action` (refusal_record chooses one by the status)."""
    import ast
    from pathlib import Path

    writers = {"security_record", "_throttled"}
    root = Path(__file__).resolve().parents[2]
    found = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef) or function.name in writers:
                continue
            invocations = [node for node in ast.walk(function) if isinstance(node, ast.Call)]
            if not any(
                getattr(invocation.func, "id", getattr(invocation.func, "attr", None)) in writers
                for invocation in invocations
            ):
                continue
            values = [kw.value for invocation in invocations for kw in invocation.keywords if kw.arg == "action"]
            values += [
                node.value
                for node in ast.walk(function)
                if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "action" for t in node.targets)
            ]
            for value in values:
                for node in ast.walk(value):
                    text = node.value if isinstance(node, ast.Constant) else None
                    if isinstance(text, str) and re.fullmatch(r"[a-z_]+\.[a-z_.]+", text):
                        found.add(text)
    return found


def test_every_security_event_the_code_records_has_a_label_in_finnish_and_swedish():
    found = _security_event_kinds_in_the_code()
    # the finder sees the writers: sign-ins, the throttles, refusals by status and the unknown reset address
    assert {"auth.login_failed", "auth.login_throttled", "access.unauthenticated", "access.not_found"} <= found
    assert {"auth.password_reset_requested", "access.throttled", "auth.locked_out"} <= found
    assert sorted(found - set(labels.SECURITY_EVENTS)) == []
    for action in found:
        with translation.override("en"):
            english = labels.security_event_label(action)
        assert english and "." not in english, action
        for language in ("fi", "sv"):
            with translation.override(language):
                assert labels.security_event_label(action) != english, (action, language)


def test_the_security_log_page_names_each_event_in_words(db, client):
    from procurement.models import SecurityEvent

    # given a row of every kind the map knows, and one it does not
    kinds = [*labels.SECURITY_EVENTS, "access.something_new"]
    for kind in kinds:
        SecurityEvent.objects.create(action=kind, ip_address="198.51.100.7", method="GET", path="/x/", status=403)
    client.force_login(factories.auditor())

    for language in ("fi", "sv", "en"):
        client.cookies["hankinta_language"] = language
        html = client.get(reverse("documents:audit-security")).content.decode()
        text = re.sub(r"<[^>]+>", " ", html)
        # then no `kind.code` is printed, and each row says what it was in the page's language
        assert [kind for kind in kinds if kind in text] == [], language
        with translation.override(language):
            assert labels.security_event_label("access.unauthenticated") in text
