"""How a lower app asks a higher one without importing it (the apps depend downwards only: procurement <- documents
<- tenders <- bids <- evaluation).

The lower app declares a `Slot` for what it needs (in its `hooks` module, with what is asked and answered); the
higher app that knows the answer fills it in its `AppConfig.ready()`. A slot left empty is a configuration error,
raised at the first call rather than answered with a silent default."""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured


class Slot:
    """One function a higher app provides; calling the slot calls it."""

    def __init__(self, name: str, doc: str = ""):
        self.name = name
        self.__doc__ = doc
        self._function: Callable | None = None

    def provide(self, function: Callable) -> Callable:
        self._function = function
        return function

    def __call__(self, *args, **kwargs):
        if self._function is None:
            raise ImproperlyConfigured(f"Nothing provides {self.name}: the app that answers it is not ready.")
        return self._function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Slot {self.name}>"
