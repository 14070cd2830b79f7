"""The demo data (`manage.py seed_demo`, run by `make run`): for development and the tests only, never installed in
production (config.settings.local and config.settings.test add it to INSTALLED_APPS)."""
