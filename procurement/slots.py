"""How a lower app asks a higher one without importing it (the apps depend downwards only: procurement <- documents
<- tenders <- bids <- evaluation).

The lower app declares a `Hook` for what it needs (in its `asks` module, with what is asked and answered); the
higher app that knows the answer provides it in its `AppConfig.ready()`. A hook left empty is a configuration error,
raised at the first call rather than answered with a silent default.

The same class as the kernel's `procurement.hooks.Hook` (written on a parallel branch): once both are merged, one
of them goes and `tenders.asks`/`bids.asks` import the other."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Hook:
    """One function a higher app provides for a lower one to call."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self.function: Callable[..., Any] | None = None

    def provide(self, function: Callable[..., Any]) -> Callable[..., Any]:
        self.function = function
        return function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.function is None:
            raise ImproperlyConfigured(f"No installed app provides the hook {self.name!r}.")
        return self.function(*args, **kwargs)
