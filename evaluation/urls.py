"""Portal pages of the opening, the evaluation, the award and the contract step."""

from .portal import urlpatterns  # noqa: F401

app_name = "evaluation"
