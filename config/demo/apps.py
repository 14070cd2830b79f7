from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data: it builds one call in each state through every app's services, so it may import them all."""

    name = "config.demo"
    label = "demo"
    verbose_name = "Demo data"
