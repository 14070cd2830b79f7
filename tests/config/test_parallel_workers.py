"""`make test` runs the suite in pytest-xdist workers: each writes to a Redis database and a media directory of its
own (pytest-django gives each its own test database), so that one worker's purge or scan never sees another's."""

from tests.config.test_settings import _settings_in

TEST_SETTINGS = "config.settings.test"
WHAT = "[settings.CELERY_BROKER_URL, str(settings.MEDIA_ROOT)]"


def _without_broker(env: dict) -> dict:
    return {"CELERY_BROKER_URL": "", **env}


def test_each_worker_has_a_redis_database_and_a_media_directory_of_its_own(tmp_path):
    def seen(**env):
        return _settings_in(TEST_SETTINGS, tmp_path, WHAT, **_without_broker(env))

    alone = seen(REDIS_URL="redis://127.0.0.1:6379/8", PYTEST_XDIST_WORKER="")
    first = seen(REDIS_URL="redis://127.0.0.1:6379/8", PYTEST_XDIST_WORKER="gw0")
    second = seen(REDIS_URL="redis://127.0.0.1:6379/8", PYTEST_XDIST_WORKER="gw1")
    assert alone == ["redis://127.0.0.1:6379/8", str(tmp_path / "test-media")]
    assert first == ["redis://127.0.0.1:6379/8", str(tmp_path / "test-media-gw0")]
    assert second == ["redis://127.0.0.1:6379/9", str(tmp_path / "test-media-gw1")]
    # from the last database (make test's 15) the workers count down
    assert seen(REDIS_URL="redis://127.0.0.1:6379/15", PYTEST_XDIST_WORKER="gw1")[0] == "redis://127.0.0.1:6379/14"


def test_a_broker_given_outright_is_taken_as_it_is(tmp_path):
    """The tests hand their own broker to the processes they start (a Celery worker, the outbox relay)."""
    broker = "redis://127.0.0.1:6379/11"
    seen = _settings_in(
        TEST_SETTINGS,
        tmp_path,
        WHAT,
        CELERY_BROKER_URL=broker,
        REDIS_URL="redis://127.0.0.1:6379/8",
        PYTEST_XDIST_WORKER="gw1",
    )
    assert seen[0] == broker
