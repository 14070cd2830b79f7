"""The demo data is installed for development and the tests only; every whole-number setting is read one way."""

import pytest

from tests.config.test_settings import _settings_in

pytestmark = pytest.mark.django_db

DEMO = "'config.demo' in settings.INSTALLED_APPS"


def test_the_demo_data_is_never_installed_in_production(tmp_path):
    assert _settings_in("config.settings.local", tmp_path, DEMO) is True
    assert _settings_in("config.settings.test", tmp_path, DEMO) is True
    assert _settings_in("config.settings.production", tmp_path, DEMO, DATABASE_URL="postgres://u@h/x") is False


@pytest.mark.parametrize(
    ("variable", "expression"),
    [
        ("EMAIL_MAX_ATTEMPTS", "settings.HANKINTA['EMAIL_MAX_ATTEMPTS']"),
        ("LOGIN_FAILURE_LIMIT", "settings.AXES_FAILURE_LIMIT"),
        ("SECURE_HSTS_SECONDS", "settings.SECURE_HSTS_SECONDS"),
    ],
)
def test_a_whole_number_setting_that_is_not_one_stops_the_start_with_its_name(tmp_path, variable, expression):
    production = {"DATABASE_URL": "postgres://u@h/x"}
    assert isinstance(_settings_in("config.settings.production", tmp_path, expression, **production), int)
    refused = _settings_in("config.settings.production", tmp_path, expression, **production, **{variable: "many"})
    assert "ImproperlyConfigured" in refused["error"] and variable in refused["error"]
