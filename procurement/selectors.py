"""Reads of the shared kernel, limited to what the user may see."""

from django.utils.translation import gettext_lazy as _

from .access import roles_of
from .errors import Forbidden
from .models import Membership


def authority_people(*, user, authority_id: int) -> list[dict]:
    """The active users of an authority with their roles in it, for its officers (who name the evaluation panels)
    and its auditors; nobody else, so that no one learns another authority's staff."""
    roles = roles_of(user)
    if not (roles.is_officer(authority_id) or roles.audits(authority_id)):
        raise Forbidden(
            _("Only the authority's procurement officers and auditors see its people."), code="not_authority_officer"
        )
    memberships = (
        Membership.objects.filter(authority_id=authority_id, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "role")
    )
    people: dict[int, dict] = {}
    for membership in memberships:
        user_ = membership.user
        person = people.setdefault(
            user_.pk, {"id": user_.pk, "username": user_.username, "name": user_.get_full_name(), "roles": []}
        )
        person["roles"].append(membership.role)
    return list(people.values())
