"""Who may do what: role look-ups for a user, cached on the user object for one request."""

from dataclasses import dataclass, field

from .models import Membership, Role


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
    buckets: dict[str, set[int]] = {r: set() for r in Role.values}
    auditor_all = False
    for role, authority_id, provider_id in Membership.objects.filter(user=user).values_list(
        "role", "authority_id", "provider_id"
    ):
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
    roles = Roles(
        officer_of=frozenset(buckets[Role.OFFICER]),
        evaluator_of=frozenset(buckets[Role.EVALUATOR]),
        provider_of=frozenset(buckets[Role.PROVIDER_MEMBER] | buckets[Role.PROVIDER_ADMIN]),
        provider_admin_of=frozenset(buckets[Role.PROVIDER_ADMIN]),
        auditor_of=frozenset(buckets[Role.AUDITOR]),
        auditor_of_all=auditor_all,
        decision_maker_of=frozenset(buckets[Role.DECISION_MAKER]),
    )
    user._hankinta_roles = roles
    return roles
