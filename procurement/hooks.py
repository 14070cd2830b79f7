"""How a lower app asks a higher one without importing it (the apps depend downwards only: procurement <-
documents <- tenders <- bids <- evaluation).

Each app declares what it asks in its `asks` module (procurement.asks, tenders.asks, bids.asks), one `Hook` per
question with what is asked and answered; the higher app that knows the answer provides it in its `hooks` module,
imported by its `AppConfig.ready()`. A hook left empty is a configuration error, raised at the first call rather
than answered with a silent default."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured

F = TypeVar("F", bound=Callable[..., Any])


class Hook:
    """One function a higher app provides for the kernel to call."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self.function: Callable[..., Any] | None = None

    def provide(self, function: F) -> F:
        self.function = function
        return function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.function is None:
            raise ImproperlyConfigured(f"No installed app provides the hook {self.name!r}.")
        return self.function(*args, **kwargs)
