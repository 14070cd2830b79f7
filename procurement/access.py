"""Who may do what: role look-ups for a user, cached on the user object for one request."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser

from .fastpath import column, columns_sql, table
from .models import PROVIDER_ROLES, Membership, Role, User

# The user of a request, signed in or not.
AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class Roles:
    officer_of: frozenset[int] = field(default_factory=frozenset)
    evaluator_of: frozenset[int] = field(default_factory=frozenset)
    provider_of: frozenset[int] = field(default_factory=frozenset)
    provider_admin_of: frozenset[int] = field(default_factory=frozenset)
    auditor_of: frozenset[int] = field(default_factory=frozenset)
    auditor_of_all: bool = False
    decision_maker_of: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_authority_user(self) -> bool:
        return bool(
            self.officer_of or self.evaluator_of or self.decision_maker_of or self.auditor_of or self.auditor_of_all
        )

    def audits(self, authority_id: int) -> bool:
        return self.auditor_of_all or authority_id in self.auditor_of

    def is_officer(self, authority_id: int) -> bool:
        return authority_id in self.officer_of

    def reads_authority(self, authority_id: int) -> bool:
        return (
            authority_id in self.officer_of
            or authority_id in self.evaluator_of
            or authority_id in self.decision_maker_of
            or self.audits(authority_id)
        )


def roles_of(user) -> Roles:
    if user is None or not user.is_authenticated:
        return Roles()
    cached = getattr(user, "_hankinta_roles", None)
    if cached is not None:
        return cached
    memberships = Membership.objects.filter(user=user).values_list("role", "authority_id", "provider_id")
    roles = user._hankinta_roles = roles_from_memberships(memberships)
    return roles


def roles_from_memberships(memberships) -> Roles:
    """The roles of a user with these memberships, as (role, authority id, provider id)."""
    buckets: dict[str, set[int]] = {r: set() for r in Role.values}
    auditor_all = False
    for role, authority_id, provider_id in memberships:
        if role == Role.AUDITOR and authority_id is None:
            auditor_all = True
        elif role in (Role.PROVIDER_ADMIN, Role.PROVIDER_MEMBER):
            buckets[role].add(provider_id)
        else:
            buckets[role].add(authority_id)
    authority_side = bool(
        buckets[Role.OFFICER]
        or buckets[Role.EVALUATOR]
        or buckets[Role.DECISION_MAKER]
        or buckets[Role.AUDITOR]
        or auditor_all
    )
    if authority_side:
        # An official never acts for a bidder: provider roles of an authority user are ignored.
        buckets[Role.PROVIDER_MEMBER] = buckets[Role.PROVIDER_ADMIN] = set()
    return Roles(
        officer_of=frozenset(buckets[Role.OFFICER]),
        evaluator_of=frozenset(buckets[Role.EVALUATOR]),
        provider_of=frozenset(buckets[Role.PROVIDER_MEMBER] | buckets[Role.PROVIDER_ADMIN]),
        provider_admin_of=frozenset(buckets[Role.PROVIDER_ADMIN]),
        auditor_of=frozenset(buckets[Role.AUDITOR]),
        auditor_of_all=auditor_all,
        decision_maker_of=frozenset(buckets[Role.DECISION_MAKER]),
    )


def memberships_sql() -> str:
    """A user's memberships (the one parameter is the user's id) as one JSON array of [role, authority id,
    provider id], for a statement that reads them beside its own row; `roles_remember` takes them."""
    columns = columns_sql(Membership, "m", ["role", "authority", "provider"])
    return (
        f"SELECT coalesce(json_agg(json_build_array({columns})), '[]') FROM {table(Membership)} m "  # noqa: S608
        f"WHERE m.{column(Membership, 'user')} = %s"
    )


def roles_remember(user, memberships) -> Roles:
    """Keep the roles read with `memberships_sql` for the rest of the request, as `roles_of` would (roles already
    looked up stay as they are)."""
    cached = getattr(user, "_hankinta_roles", None)
    if cached is None:
        cached = user._hankinta_roles = roles_from_memberships(memberships)
    return cached


def provider_of_sql() -> str:
    """`roles_of(user).provider_of` as a subquery, for a statement that checks in the database that a row is the
    user's (the one parameter is the user's id): the providers the user is a member or an administrator of, and
    none if the user holds any other role (an official never acts for a bidder). `test_access` holds it to
    `roles_of` for every combination of roles."""
    provider_roles = ", ".join(f"'{role}'" for role in sorted(PROVIDER_ROLES))
    user, role = column(Membership, "user"), column(Membership, "role")
    return (
        f"SELECT m.{column(Membership, 'provider')} FROM {table(Membership)} m WHERE m.{user} = %s "  # noqa: S608 (names and roles from the code)
        f"AND m.{role} IN ({provider_roles}) AND NOT EXISTS "
        f"(SELECT 1 FROM {table(Membership)} o WHERE o.{user} = m.{user} AND o.{role} NOT IN ({provider_roles}))"
    )


def officers_of(authority_id: int) -> set[int]:
    """The users who are procurement officers of this authority (the recipients of its calls' tasks and alerts)."""
    return set(
        Membership.objects.filter(authority_id=authority_id, role=Role.OFFICER).values_list("user_id", flat=True)
    )
