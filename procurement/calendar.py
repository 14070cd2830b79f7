"""iCalendar (RFC 5545) entries for deadlines, attached to deadline e-mails."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from icalendar import Alarm, Calendar, Event


def deadline_event(*, uid: str, summary: str, moment: datetime | str, description: str = "") -> bytes:
    """A 15-minute event ending at the deadline, with an alarm a day before; times in UTC, so no zone rules differ."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    moment = moment.astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//Hankinta//e-tendering//FI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", moment - timedelta(minutes=15))
    event.add("dtend", moment)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(days=-1))
    event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()
