"""Wall times in Europe/Helsinki: a time that does not exist or happens twice at a DST change is refused."""

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .periods import HELSINKI


def helsinki_wall_time(naive: datetime) -> datetime:
    """Attach Helsinki time to a naive wall time, refusing the spring gap and the autumn overlap."""
    earlier = naive.replace(tzinfo=HELSINKI, fold=0)
    later = naive.replace(tzinfo=HELSINKI, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    shown = naive.strftime("%d.%m.%Y %H:%M")
    if earlier.astimezone(UTC).astimezone(HELSINKI).replace(tzinfo=None) != naive:
        raise serializers.ValidationError(
            _("%(time)s does not exist in Finland: the clocks move forward an hour that night. Choose another time.")
            % {"time": shown},
            code="nonexistent_time",
        )
    raise serializers.ValidationError(
        _(
            "%(time)s happens twice in Finland when the clocks go back. Choose another time, "
            "or give it with its UTC offset."
        )
        % {"time": shown},
        code="ambiguous_time",
    )


class HelsinkiDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time with an offset, or a wall time that is read in Europe/Helsinki."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well-formed but impossible, e.g. 30 February
                self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM]")
            if parsed is not None and parsed.tzinfo is None:
                return helsinki_wall_time(parsed)
        return super().to_internal_value(value)
