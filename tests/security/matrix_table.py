"""The declared expectations of the authorisation matrix (tests/security/test_matrix.py), and the bodies it sends."""

from dataclasses import dataclass, fields
from datetime import timedelta

from django.utils import timezone

from tenders.models import Lot

PASSWORD = "correct horse battery staple"  # tests.fixtures.factories.UserFactory's
ROLES = (
    "anonymous",
    "member_a",
    "member_b",
    "admin_a",
    "officer_x",
    "officer_y",
    "evaluator_named",
    "evaluator_unnamed",
    "auditor_x",
    "auditor_y",
    "superuser",
)
STATES = ("before_deadline", "after_opening", "after_decision")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SIGN_IN = "sign-in"  # a redirect to the sign-in page
Observed = int | str

# Not in the matrix: Django's admin (staff only, no role of the product), the OpenAPI schema and its two
# documentation pages (public by design), and static files.
EXCLUDED_PREFIXES = ("/admin/", "/api/schema/", "/api/docs/", "/api/redoc/", "/static/")

OK, CREATED, NO_CONTENT = 200, 201, 204
FOUND = 302  # a redirect elsewhere than to the sign-in page: the portal's answer to a form it took
BAD, UNAUTHENTICATED, DENIED, HIDDEN, CONFLICT = 400, 401, 403, 404, 409


@dataclass(frozen=True)
class ByState:
    """An outcome that depends on the call's state."""

    before_deadline: object
    after_opening: object
    after_decision: object


def by_state(before, opened, decided) -> ByState:
    return ByState(before, opened, decided)


# Groups of roles; a rule applies its entries in order, so a later entry (a role) overrides an earlier (a group).
GROUPS = {
    "everyone": ROLES,
    "signed_in": ROLES[1:],
    "providers": ("member_a", "admin_a", "member_b"),
    "owner": ("member_a", "admin_a"),  # provider A: the world's bid, attachment, question, alert are A's
    "authority": ("officer_x", "evaluator_named", "evaluator_unnamed", "auditor_x"),  # of the call's authority X
    "panel": ("officer_x", "evaluator_named"),  # named on the call, declared no conflict of interest
    "evaluators": ("evaluator_named", "evaluator_unnamed"),
}


def _outcomes(value) -> frozenset:
    return frozenset(value) if isinstance(value, set | frozenset | tuple) else frozenset([value])


def rule(**cells) -> dict:
    """{role: {state: outcomes}} from group and role entries; every role must be covered."""
    expanded: dict[str, dict[str, frozenset]] = {}
    for name, value in cells.items():
        for role in GROUPS.get(name, (name,)):
            assert role in ROLES, f"unknown role or group {name!r}"
            if isinstance(value, ByState):
                expanded[role] = {state: _outcomes(getattr(value, state)) for state in STATES}
            else:
                expanded[role] = dict.fromkeys(STATES, _outcomes(value))
    missing = set(ROLES) - set(expanded)
    assert not missing, f"no expectation for {sorted(missing)}"
    return expanded


def api(**cells) -> dict:
    """An API endpoint: without a token, 401."""
    return rule(anonymous=UNAUTHENTICATED, **cells)


def page(**cells) -> dict:
    """A portal page behind the sign-in."""
    return rule(anonymous=SIGN_IN, **cells)


# --- rules used by several routes ---

# A's bid as the API reads it: A always; the panel and the auditor after the opening (the evaluator who is not on
# the panel is refused, existence known); B after the decision; nobody else, and before the opening nobody but A,
# ever (404: its existence is sealed too).
BID_READ = api(
    signed_in=HIDDEN,
    owner=OK,
    panel=by_state(HIDDEN, OK, OK),
    auditor_x=by_state(HIDDEN, OK, OK),
    evaluator_unnamed=by_state(HIDDEN, DENIED, DENIED),
    member_b=by_state(HIDDEN, HIDDEN, OK),
)
# A change to A's bid: A only (a submitted bid, then a closed box: 409); to anyone else it does not exist.
BID_WRITE = api(signed_in=HIDDEN, owner=CONFLICT)
# Reads of the call for the authority X: its readers, not the others (the call is published: 403, not 404).
AUTHORITY_READ = api(signed_in=DENIED, authority=OK)
# What only the panel reads (the auditor too, once the bids are opened): the bids' qualification, the flagged offers,
# the ranking.
PANEL_READ = api(signed_in=DENIED, panel=OK, auditor_x=by_state(DENIED, OK, OK))


# Transitions and other officer-only changes of the call: officer X (whose answer depends on the state), 403 else.
def officer_action(outcome) -> dict:
    return api(signed_in=DENIED, officer_x=outcome)


# The panel's work between the opening and the evaluation: before the opening and after it 409 for X's officers
# and evaluators; while it is open, the panel (200) and nobody else (403).
def panel_work(outcome) -> dict:
    return api(
        signed_in=DENIED,
        panel=by_state(CONFLICT, outcome, CONFLICT),
        evaluator_unnamed=by_state(CONFLICT, DENIED, CONFLICT),
    )


# What exists only after the decision: `actor` (a role or group) gets `outcome` after it, the `refused` groups 403,
# everyone else 404 (and before the decision everyone 404).
def after_the_decision(actor: str, outcome, *, refused=("authority",), kind=api) -> dict:
    return kind(
        signed_in=HIDDEN,
        **dict.fromkeys(refused, by_state(HIDDEN, HIDDEN, DENIED)),
        **{actor: by_state(HIDDEN, HIDDEN, outcome)},
    )


# A contract step (after the decision; before it the contract does not exist): officer X; the other readers of X
# are refused (403), everyone else is not told it exists (404).
def contract_action(outcome) -> dict:
    return after_the_decision("officer_x", outcome)


# An officer's change of a framework's orders (which exist only after the decision): officer X; X's other readers are
# refused (403), everyone else is not told it exists (404).
def call_off_officer(outcome) -> dict:
    return after_the_decision("officer_x", outcome)


# Who reads a framework (after the decision; before it none exists): its authority's officers and auditors whole, its
# providers (A first, B second) their own membership; the evaluators do not (404).
FRAMEWORK_WHOLE_READERS = {
    "officer_x": by_state(HIDDEN, HIDDEN, OK),
    "auditor_x": by_state(HIDDEN, HIDDEN, OK),
}
FRAMEWORK_READERS = {**FRAMEWORK_WHOLE_READERS, "providers": by_state(HIDDEN, HIDDEN, OK)}


# A recorded change of the framework: officer X; X's other readers and the framework's providers are refused (403).
def framework_change(kind, outcome) -> dict:
    return after_the_decision("officer_x", outcome, refused=("authority", "providers"), kind=kind)


# A provider's reply to the order offered to A: A; X's readers are refused (403), everyone else 404.
def call_off_reply(outcome) -> dict:
    return after_the_decision("owner", outcome)


# A portal page of the authority's side of the call: X's readers, 404 for everyone else (as in the API).
def our_page(outcome=OK, **cells) -> dict:
    return page(signed_in=HIDDEN, authority=outcome, **cells)


# A page that shows the bids: the panel and the auditor after the opening; sealed before it (403).
PANEL_PAGE = our_page(DENIED, panel=by_state(DENIED, OK, OK), auditor_x=by_state(DENIED, OK, OK))


# A form of an officer on such a page: officer X; the other readers of X are refused (403).
def our_form(outcome) -> dict:
    return page(signed_in=HIDDEN, authority=DENIED, officer_x=outcome)


# The contract step in the portal: as in the API, on the decision's page of the call (404 to those without it).
def contract_form(outcome) -> dict:
    return after_the_decision("officer_x", outcome, kind=page)


# A portal page of A's bid: A only; 404 for everyone else, before and after the decision.
def own_bid_page(outcome) -> dict:
    return page(signed_in=HIDDEN, owner=outcome)


# Documents of the call, by document: the call document is public; A's receipt and letter are A's, and the
# authority's after the opening (the letter behind the panel's gate: it shows the comparison); the opening record
# is the authority's after the opening, the bidders' after the decision. The receipt and the opening record show
# the bids: X's readers read them as they read the bids (the evaluator off the panel is refused, 403). A document
# that does not exist yet in a state answers 404 like one that is not yours. Every kind, role, state and
# declaration: tests/security/test_matrix_documents.py.
DOCUMENT_READ = {
    "call": OK,
    "receipt_a": {
        "owner": OK,
        "authority": by_state(HIDDEN, OK, OK),
        "evaluator_unnamed": by_state(HIDDEN, DENIED, DENIED),
    },
    "opening_record": {
        "authority": by_state(HIDDEN, OK, OK),
        "evaluator_unnamed": by_state(HIDDEN, DENIED, DENIED),  # the bids' content: the panel's gate (403)
        "providers": by_state(HIDDEN, HIDDEN, OK),
    },
    # the letter shows the whole comparison: the panel's gate, as the comparison (the decider, officer_x, is on it)
    "letter_a": {
        "owner": by_state(HIDDEN, HIDDEN, OK),
        "authority": by_state(HIDDEN, HIDDEN, OK),
        "evaluator_unnamed": by_state(HIDDEN, HIDDEN, DENIED),
    },
}


def document(which: str, *, portal: bool = False) -> dict:
    """The API asks everyone to sign in; the portal's document link is open, and hides what is not public."""
    readers = DOCUMENT_READ[which]
    if not isinstance(readers, dict):
        return rule(anonymous=OK if portal else UNAUTHENTICATED, signed_in=readers)
    return rule(anonymous=HIDDEN if portal else UNAUTHENTICATED, signed_in=HIDDEN, **readers)


def document_unsigned(which: str) -> dict:
    """The validation report of a document: read as the document, and for a reader 409, as the matrix's documents
    are not signed (signing is off in the tests; tests/documents/test_signing.py reads a signed one's)."""

    def conflict(outcome):
        if isinstance(outcome, ByState):
            return ByState(*(conflict(getattr(outcome, f.name)) for f in fields(ByState)))
        return CONFLICT if outcome == OK else outcome

    readers = DOCUMENT_READ[which]
    if not isinstance(readers, dict):
        return api(signed_in=conflict(readers))
    return api(signed_in=HIDDEN, **{role: conflict(outcome) for role, outcome in readers.items()})


TABLE: dict[tuple, dict] = {
    # --- API: signing in, the signed-in user, organisations -------------------------------------------------------
    ("POST", "/api/v1/auth/token/"): rule(everyone=OK),  # A's password: a token whoever asks
    ("GET", "/api/v1/me/"): api(signed_in=OK),
    ("POST", "/api/v1/auth/sign-out/"): api(signed_in=NO_CONTENT),  # the token of the request stops working
    ("GET", "/api/v1/auth/tokens/"): api(signed_in=OK),  # each their own
    ("DELETE", "/api/v1/auth/tokens/"): api(signed_in=NO_CONTENT),  # all of their own
    ("DELETE", "/api/v1/auth/tokens/{token_id}/"): api(signed_in=HIDDEN, member_a=NO_CONTENT),  # A's token
    ("POST", "/api/v1/providers/register/"): rule(everyone=CREATED),  # anyone registers a new organisation
    # A's invitation to kutsuttu@a.example: a newcomer must choose a username (400); nobody else may take it (403),
    # an official never joins a provider (403).
    ("POST", "/api/v1/invitations/accept/"): rule(anonymous=BAD, signed_in=DENIED),
    ("GET", "/api/v1/"): api(signed_in=OK),
    # The OCDS feed: public, read-only, the published call only (its bytes are checked like every answer's).
    ("GET", "/api/v1/ocds/releases/"): rule(everyone=OK),
    ("GET", "/api/v1/ocds/releases/{ocid}/"): rule(everyone=OK),
    ("GET", "/api/v1/ocds/records/"): rule(everyone=OK),
    ("GET", "/api/v1/ocds/records/{ocid}/"): rule(everyone=OK),
    # The public record of a procedure (evaluation/public_procedure.py): anyone, without signing in; the world's
    # contracts are not signed, so no price or point is in it (tests/security/test_public_procedure.py: the rest).
    ("GET", "/api/v1/public/tenders/"): rule(everyone=OK),
    ("GET", "/api/v1/public/tenders/{pk}/"): rule(everyone=OK),
    ("GET", "/api/v1/authorities/"): api(signed_in=OK),
    ("GET", "/api/v1/authorities/{pk}/"): api(signed_in=OK),
    # X's people and their roles (to name a panel): X's officers and auditor, nobody else
    ("GET", "/api/v1/authorities/{pk}/people/"): api(signed_in=DENIED, officer_x=OK, auditor_x=OK),
    ("GET", "/api/v1/providers/"): api(signed_in=OK),  # filtered: own organisations, or all for officials
    ("GET", "/api/v1/providers/{pk}/"): api(signed_in=OK, member_b=HIDDEN, superuser=HIDDEN),
    ("GET", "/api/v1/providers/{pk}/invitations/"): api(signed_in=HIDDEN, admin_a=OK),
    ("POST", "/api/v1/providers/{pk}/invitations/"): api(signed_in=HIDDEN, member_a=DENIED, admin_a=CREATED),
    ("GET", "/api/v1/providers/{pk}/members/"): api(signed_in=HIDDEN, owner=OK),
    # --- API: calls ------------------------------------------------------------------------------------------------
    ("GET", "/api/v1/tenders/"): api(signed_in=OK),
    ("POST", "/api/v1/tenders/"): api(signed_in=DENIED, officer_x=CREATED),  # a new draft of authority X
    ("GET", "/api/v1/tenders/{pk}/"): api(signed_in=OK),  # published
    ("PATCH", "/api/v1/tenders/{pk}/"): officer_action(CONFLICT),  # only a draft changes
    ("POST", "/api/v1/tenders/{pk}/submit_for_approval/"): officer_action(CONFLICT),
    # Officer X drafted the call: four eyes refuse its approval by X, whatever the state.
    ("POST", "/api/v1/tenders/{pk}/approve/"): officer_action(DENIED),
    ("POST", "/api/v1/tenders/{pk}/return_to_draft/"): officer_action(CONFLICT),
    ("POST", "/api/v1/tenders/{pk}/publish/"): officer_action(CONFLICT),
    ("POST", "/api/v1/tenders/{pk}/close/"): officer_action(CONFLICT),  # the deadline has not passed, or closed
    ("POST", "/api/v1/tenders/{pk}/complete/"): officer_action(CONFLICT),
    ("POST", "/api/v1/tenders/{pk}/cancel/"): officer_action(OK),
    ("POST", "/api/v1/tenders/{pk}/declare_unsuccessful/"): officer_action(by_state(CONFLICT, OK, CONFLICT)),
    # after the decision the lot's award is withdrawn while its contract is not signed (tenders.interruption)
    ("POST", "/api/v1/tenders/{pk}/lots/{lot_number}/cancel/"): officer_action(OK),
    # after the deadline, opened; an awarded lot is cancelled instead (lot_decided)
    ("POST", "/api/v1/tenders/{pk}/lots/{lot_number}/declare-unsuccessful/"): officer_action(
        by_state(CONFLICT, OK, CONFLICT)
    ),
    ("POST", "/api/v1/tenders/{pk}/amend/"): officer_action(by_state(OK, CONFLICT, CONFLICT)),
    ("GET", "/api/v1/tenders/{pk}/versions/"): api(signed_in=OK),
    # the call's own files: public with the published call; changed only by a corrigendum once it is published (409)
    ("GET", "/api/v1/tenders/{pk}/call-files/"): api(signed_in=OK),
    ("POST", "/api/v1/tenders/{pk}/call-files/"): officer_action(CONFLICT),
    ("GET", "/api/v1/tenders/{pk}/call-files/{call_file_id}/"): api(signed_in=OK),
    ("POST", "/api/v1/tenders/{pk}/call-files/{call_file_id}/replace/"): officer_action(CONFLICT),
    ("POST", "/api/v1/tenders/{pk}/call-files/{call_file_id}/remove/"): officer_action(CONFLICT),
    ("POST", "/api/v1/tenders/{pk}/follow/"): api(signed_in=DENIED, providers=OK),
    ("GET", "/api/v1/tenders/{pk}/interested/"): AUTHORITY_READ,
    ("GET", "/api/v1/tenders/{pk}/questions/"): api(signed_in=OK),  # the asker shown to X only (its serializer)
    ("POST", "/api/v1/tenders/{pk}/questions/"): api(signed_in=DENIED, providers=by_state(CREATED, CONFLICT, CONFLICT)),
    ("POST", "/api/v1/tenders/{pk}/questions/{question_id}/answer/"): officer_action(OK),
    # The public wording of A's question, before its answer is published: officer X (an empty body: 400).
    ("POST", "/api/v1/tenders/{pk}/questions/{question_id}/wording/"): officer_action(BAD),
    ("POST", "/api/v1/tenders/{pk}/answers/publish/"): officer_action(CONFLICT),  # no answer yet, or not open
    # The delivery log, for X's readers; without the bids' own notifications before the opening.
    ("GET", "/api/v1/tenders/{pk}/notifications/"): api(signed_in=HIDDEN, authority=OK),
    # The call's notices in Hilma: X's readers; sent by officer X (no Hilma configured: kept valid, 200).
    ("GET", "/api/v1/tenders/{pk}/notices/"): api(signed_in=HIDDEN, authority=OK),
    ("GET", "/api/v1/tenders/{pk}/notices/{notice_id}/"): api(signed_in=HIDDEN, authority=OK),
    ("GET", "/api/v1/tenders/{pk}/notices/{notice_id}/xml/"): api(signed_in=HIDDEN, authority=OK),
    ("POST", "/api/v1/tenders/{pk}/notices/{notice_id}/send/"): api(signed_in=HIDDEN, authority=DENIED, officer_x=OK),
    # Making the call's notice anew and checking it, and the award notice once decided: officer X's.
    # (The world's call is built without the publishing service: no published version to make a notice of, 409;
    # tests/tenders/test_api_notices.py has the officer's 200 for both.)
    ("POST", "/api/v1/tenders/{pk}/notices/prepare/"): api(signed_in=HIDDEN, authority=DENIED, officer_x=CONFLICT),
    ("POST", "/api/v1/tenders/{pk}/notices/award/"): api(signed_in=HIDDEN, authority=DENIED, officer_x=CONFLICT),
    ("GET", "/api/v1/alerts/"): api(signed_in=OK),  # filtered: the own organisation's
    # Another organisation's alert is refused by validation: "choose one of your own organisations".
    ("POST", "/api/v1/alerts/"): api(signed_in=BAD, owner=CREATED),
    ("DELETE", "/api/v1/alerts/{pk}/"): api(signed_in=HIDDEN, owner=NO_CONTENT),
    # --- API: the tender box ---------------------------------------------------------------------------------------
    ("GET", "/api/v1/bids/"): api(signed_in=OK),  # filtered: the own organisation's
    ("POST", "/api/v1/bids/"): api(signed_in=DENIED, providers=CONFLICT),  # each has its bid already
    ("GET", "/api/v1/bids/{pk}/"): BID_READ,
    ("PATCH", "/api/v1/bids/{pk}/"): BID_WRITE,
    ("POST", "/api/v1/bids/{pk}/submit/"): BID_WRITE,
    ("POST", "/api/v1/bids/{pk}/reopen/"): api(signed_in=HIDDEN, owner=by_state(OK, CONFLICT, CONFLICT)),
    ("POST", "/api/v1/bids/{pk}/withdraw/"): api(signed_in=HIDDEN, owner=by_state(OK, CONFLICT, CONFLICT)),
    ("GET", "/api/v1/bids/{pk}/versions/"): BID_READ,
    ("GET", "/api/v1/bids/{pk}/versions/{number}/manifest/"): api(signed_in=HIDDEN, owner=OK),
    ("GET", "/api/v1/bids/{pk}/requests/"): {**BID_READ, "member_b": dict.fromkeys(STATES, frozenset([HIDDEN]))},
    # The request to A (made after the opening): A answers it; before the opening there is none.
    ("POST", "/api/v1/bids/{pk}/requests/{request_id}/answer/"): api(signed_in=HIDDEN, owner=by_state(HIDDEN, OK, OK)),
    # The authority's decision on A's business secrets: officer X decides (the review read by the panel's officer
    # and the auditor, refused to the evaluators); A reads it, and is refused the decisions; after the decision A was
    # already told (409). Before the opening the bid is sealed (404).
    ("GET", "/api/v1/bids/{pk}/secrecy/"): api(
        signed_in=HIDDEN,
        owner=by_state(HIDDEN, OK, OK),
        evaluators=by_state(HIDDEN, DENIED, DENIED),
        officer_x=by_state(HIDDEN, OK, OK),
        auditor_x=by_state(HIDDEN, OK, OK),
    ),
    ("POST", "/api/v1/bids/{pk}/secrecy/"): api(
        signed_in=HIDDEN,
        owner=DENIED,
        evaluators=by_state(HIDDEN, DENIED, DENIED),
        auditor_x=by_state(HIDDEN, DENIED, DENIED),
        officer_x=by_state(HIDDEN, OK, CONFLICT),
    ),
    ("POST", "/api/v1/bids/{pk}/secrecy/notify/"): api(
        signed_in=HIDDEN,
        owner=DENIED,
        evaluators=by_state(HIDDEN, DENIED, DENIED),
        auditor_x=by_state(HIDDEN, DENIED, DENIED),
        officer_x=by_state(HIDDEN, CONFLICT, CONFLICT),
    ),
    ("GET", "/api/v1/bids/{bid_id}/attachments/"): BID_READ,
    ("POST", "/api/v1/bids/{bid_id}/attachments/"): BID_WRITE,
    ("DELETE", "/api/v1/bids/{bid_id}/attachments/{attachment_id}/"): BID_WRITE,
    ("PUT", "/api/v1/bids/{bid_id}/attachments/{attachment_id}/chunks/{number}/"): BID_WRITE,
    ("POST", "/api/v1/bids/{bid_id}/attachments/{attachment_id}/complete/"): BID_WRITE,
    ("GET", "/api/v1/bids/{bid_id}/attachments/{attachment_id}/download/"): BID_READ,
    # --- API: opening, evaluation, award ---------------------------------------------------------------------------
    # The count only, to X's readers after the deadline; refused as sealed before it.
    ("GET", "/api/v1/tenders/{pk}/bid_count/"): api(signed_in=DENIED, authority=by_state(DENIED, OK, OK)),
    ("POST", "/api/v1/tenders/{pk}/open/"): officer_action(CONFLICT),  # not closed, or opened already
    ("GET", "/api/v1/tenders/{pk}/bids/"): api(
        signed_in=DENIED, panel=by_state(DENIED, OK, OK), auditor_x=by_state(DENIED, OK, OK)
    ),
    ("GET", "/api/v1/tenders/{pk}/panel/"): AUTHORITY_READ,
    ("POST", "/api/v1/tenders/{pk}/panel/"): officer_action(CREATED),  # names the other evaluator
    ("POST", "/api/v1/tenders/{pk}/declaration/"): api(signed_in=DENIED, panel=CONFLICT),  # declared already
    # Empty before the opening (nothing is qualified, flagged or ranked yet).
    ("GET", "/api/v1/tenders/{pk}/qualification/"): PANEL_READ,
    ("POST", "/api/v1/tenders/{pk}/qualification/"): panel_work(OK),
    ("POST", "/api/v1/tenders/{pk}/requests/"): panel_work(CREATED),
    ("GET", "/api/v1/tenders/{pk}/abnormally_low/"): PANEL_READ,
    ("POST", "/api/v1/tenders/{pk}/offers/{offer_id}/reject/"): panel_work(NO_CONTENT),
    ("POST", "/api/v1/tenders/{pk}/offers/{offer_id}/reject-nonconforming/"): panel_work(NO_CONTENT),
    ("POST", "/api/v1/tenders/{pk}/scores/"): panel_work(OK),
    ("POST", "/api/v1/tenders/{pk}/scores/individual/"): panel_work(OK),
    # Only an officer evaluates: after the opening the consensus scores are missing (400).
    ("POST", "/api/v1/tenders/{pk}/evaluate/"): officer_action(by_state(CONFLICT, BAD, CONFLICT)),
    ("GET", "/api/v1/tenders/{pk}/results/"): PANEL_READ,
    ("GET", "/api/v1/tenders/{pk}/results/xlsx/"): PANEL_READ,
    ("POST", "/api/v1/tenders/{pk}/propose/"): officer_action(CONFLICT),
    ("POST", "/api/v1/tenders/{pk}/decide/"): officer_action(CONFLICT),
    # Corrections of the decision (issue 23): read by X's people; started by officer X once decided (the world's
    # lot 1 is reopened: 201); a claim (made after the decision) accepted by officer X; a rejection withdrawn only
    # within an open correction (409; no offers before the opening: 404); every signed-in user reads the editions
    # (a bidder those sent to it, the others of a call not theirs none).
    ("GET", "/api/v1/tenders/{pk}/corrections/"): AUTHORITY_READ,
    ("POST", "/api/v1/tenders/{pk}/corrections/"): officer_action(by_state(CONFLICT, CONFLICT, CREATED)),
    ("POST", "/api/v1/claims/{pk}/correct/"): api(
        signed_in=by_state(HIDDEN, HIDDEN, DENIED), officer_x=by_state(HIDDEN, HIDDEN, CREATED)
    ),
    ("POST", "/api/v1/tenders/{pk}/offers/{offer_id}/reinstate/"): officer_action(by_state(HIDDEN, CONFLICT, CONFLICT)),
    ("GET", "/api/v1/tenders/{pk}/decision/editions/"): api(signed_in=OK),
    # Drawing lots on a tie: only after the evaluation (409 before it and after the decision), by X's officers; the
    # record is read like the ranking.
    ("GET", "/api/v1/tenders/{pk}/lots/{lot_number}/draw/"): PANEL_READ,
    ("POST", "/api/v1/tenders/{pk}/lots/{lot_number}/draw/"): officer_action(CONFLICT),
    ("POST", "/api/v1/tenders/{pk}/lots/{lot_number}/draw/confirm/"): officer_action(CONFLICT),
    ("GET", "/api/v1/tenders/{pk}/contracts/"): api(signed_in=HIDDEN, authority=OK),  # empty before the decision
    ("POST", "/api/v1/contracts/{pk}/appeals/"): contract_action(CREATED),
    ("POST", "/api/v1/contracts/{pk}/appeals/{appeal_id}/resolve/"): contract_action(OK),
    ("POST", "/api/v1/contracts/{pk}/liability-documents/"): contract_action(CREATED),
    ("POST", "/api/v1/contracts/{pk}/clear/"): contract_action(CONFLICT),  # the decision is not yet sent
    ("POST", "/api/v1/contracts/{pk}/sign/"): contract_action(CONFLICT),  # the decision is not yet sent
    # --- API: claims for rectification and Market Court appeals (after the decision: officer X registered A's claim
    # on the second lot and rejected it, and an appeal is registered on that lot; before it nothing exists)
    # The authority's readers read every claim, a bidder its own (none before the decision: an empty list).
    ("GET", "/api/v1/tenders/{pk}/claims/"): api(signed_in=HIDDEN, authority=OK, providers=OK),
    # An officer registers one (409 before the decision); a bidder files one once the decision is sent to it (409
    # after it: the world's decision is not sent; 404 before it); the other readers of the authority may not.
    ("POST", "/api/v1/tenders/{pk}/claims/"): api(
        signed_in=HIDDEN,
        authority=DENIED,
        officer_x=by_state(CONFLICT, CONFLICT, CREATED),
        providers=by_state(HIDDEN, HIDDEN, CONFLICT),
    ),
    ("GET", "/api/v1/claims/{pk}/"): api(
        signed_in=HIDDEN, authority=by_state(HIDDEN, HIDDEN, OK), owner=by_state(HIDDEN, HIDDEN, OK)
    ),
    # The world's claim is decided already: deciding or withdrawing it again is a conflict.
    ("POST", "/api/v1/claims/{pk}/decide/"): api(
        signed_in=HIDDEN,
        authority=by_state(HIDDEN, HIDDEN, DENIED),
        owner=by_state(HIDDEN, HIDDEN, DENIED),
        officer_x=by_state(HIDDEN, HIDDEN, CONFLICT),
    ),
    ("POST", "/api/v1/claims/{pk}/withdraw/"): api(
        signed_in=HIDDEN,
        authority=by_state(HIDDEN, HIDDEN, DENIED),
        owner=by_state(HIDDEN, HIDDEN, CONFLICT),
        officer_x=by_state(HIDDEN, HIDDEN, CONFLICT),
    ),
    ("GET", "/api/v1/tenders/{pk}/appeals/"): api(signed_in=HIDDEN, authority=OK),
    ("POST", "/api/v1/tenders/{pk}/appeals/"): api(
        signed_in=HIDDEN, authority=DENIED, officer_x=by_state(CONFLICT, CONFLICT, CREATED)
    ),
    ("POST", "/api/v1/appeals/{pk}/resolve/"): api(
        signed_in=HIDDEN, authority=by_state(HIDDEN, HIDDEN, DENIED), officer_x=by_state(HIDDEN, HIDDEN, OK)
    ),
    # --- API: call-offs of a framework (after the decision, a framework on lot 1 with A first and an order offered
    # to A; before it nothing exists: 404)
    # read like the framework's summary: its authority's officers and auditors (the evaluators get 404)
    ("GET", "/api/v1/frameworks/{pk}/orders/"): api(signed_in=HIDDEN, **FRAMEWORK_WHOLE_READERS),
    ("POST", "/api/v1/frameworks/{pk}/orders/"): call_off_officer(CREATED),
    ("GET", "/api/v1/orders/"): api(signed_in=OK),  # each its own (or its authority's): empty for the others
    ("GET", "/api/v1/orders/{pk}/"): api(
        signed_in=HIDDEN, **FRAMEWORK_WHOLE_READERS, owner=by_state(HIDDEN, HIDDEN, OK)
    ),
    ("POST", "/api/v1/orders/{pk}/accept/"): call_off_reply(OK),
    ("POST", "/api/v1/orders/{pk}/decline/"): call_off_reply(OK),
    ("POST", "/api/v1/orders/{pk}/skip/"): call_off_officer(OK),
    ("POST", "/api/v1/orders/{pk}/cancel/"): call_off_officer(OK),
    # --- API: documents, notifications, audit ------------------------------------------------------------------------
    ("GET", "/api/v1/documents/"): api(signed_in=OK),  # filtered: the documents each may see
    **{("GET", "/api/v1/documents/{pk}/", which): document(which) for which in DOCUMENT_READ},
    **{("GET", "/api/v1/documents/{pk}/download/", which): document(which) for which in DOCUMENT_READ},
    **{("GET", "/api/v1/documents/{pk}/validation/", which): document_unsigned(which) for which in DOCUMENT_READ},
    # Only a failed document is queued again (these are ready: 409), by officer X; A sees its receipt but may not.
    ("POST", "/api/v1/documents/{pk}/retry/", "call"): officer_action(CONFLICT),
    ("POST", "/api/v1/documents/{pk}/retry/", "receipt_a"): api(
        signed_in=HIDDEN,
        owner=DENIED,
        officer_x=by_state(HIDDEN, CONFLICT, CONFLICT),
        evaluators=by_state(HIDDEN, DENIED, DENIED),
        auditor_x=by_state(HIDDEN, DENIED, DENIED),
    ),
    ("GET", "/api/v1/tenders/{pk}/evidence/"): api(signed_in=DENIED, auditor_x=OK),
    # The archive package: the authority's officers and auditors, once the procedure is over (never in the world).
    ("POST", "/api/v1/tenders/{pk}/archive-package/"): api(signed_in=DENIED, officer_x=CONFLICT, auditor_x=CONFLICT),
    ("GET", "/api/v1/notifications/"): api(signed_in=OK),  # filtered: the own inbox
    ("POST", "/api/v1/notifications/{pk}/read/"): api(signed_in=HIDDEN, owner=OK),  # A's receipt notification
    # A's receipt is sealed before the opening (404); then officer X may send it again (it waits: 409).
    ("POST", "/api/v1/notifications/{pk}/resend/"): api(
        signed_in=HIDDEN,
        officer_x=by_state(HIDDEN, CONFLICT, CONFLICT),
        evaluators=by_state(HIDDEN, DENIED, DENIED),
        auditor_x=by_state(HIDDEN, DENIED, DENIED),
    ),
    ("GET", "/api/v1/audit/events/"): api(signed_in=DENIED, auditor_x=OK, auditor_y=OK),  # Y's auditor: Y's events
    ("GET", "/api/v1/audit/events/verify/"): api(signed_in=DENIED, auditor_x=OK, auditor_y=OK),
    ("GET", "/api/v1/audit/security-events/"): api(signed_in=DENIED),  # the auditors of every authority only
    # --- portal: everyone ---------------------------------------------------------------------------------------------
    ("GET", "/"): rule(everyone=FOUND, superuser=OK),  # each role to its own front page; no role: a plain page
    ("GET", "/sign-in/"): rule(anonymous=OK, signed_in=FOUND),
    ("POST", "/sign-in/"): rule(everyone=FOUND),  # signs A's member in; the signed-in are sent on
    ("PUT", "/sign-in/"): rule(anonymous=OK, signed_in=FOUND),  # as POST, without a form: shown again
    ("POST", "/sign-out/"): rule(everyone=SIGN_IN),
    ("GET", "/password/"): page(signed_in=OK),
    ("POST", "/password/"): page(signed_in=FOUND),  # each changes their own password
    ("PUT", "/password/"): page(signed_in=BAD),  # as POST, without a form: refused with the form's errors
    ("GET", "/password/reset/"): rule(everyone=OK),
    ("POST", "/password/reset/"): rule(everyone=SIGN_IN),  # the link is sent to A; never says whether it was
    ("PUT", "/password/reset/"): rule(everyone=BAD),
    # A's valid link, in the e-mail: whoever holds it goes on to the form (at a URL without the token)
    ("GET", "/password/reset/{uidb64}/{token}/"): rule(everyone=FOUND),
    ("POST", "/password/reset/{uidb64}/{token}/"): rule(everyone=FOUND),
    ("PUT", "/password/reset/{uidb64}/{token}/"): rule(everyone=FOUND),
    ("POST", "/language/"): rule(everyone=FOUND),
    ("POST", "/i18n/setlang/"): rule(everyone=FOUND),
    ("GET", "/inbox/"): page(signed_in=OK),
    ("POST", "/inbox/{pk}/read/"): page(signed_in=HIDDEN, owner=FOUND),
    ("POST", "/inbox/preferences/"): page(signed_in=FOUND),  # each sets their own
    ("GET", "/register/"): rule(everyone=OK),
    ("POST", "/register/"): rule(everyone=FOUND),  # a new organisation, whose administrator is signed in
    ("GET", "/organisation/"): page(signed_in=HIDDEN, providers=OK),
    ("POST", "/organisation/"): page(signed_in=HIDDEN, providers=DENIED, admin_a=FOUND),  # only an admin invites
    ("GET", "/invitation/"): rule(everyone=OK),
    ("POST", "/invitation/"): rule(anonymous=BAD, signed_in=DENIED),  # as in the API
    # --- portal: calls, for everyone and for providers ----------------------------------------------------------------
    ("GET", "/calls/"): rule(everyone=OK),
    ("GET", "/public/calls/"): rule(everyone=OK),  # the public records (evaluation/portal/public_procedure.py)
    ("GET", "/public/calls/{pk}/"): rule(everyone=OK),
    ("GET", "/calls/alerts/"): page(signed_in=HIDDEN, providers=OK),
    ("POST", "/calls/alerts/"): page(signed_in=HIDDEN, providers=FOUND),
    # --- mini-competitions under the world's framework (after the decision; combined call-offs): X's readers and
    # the framework's providers read them, X's officer drafts one; the framework is hidden from everyone else.
    ("GET", "/api/v1/frameworks/{pk}/mini-competitions/"): api(
        signed_in=HIDDEN, authority=by_state(HIDDEN, HIDDEN, OK), providers=by_state(HIDDEN, HIDDEN, OK)
    ),
    ("POST", "/api/v1/frameworks/{pk}/mini-competitions/"): framework_change(api, CREATED),
    ("GET", "/frameworks/{pk}/mini-competitions/new/"): framework_change(page, OK),
    ("POST", "/frameworks/{pk}/mini-competitions/new/"): framework_change(page, FOUND),
    ("POST", "/calls/alerts/{alert_id}/delete/"): page(signed_in=HIDDEN, owner=FOUND),
    ("GET", "/calls/{pk}/"): rule(everyone=OK),
    ("POST", "/calls/{pk}/"): page(signed_in=DENIED, providers=by_state(FOUND, CONFLICT, CONFLICT)),  # a question
    ("POST", "/calls/{pk}/follow/"): page(signed_in=DENIED, providers=FOUND),
    # The bidders' comparison, once the decision was sent to them: this world never sends it, so it is found by nobody
    # (tests/evaluation/test_outcomes.py reads it after the sending).
    ("GET", "/calls/{pk}/comparison/"): page(signed_in=HIDDEN),
    # A bidder's "ask for a correction" page, once the call is decided (this world never sends the decision: filing is
    # refused, 409); withdrawing A's claim that is decided already is refused with a message on the page it returns to.
    ("GET", "/calls/{pk}/claims/"): page(signed_in=HIDDEN, providers=by_state(HIDDEN, HIDDEN, OK)),
    ("POST", "/calls/{pk}/claims/"): page(signed_in=HIDDEN, providers=by_state(HIDDEN, HIDDEN, CONFLICT)),
    ("POST", "/calls/{pk}/claims/{claim_id}/withdraw/"): page(signed_in=HIDDEN, owner=by_state(HIDDEN, HIDDEN, FOUND)),
    **{("GET", "/calls/{pk}/documents/{document_id}/", which): document(which, portal=True) for which in DOCUMENT_READ},
    ("GET", "/calls/{pk}/files/{call_file_id}/"): rule(everyone=OK),  # a file of the published call
    # --- portal: the authority's calls -----------------------------------------------------------------------------
    ("GET", "/calls/ours/"): page(signed_in=OK),  # the calls of the user's authorities (none for the others)
    ("GET", "/calls/ours/new/"): page(signed_in=DENIED, officer_x=OK, officer_y=OK),  # each drafts for its own
    ("POST", "/calls/ours/new/"): page(signed_in=DENIED, officer_x=OK, officer_y=OK),  # an empty form is shown
    ("GET", "/calls/ours/{pk}/"): our_page(),
    ("GET", "/calls/ours/{pk}/draft/"): our_page(FOUND),  # not a draft: to the overview
    ("GET", "/calls/ours/{pk}/draft/{step}/"): our_page(FOUND),
    ("POST", "/calls/ours/{pk}/draft/{step}/"): our_page(FOUND),  # not a draft: to the overview, nothing saved
    ("POST", "/calls/ours/{pk}/do/{action}/"): our_form(FOUND),  # interrupts the call
    ("POST", "/calls/ours/{pk}/lots/{lot_number}/{action}/"): our_form(FOUND),  # cancels the lot, by a decision
    ("GET", "/calls/ours/{pk}/questions/"): our_page(),
    ("POST", "/calls/ours/{pk}/questions/{question_id}/answer/"): our_form(FOUND),
    ("POST", "/calls/ours/{pk}/answers/publish/"): our_form(CONFLICT),
    ("POST", "/calls/ours/{pk}/questions/{question_id}/wording/"): our_form(BAD),  # an empty form: 400
    # The delivery log and the register of interested providers: X's readers (the bids' notifications only after the
    # opening); a re-send is officer X's, of a notification that may be sent again.
    ("GET", "/calls/ours/{pk}/deliveries/"): our_page(),
    ("POST", "/calls/ours/{pk}/deliveries/{notification_id}/resend/"): page(
        signed_in=HIDDEN,
        authority=by_state(HIDDEN, DENIED, DENIED),
        officer_x=by_state(HIDDEN, CONFLICT, CONFLICT),
    ),
    ("GET", "/calls/ours/{pk}/interested/"): our_page(),
    ("GET", "/calls/ours/{pk}/notices/"): our_page(),
    ("GET", "/calls/ours/{pk}/notices/{notice_id}/xml/"): our_page(),
    ("POST", "/calls/ours/{pk}/notices/{notice_id}/send/"): our_form(FOUND),  # kept valid: Hilma is not configured
    ("POST", "/calls/ours/{pk}/notices/prepare/"): our_form(FOUND),
    ("POST", "/evaluation/{pk}/award-notice/"): our_form(FOUND),
    ("GET", "/calls/ours/{pk}/amend/"): our_page(),
    ("POST", "/calls/ours/{pk}/amend/"): our_form(by_state(FOUND, CONFLICT, CONFLICT)),
    # --- portal: the tender box ---------------------------------------------------------------------------------------
    ("GET", "/bids/"): page(signed_in=HIDDEN, providers=OK),
    ("GET", "/bids/new/{tender_pk}/"): page(signed_in=HIDDEN, providers=FOUND),  # to the bid each has already
    ("POST", "/bids/new/{tender_pk}/"): page(signed_in=HIDDEN, providers=FOUND),
    ("GET", "/bids/{pk}/"): own_bid_page(OK),  # never another bidder's, even after the decision
    ("POST", "/bids/{pk}/"): own_bid_page(CONFLICT),
    ("POST", "/bids/{pk}/autosave/"): own_bid_page(CONFLICT),  # A's bid is submitted: autosave changes nothing
    ("GET", "/bids/{pk}/summary/"): own_bid_page(OK),
    ("POST", "/bids/{pk}/submit/"): own_bid_page(CONFLICT),
    ("POST", "/bids/{pk}/withdraw/"): own_bid_page(FOUND),  # back to the bid, with the outcome as a message
    ("POST", "/bids/{pk}/reopen/"): own_bid_page(FOUND),
    ("GET", "/bids/{pk}/receipts/{number}/"): own_bid_page(OK),
    ("GET", "/bids/{pk}/secrecy/"): own_bid_page(by_state(HIDDEN, OK, OK)),  # sealed before the opening
    ("POST", "/bids/{pk}/attachments/"): own_bid_page(FOUND),
    ("POST", "/bids/{pk}/attachments/{attachment_id}/delete/"): own_bid_page(FOUND),
    ("GET", "/bids/{pk}/requests/{request_id}/"): own_bid_page(by_state(HIDDEN, OK, OK)),
    ("POST", "/bids/{pk}/requests/{request_id}/"): own_bid_page(by_state(HIDDEN, FOUND, FOUND)),
    # --- portal: call-offs (the officers' under /frameworks/, the providers' under /orders/)
    ("GET", "/frameworks/{pk}/orders/new/"): page(
        signed_in=HIDDEN, authority=by_state(HIDDEN, HIDDEN, DENIED), officer_x=by_state(HIDDEN, HIDDEN, OK)
    ),
    ("POST", "/frameworks/{pk}/orders/new/"): page(
        signed_in=HIDDEN, authority=by_state(HIDDEN, HIDDEN, DENIED), officer_x=by_state(HIDDEN, HIDDEN, FOUND)
    ),
    ("GET", "/frameworks/orders/{pk}/"): page(signed_in=HIDDEN, **FRAMEWORK_WHOLE_READERS),
    ("POST", "/frameworks/orders/{pk}/"): page(
        signed_in=HIDDEN, authority=by_state(HIDDEN, HIDDEN, DENIED), officer_x=by_state(HIDDEN, HIDDEN, FOUND)
    ),
    ("GET", "/orders/"): page(signed_in=HIDDEN, providers=OK),
    ("GET", "/orders/{pk}/"): page(signed_in=HIDDEN, owner=by_state(HIDDEN, HIDDEN, OK)),
    ("POST", "/orders/{pk}/"): page(
        signed_in=HIDDEN, authority=by_state(HIDDEN, HIDDEN, DENIED), owner=by_state(HIDDEN, HIDDEN, FOUND)
    ),
    # --- portal: opening, evaluation, award, contracts -------------------------------------------------------------
    ("GET", "/evaluation/{pk}/opening/"): our_page(),
    ("POST", "/evaluation/{pk}/opening/"): our_form(CONFLICT),
    ("GET", "/evaluation/{pk}/panel/"): our_page(),
    ("POST", "/evaluation/{pk}/panel/"): our_form(FOUND),
    ("POST", "/evaluation/{pk}/panel/declaration/"): our_page(DENIED, panel=CONFLICT),  # declared already
    # The panel's pages show the bids: to the panel and the auditor after the opening; sealed before it (403).
    ("GET", "/evaluation/{pk}/qualification/"): PANEL_PAGE,
    ("POST", "/evaluation/{pk}/qualification/"): our_page(DENIED, panel=by_state(DENIED, FOUND, CONFLICT)),
    ("GET", "/evaluation/{pk}/scores/"): PANEL_PAGE,
    ("GET", "/evaluation/{pk}/prices/"): PANEL_PAGE,
    # §96 requests and rejections: the panel's work, as in the API (panel_work), on a page of the call.
    ("POST", "/evaluation/{pk}/prices/"): our_page(
        DENIED, panel=by_state(CONFLICT, FOUND, CONFLICT), evaluator_unnamed=by_state(CONFLICT, DENIED, CONFLICT)
    ),
    # After the decision the scoring is over (409, as in the API), refused before the form is read.
    ("POST", "/evaluation/{pk}/scores/"): our_page(DENIED, panel=by_state(DENIED, FOUND, CONFLICT)),
    # The panel's bid viewer and the bids' attachments, as the bids are read: the panel and the auditor after the
    # opening; the ZIP of every bid for officer X only (on the panel).
    ("GET", "/evaluation/{pk}/bids/"): PANEL_PAGE,
    ("GET", "/evaluation/{pk}/bids/lots/{lot_number}/"): PANEL_PAGE,
    ("GET", "/evaluation/{pk}/bids/{bid_id}/attachments/{attachment_id}/"): our_page(
        by_state(HIDDEN, DENIED, DENIED), panel=by_state(HIDDEN, OK, OK), auditor_x=by_state(HIDDEN, OK, OK)
    ),
    ("GET", "/evaluation/{pk}/bids/all.zip"): our_page(DENIED, officer_x=by_state(DENIED, OK, OK)),
    # The review of A's business secrets, as in the API: read by officer X and the auditor after the opening, decided
    # and told by officer X (after the decision A was told already: the form answers 409).
    ("GET", "/evaluation/{pk}/bids/{bid_id}/secrecy/"): our_page(
        by_state(HIDDEN, DENIED, DENIED), officer_x=by_state(HIDDEN, OK, OK), auditor_x=by_state(HIDDEN, OK, OK)
    ),
    ("POST", "/evaluation/{pk}/bids/{bid_id}/secrecy/"): our_page(
        by_state(HIDDEN, DENIED, DENIED), officer_x=by_state(HIDDEN, FOUND, CONFLICT)
    ),
    ("POST", "/evaluation/{pk}/bids/{bid_id}/secrecy/notify/"): our_page(
        by_state(HIDDEN, DENIED, DENIED), officer_x=by_state(HIDDEN, FOUND, FOUND)
    ),
    ("GET", "/evaluation/{pk}/requests/"): PANEL_PAGE,
    ("POST", "/evaluation/{pk}/requests/"): our_page(
        DENIED, panel=by_state(CONFLICT, BAD, CONFLICT), evaluator_unnamed=by_state(CONFLICT, DENIED, CONFLICT)
    ),
    ("GET", "/evaluation/{pk}/scores/individual/"): PANEL_PAGE,
    ("POST", "/evaluation/{pk}/scores/individual/"): our_page(DENIED, panel=by_state(DENIED, BAD, CONFLICT)),
    ("POST", "/evaluation/{pk}/evaluate/"): our_form(by_state(CONFLICT, BAD, CONFLICT)),
    ("GET", "/evaluation/{pk}/results/"): our_page(DENIED, panel=OK, auditor_x=by_state(DENIED, OK, OK)),
    ("POST", "/evaluation/{pk}/propose/"): our_form(CONFLICT),
    ("POST", "/evaluation/{pk}/lots/{lot_number}/draw/"): our_form(CONFLICT),  # not evaluated, or decided
    ("POST", "/evaluation/{pk}/lots/{lot_number}/draw/confirm/"): our_form(CONFLICT),
    ("GET", "/evaluation/{pk}/decision/"): our_page(),
    ("POST", "/evaluation/{pk}/decide/"): our_form(CONFLICT),
    # Starting a correction of the decision (issue 23): officer X, once decided (before it, the page again: 409).
    ("POST", "/evaluation/{pk}/corrections/"): our_form(by_state(CONFLICT, CONFLICT, FOUND)),
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/appeals/"): contract_form(FOUND),
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/appeals/{appeal_id}/resolve/"): contract_form(FOUND),
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/liability-documents/"): contract_form(FOUND),
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/clear/"): contract_form(CONFLICT),  # not yet sent
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/sign/"): contract_form(CONFLICT),  # not yet sent
    # The call's claims and appeals: read by the authority; its officers register a claim or an appeal (before the
    # decision no lot can be named: 400), decide a claim (the world's is decided: 409), record a ruling.
    ("GET", "/evaluation/{pk}/claims/"): our_page(OK),
    ("POST", "/evaluation/{pk}/claims/"): our_form(by_state(BAD, BAD, FOUND)),
    ("POST", "/evaluation/{pk}/claims/{claim_id}/decide/"): our_form(by_state(HIDDEN, HIDDEN, CONFLICT)),
    ("POST", "/evaluation/{pk}/claims/{claim_id}/withdraw/"): our_form(by_state(HIDDEN, HIDDEN, CONFLICT)),
    ("POST", "/evaluation/{pk}/appeals/"): our_form(by_state(BAD, BAD, FOUND)),
    ("POST", "/evaluation/{pk}/appeals/{appeal_id}/resolve/"): our_form(by_state(HIDDEN, HIDDEN, FOUND)),
    # --- portal: records and the audit --------------------------------------------------------------------------------
    ("GET", "/records/audit/"): page(signed_in=HIDDEN, auditor_x=OK, auditor_y=OK),
    ("POST", "/records/audit/verify/"): page(signed_in=HIDDEN, auditor_x=OK, auditor_y=OK),  # a read, logged
    ("GET", "/records/audit/security/"): page(signed_in=HIDDEN, auditor_x=DENIED, auditor_y=DENIED),  # of every one
    ("GET", "/records/calls/{tender_id}/"): page(signed_in=OK),  # the documents each may see
    ("GET", "/records/calls/{tender_id}/audit/"): page(signed_in=HIDDEN, auditor_x=OK, auditor_y=DENIED),
    ("POST", "/records/documents/{document_id}/retry/", "call"): page(signed_in=DENIED, officer_x=FOUND),
    # Records past their retention period: each officer their own authority's; the world's are not past it (409).
    ("GET", "/records/retention/"): page(signed_in=HIDDEN, officer_x=OK, officer_y=OK),
    ("POST", "/records/retention/{document_id}/decide/", "call"): page(signed_in=HIDDEN, officer_x=CONFLICT),
    ("POST", "/evaluation/{pk}/archive-package/"): page(signed_in=DENIED, officer_x=CONFLICT, auditor_x=CONFLICT),
    ("POST", "/records/documents/{document_id}/retry/", "receipt_a"): page(
        signed_in=HIDDEN,
        owner=DENIED,
        officer_x=by_state(HIDDEN, FOUND, FOUND),
        evaluators=by_state(HIDDEN, DENIED, DENIED),
        auditor_x=by_state(HIDDEN, DENIED, DENIED),
    ),
    # --- framework agreements (API and portal) ----------------------------------------------------------------------
    # After the decision the world has a framework on lot 1 with A first and B second (before it none: 404). Its
    # officers and auditors read it whole, its providers their own membership; only officer X changes it, its other
    # readers and its providers are refused (403), everyone else is not told it exists (404).
    ("GET", "/api/v1/frameworks/"): api(signed_in=OK),
    ("GET", "/api/v1/frameworks/{pk}/"): api(signed_in=HIDDEN, **FRAMEWORK_READERS),
    ("GET", "/api/v1/frameworks/{pk}/export.xlsx"): api(signed_in=HIDDEN, **FRAMEWORK_WHOLE_READERS),
    ("POST", "/api/v1/frameworks/{pk}/options/{option_id}/decide/"): framework_change(api, CREATED),
    ("POST", "/api/v1/frameworks/{pk}/members/{member_id}/leave/"): framework_change(api, CREATED),
    ("POST", "/api/v1/frameworks/{pk}/members/replace/"): framework_change(api, CONFLICT),  # nobody has left
    ("POST", "/api/v1/frameworks/{pk}/members/{member_id}/capacity/"): framework_change(api, CREATED),
    ("POST", "/api/v1/frameworks/{pk}/price-adjustments/"): framework_change(api, CREATED),
    ("POST", "/api/v1/frameworks/{pk}/terminate/"): framework_change(api, CREATED),
    ("GET", "/frameworks/"): page(signed_in=OK),
    ("GET", "/frameworks/{pk}/"): page(signed_in=HIDDEN, **FRAMEWORK_WHOLE_READERS),  # providers: /frameworks/
    ("GET", "/frameworks/{pk}/export.xlsx"): page(signed_in=HIDDEN, **FRAMEWORK_WHOLE_READERS),
    ("POST", "/frameworks/{pk}/options/{option_id}/decide/"): framework_change(page, FOUND),
    ("POST", "/frameworks/{pk}/leave/"): framework_change(page, FOUND),
    ("POST", "/frameworks/{pk}/replace/"): framework_change(page, CONFLICT),  # nobody has left
    ("POST", "/frameworks/{pk}/capacity/"): framework_change(page, FOUND),
    ("POST", "/frameworks/{pk}/prices/"): framework_change(page, FOUND),
    ("POST", "/frameworks/{pk}/terminate/"): framework_change(page, FOUND),
    # Requests for documents (evaluation.access_requests). A provider asks once the decision was sent to its bid, or
    # once a contract is signed: in the world neither is, so every provider's request is 409; users who are no
    # provider's members are refused (403). A request (A's, after the decision) is A's and the authority's; only
    # officer X decides it. The public form answers 409 until a contract is signed; the public link opens the
    # request for anyone who has it (after the decision the world holds one), and its files are only its own.
    ("GET", "/api/v1/tenders/{pk}/access-requests/"): api(signed_in=OK),
    ("POST", "/api/v1/tenders/{pk}/access-requests/"): api(signed_in=DENIED, providers=CONFLICT),
    ("GET", "/api/v1/access-requests/{pk}/"): api(
        signed_in=HIDDEN, owner=by_state(HIDDEN, HIDDEN, OK), authority=by_state(HIDDEN, HIDDEN, OK)
    ),
    ("POST", "/api/v1/access-requests/{pk}/decide/"): api(
        signed_in=HIDDEN,
        owner=by_state(HIDDEN, HIDDEN, DENIED),
        authority=by_state(HIDDEN, HIDDEN, DENIED),
        officer_x=by_state(HIDDEN, HIDDEN, OK),
    ),
    ("GET", "/calls/{pk}/access-requests/"): page(signed_in=DENIED, providers=OK),
    ("POST", "/calls/{pk}/access-requests/"): page(signed_in=DENIED, providers=CONFLICT),
    ("GET", "/evaluation/{pk}/access-requests/"): our_page(),
    ("GET", "/access-requests/{pk}/"): page(
        signed_in=HIDDEN, owner=by_state(HIDDEN, HIDDEN, OK), authority=by_state(HIDDEN, HIDDEN, OK)
    ),
    ("POST", "/access-requests/{pk}/"): page(
        signed_in=HIDDEN,
        owner=by_state(HIDDEN, HIDDEN, DENIED),
        authority=by_state(HIDDEN, HIDDEN, DENIED),
        officer_x=by_state(HIDDEN, HIDDEN, FOUND),
    ),
    # a file of a request is one of its own files (the call document is not one: 404 to everyone)
    ("GET", "/access-requests/{pk}/files/{document_id}/", "call"): page(signed_in=HIDDEN),
    ("GET", "/public/calls/{pk}/request/"): rule(everyone=CONFLICT),
    ("POST", "/public/calls/{pk}/request/"): rule(everyone=CONFLICT),
    ("GET", "/public/access/{access_token}/"): rule(everyone=by_state(HIDDEN, HIDDEN, OK)),
    ("GET", "/public/access/{access_token}/files/{document_id}/", "call"): rule(everyone=HIDDEN),
}


# --- path parameters: which object of the world fills them -----------------------------------------------------------

# A route whose {pk} is another object than its beginning's: the claim a correction accepts is still open.
_PK_BY_ROUTE = {"/api/v1/claims/{pk}/correct/": "open_claim"}

# By the route's beginning: what its {pk} is.
_PK_BY_PREFIX = (
    ("/api/v1/tenders/", "tender"),
    ("/api/v1/bids/", "bid_a"),
    ("/api/v1/contracts/", "contract"),
    ("/api/v1/claims/", "claim"),
    ("/api/v1/appeals/", "appeal"),
    ("/api/v1/frameworks/", "framework"),
    ("/api/v1/orders/", "call_off"),
    ("/frameworks/orders/", "call_off"),
    ("/frameworks/", "framework"),
    ("/orders/", "call_off"),
    ("/api/v1/notifications/", "notification_a"),
    ("/api/v1/providers/", "provider_a"),
    ("/api/v1/authorities/", "authority_x"),
    ("/api/v1/alerts/", "alert_a"),
    ("/api/v1/access-requests/", "access_request"),
    ("/access-requests/", "access_request"),
    ("/calls/", "tender"),
    ("/bids/", "bid_a"),
    ("/evaluation/", "tender"),
    ("/inbox/", "notification_a"),
)
PARAMS = {
    "bid_id": "bid_a",
    "attachment_id": "attachment_a",
    "number": "version",
    "offer_id": "offer_a",
    "appeal_id": "appeal",
    "claim_id": "claim",
    "question_id": "question_a",
    "notification_id": "notification_a",
    "lot_number": "lot_number",
    "request_id": "request_a",
    "alert_id": "alert_a",
    "tender_pk": "tender",
    "tender_id": "tender",
    "call_file_id": "call_file",
    "notice_id": "notice",
    "contract_id": "contract",
    "step": "draft_step",
    "action": "call_action",
    "token_id": "token_a",
    "uidb64": "reset_uid",
    "token": "reset_token",
    "ocid": "ocid",
    "option_id": "framework_option",
    "member_id": "framework_member",
    "access_token": "access_token",
}
_DOCUMENTS = {
    "call": "doc_call",
    "receipt_a": "doc_receipt_a",
    "opening_record": "doc_opening",
    "letter_a": "doc_letter_a",
}


def route_params(key: tuple) -> dict[str, str]:
    _method, path, *variant = key
    params = dict(PARAMS)
    params["pk"] = _PK_BY_ROUTE.get(path) or next(
        (name for prefix, name in _PK_BY_PREFIX if path.startswith(prefix)), "tender"
    )
    if variant:  # a document route: which document
        params["document_id"] = _DOCUMENTS[variant[0]]
        if path.startswith("/api/v1/documents/"):
            params["pk"] = _DOCUMENTS[variant[0]]
    if "/chunks/" in path:
        params["number"] = "chunk"
    if "/appeals/{appeal_id}/" in path:  # the appeal is on the second lot's contract
        params["contract_id"] = "appealed_contract"
        if path.startswith("/api/v1/contracts/"):
            params["pk"] = "appealed_contract"
    return params


# --- bodies of the unsafe requests: valid ones, so that a refusal is the refusal and not a validation error --------


def _today() -> str:
    return timezone.localdate().isoformat()


def _mini_competition_payload() -> dict:
    return {
        "title_fi": "Kotoutumiskoulutus Kuopio, kevät",
        "municipality": "Kuopio",
        "language_of_instruction": "fi",
        "study_path": "basic",
        "students": 12,
        "start_on": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "training_days": 90,
        "submission_deadline": (timezone.now() + timedelta(days=10)).isoformat(),
    }


def _tender_payload(w) -> dict:
    return {
        "authority": w.ids["authority_x"],
        "title_fi": "Kotoutumiskoulutus 2028",
        "estimated_value": "480000",
        "price_weight": "60",
        "submission_deadline": (timezone.now() + timedelta(days=40)).isoformat(),
        "lots": [{"number": 1, "title": "Kuopio", "students": 20}],
        "criteria": [{"number": 1, "name": "Toteutussuunnitelma", "weight": "40", "max_points": "10"}],
    }


def _offer(w) -> dict:
    return {"lot_offers": [{"lot": w.tender.lots.order_by("number").first().pk, "unit_price": "7000", "vat_rate": "0"}]}


def _correction(w) -> dict:
    return {
        "lots": [w.tender.lots.order_by("number").first().pk],
        "criteria": [w.ids["criterion"]],
        "reason": "Kriteerin pisteytys oikaistaan.",
        "reason_sv": "Poängsättningen rättas.",
    }


BODIES = {
    ("POST", "/records/retention/{document_id}/decide/", "call"): lambda w: {
        f"d{w.ids['doc_call']}-outcome": "destroy",
        f"d{w.ids['doc_call']}-reason": "Säilytysaika päättyi.",
    },
    ("POST", "/api/v1/tenders/{pk}/corrections/"): lambda w: {"cause": "own_motion", **_correction(w)},
    ("POST", "/api/v1/claims/{pk}/correct/"): lambda w: {
        **_correction(w),
        "lots": list(Lot.objects.filter(claims=w.ids["open_claim"]).values_list("pk", flat=True)),
    },
    ("POST", "/evaluation/{pk}/corrections/"): lambda w: {"cause": "own_motion", **_correction(w)},
    ("POST", "/api/v1/tenders/{pk}/offers/{offer_id}/reinstate/"): lambda w: {"reason": "Hylkäys perutaan."},
    ("POST", "/api/v1/tenders/{pk}/access-requests/"): lambda w: {"bids": [w.ids["bid_b"]]},
    ("POST", "/api/v1/access-requests/{pk}/decide/"): lambda w: {"outcome": "granted"},
    ("POST", "/calls/{pk}/access-requests/"): lambda w: {"bids": [w.ids["bid_b"]], "answers": "on"},
    ("POST", "/access-requests/{pk}/"): lambda w: {"outcome": "granted"},
    ("POST", "/public/calls/{pk}/request/"): lambda w: {
        "name": "Maija Meikäläinen",
        "email": "maija@example.org",
        "bids": [w.ids["bid_b"]],
        "answers": "on",
    },
    ("POST", "/api/v1/auth/token/"): lambda w: {"username": w.users["member_a"].username, "password": PASSWORD},
    ("POST", "/api/v1/providers/register/"): lambda w: {
        "organisation": {"name": "Uusi Koulutus Oy", "business_id": "3012345-8", "email": "uusi@provider.example"},
        "admin": {"username": "uusi-admin", "password": "Pitkä-salasana-2028", "email": "admin@uusi.example"},
    },
    ("POST", "/api/v1/invitations/accept/"): lambda w: {"token": w.invitation_token},
    ("POST", "/api/v1/bids/{pk}/secrecy/"): lambda w: {
        "part": "contact",
        "outcome": "upheld",
        "reason": "Henkilötieto.",
    },
    ("POST", "/evaluation/{pk}/bids/{bid_id}/secrecy/"): lambda w: {
        "form": "part-0",
        "part-0-outcome": "upheld",
        "part-0-ground": "business_secret",
        "part-0-reason": "Liikesalaisuus.",
    },
    ("POST", "/api/v1/providers/{pk}/invitations/"): lambda w: {"email": "uusi@a.example", "role": "provider_member"},
    ("POST", "/api/v1/tenders/"): _tender_payload,
    ("PATCH", "/api/v1/tenders/{pk}/"): lambda w: {"title_fi": "Muutettu otsikko"},
    ("POST", "/api/v1/tenders/{pk}/approve/"): lambda w: {"comment": ""},
    ("POST", "/api/v1/tenders/{pk}/return_to_draft/"): lambda w: {"comment": "Korjattavaa."},
    ("POST", "/api/v1/tenders/{pk}/cancel/"): lambda w: {"reason": "Määrärahat loppuivat."},
    ("POST", "/api/v1/tenders/{pk}/declare_unsuccessful/"): lambda w: {"reason": "Ei hyväksyttäviä tarjouksia."},
    ("POST", "/api/v1/tenders/{pk}/lots/{lot_number}/cancel/"): lambda w: {"reason": "Osa ei toteudu."},
    ("POST", "/api/v1/tenders/{pk}/lots/{lot_number}/declare-unsuccessful/"): lambda w: {
        "reason": "Ei hyväksyttäviä tarjouksia."
    },
    ("POST", "/api/v1/tenders/{pk}/amend/"): lambda w: {"reason": "Korjaus.", "title_fi": "Korjattu otsikko"},
    ("POST", "/api/v1/tenders/{pk}/follow/"): lambda w: {"following": True},
    ("POST", "/api/v1/tenders/{pk}/questions/"): lambda w: {"text": "Voiko osiin tarjota erikseen?"},
    ("POST", "/api/v1/tenders/{pk}/questions/{question_id}/answer/"): lambda w: {"answer": "Ei ole."},
    ("POST", "/api/v1/tenders/{pk}/answers/publish/"): lambda w: {},
    ("POST", "/api/v1/alerts/"): lambda w: {"provider": w.ids["provider_a"], "cpv_prefix": "8059"},
    ("POST", "/api/v1/bids/"): lambda w: {"tender": w.ids["tender"], **_offer(w)},
    ("PATCH", "/api/v1/bids/{pk}/"): _offer,
    ("POST", "/api/v1/bids/{pk}/requests/{request_id}/answer/"): lambda w: {"answer": "Tarkennus liitteenä."},
    ("POST", "/api/v1/bids/{bid_id}/attachments/"): lambda w: {"filename": "cv.pdf", "size": 1000, "purpose": "other"},
    ("PUT", "/api/v1/bids/{bid_id}/attachments/{attachment_id}/chunks/{number}/"): lambda w: b"%PDF-1.4\n",
    ("POST", "/api/v1/tenders/{pk}/panel/"): lambda w: {"user": w.ids["evaluator_unnamed"]},
    ("POST", "/api/v1/tenders/{pk}/declaration/"): lambda w: {"has_conflict": False},
    ("POST", "/api/v1/tenders/{pk}/qualification/"): lambda w: {
        "checks": [{"bid": w.ids["bid_a"], "subject": "exclusion", "passed": True, "reason": "Kunnossa."}]
    },
    ("POST", "/api/v1/tenders/{pk}/requests/"): lambda w: {
        "bid": w.ids["bid_a"],
        "kind": "clarification",
        "message": "Tarkentakaa.",
        "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
    },
    ("POST", "/api/v1/tenders/{pk}/offers/{offer_id}/reject/"): lambda w: {"reason": "Poikkeuksellisen alhainen."},
    ("POST", "/api/v1/tenders/{pk}/offers/{offer_id}/reject-nonconforming/"): lambda w: {
        "reason": "Tarjous koskee 40 opiskelijaa, tarjouspyyntö 60 opiskelijaa."
    },
    ("POST", "/api/v1/tenders/{pk}/scores/"): lambda w: {
        "scores": [{"lot_offer": w.ids["offer_a"], "criterion": w.ids["criterion"], "points": "6", "reason": "Hyvä."}]
    },
    ("POST", "/api/v1/tenders/{pk}/scores/individual/"): lambda w: {
        "scores": [{"lot_offer": w.ids["offer_a"], "criterion": w.ids["criterion"], "points": "6", "reason": "Hyvä."}]
    },
    ("POST", "/api/v1/tenders/{pk}/propose/"): lambda w: {"note": ""},
    ("POST", "/api/v1/contracts/{pk}/appeals/"): lambda w: {"filed_on": _today(), "reference": "MAO:200/2026"},
    ("POST", "/api/v1/contracts/{pk}/appeals/{appeal_id}/resolve/"): lambda w: {
        "outcome": "dismissed",
        "resolved_on": _today(),
    },
    ("POST", "/api/v1/contracts/{pk}/liability-documents/"): lambda w: {"kind": "tax_debt", "issued_on": _today()},
    ("POST", "/api/v1/tenders/{pk}/claims/"): lambda w: {
        "lots": [w.tender.lots.order_by("number").first().pk],
        "grounds": "Pisteytys on virheellinen.",
        "arrived_on": _today(),
        "channel": "email",
        "provider": w.ids["provider_a"],
    },
    ("POST", "/api/v1/claims/{pk}/decide/"): lambda w: {"outcome": "rejected", "reason": "Ei perusteita."},
    ("POST", "/api/v1/tenders/{pk}/appeals/"): lambda w: {
        "lots": [w.tender.lots.order_by("number").first().pk],
        "diary_number": "MAO:300/2026",
        "informed_on": _today(),
        "appellant_name": "Valittaja Oy",
    },
    ("POST", "/api/v1/appeals/{pk}/resolve/"): lambda w: {"outcome": "dismissed", "decided_on": _today()},
    ("POST", "/calls/{pk}/claims/"): lambda w: {
        "claim-lots": str(w.tender.lots.order_by("number").first().pk),
        "claim-grounds": "Pisteytys on virheellinen.",
    },
    ("POST", "/evaluation/{pk}/claims/"): lambda w: {
        "claim-lots": str(w.tender.lots.order_by("number").first().pk),
        "claim-grounds": "Sähköpostilla saapunut vaatimus.",
        "claim-channel": "email",
        "claim-arrived_on": _today(),
        "claim-claimant_name": "Kuntalainen",
    },
    ("POST", "/evaluation/{pk}/claims/{claim_id}/decide/"): lambda w: {
        f"decide-{w.ids['claim']}-outcome": "rejected",
        f"decide-{w.ids['claim']}-reason": "Ei aihetta oikaisuun.",
    },
    ("POST", "/evaluation/{pk}/appeals/"): lambda w: {
        "appeal-lots": str(w.tender.lots.order_by("number").first().pk),
        "appeal-diary_number": "MAO:301/2026",
        "appeal-informed_on": _today(),
    },
    ("POST", "/evaluation/{pk}/appeals/{appeal_id}/resolve/"): lambda w: {
        f"resolve-{w.ids['appeal']}-outcome": "dismissed",
        f"resolve-{w.ids['appeal']}-decided_on": _today(),
    },
    ("POST", "/api/v1/contracts/{pk}/clear/"): lambda w: {"confirmed": True, "note": "Kirjaamo tarkistettu."},
    ("POST", "/api/v1/contracts/{pk}/sign/"): lambda w: {"signed_on": _today(), "signatories": ["Anna Hankkija"]},
    ("POST", "/api/v1/frameworks/{pk}/orders/"): lambda w: {
        "municipality": "Siilinjärvi",
        "language_of_instruction": "fi",
        "study_path": "basic",
        "students": 10,
        "start_on": (timezone.localdate() + timedelta(days=40)).isoformat(),
        "training_days": 80,
    },
    ("POST", "/api/v1/orders/{pk}/decline/"): lambda w: {"reason": "Ei opettajaa."},
    ("POST", "/api/v1/orders/{pk}/skip/"): lambda w: {"reason": "Palveluntuottaja ilmoitti esteestä."},
    ("POST", "/api/v1/orders/{pk}/cancel/"): lambda w: {"reason": "Ryhmä ei toteudu."},
    ("POST", "/frameworks/{pk}/orders/new/"): lambda w: {
        "municipality": "Siilinjärvi",
        "language_of_instruction": "fi",
        "study_path": "basic",
        "students": "10",
        "start_on": (timezone.localdate() + timedelta(days=40)).isoformat(),
        "training_days": "80",
    },
    ("POST", "/frameworks/orders/{pk}/"): lambda w: {"action": "skip", "skip-reason": "Palveluntuottaja ilmoitti."},
    ("POST", "/orders/{pk}/"): lambda w: {"action": "accept"},
    ("POST", "/api/v1/notifications/{pk}/resend/"): lambda w: {"email": "korjattu@provider.example"},
    # portal forms
    ("POST", "/sign-in/"): lambda w: {"username": w.users["member_a"].username, "password": PASSWORD},
    ("POST", "/password/"): lambda w: {
        "old_password": PASSWORD,
        "new_password1": "Uusi-salasana-2028",
        "new_password2": "Uusi-salasana-2028",
    },
    ("POST", "/password/reset/"): lambda w: {"email": w.users["member_a"].email},
    ("POST", "/language/"): lambda w: {"language": "sv", "next": "/calls/"},
    ("POST", "/i18n/setlang/"): lambda w: {"language": "sv", "next": "/calls/"},
    ("POST", "/register/"): lambda w: {
        "name": "Uusi Koulutus Oy",
        "business_id": "3012345-8",
        "email": "uusi@provider.example",
        "preferred_language": "fi",
        "username": "uusi-admin",
        "admin_email": "admin@uusi.example",
        "password": "Pitkä-salasana-2028",
    },
    ("POST", "/organisation/"): lambda w: {"email": "uusi@a.example", "role": "provider_member"},
    ("POST", "/invitation/"): lambda w: {"token": w.invitation_token},
    ("POST", "/calls/alerts/"): lambda w: {"cpv_prefix": "8059"},
    ("POST", "/api/v1/frameworks/{pk}/mini-competitions/"): lambda w: _mini_competition_payload(),
    ("POST", "/frameworks/{pk}/mini-competitions/new/"): lambda w: {
        **_mini_competition_payload(),
        "submission_deadline": (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "weight_1": "25",
        "weight_2": "15",
    },
    ("POST", "/calls/{pk}/"): lambda w: {"text": "Voiko osiin tarjota erikseen?"},
    ("POST", "/calls/{pk}/follow/"): lambda w: {"following": "1"},
    ("POST", "/calls/ours/{pk}/do/{action}/"): lambda w: {"cancel-reason": "Määrärahat loppuivat."},
    ("POST", "/calls/ours/{pk}/lots/{lot_number}/{action}/"): lambda w: {"lot1-cancel-reason": "Osa ei toteudu."},
    ("POST", "/calls/ours/{pk}/amend/"): lambda w: {
        "reason": "Korjaus.",
        "title_fi": "Korjattu otsikko",
        "estimated_value": "450000",
        "tender_validity_months": str(w.tender.tender_validity_months),
        "submission_deadline": timezone.localtime(timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "effect-affects_bids": "yes",
        "effect-affects_bids_reason": "Korjaus koskee tarjouksia.",
        "effect-confirm_shorter_deadline": "on",
    },
    ("POST", "/calls/ours/{pk}/questions/{question_id}/answer/"): lambda w: {f"q{w.ids['question_a']}-answer": "Ei."},
    ("POST", "/bids/{pk}/requests/{request_id}/"): lambda w: {"answer": "Tarkennus liitteenä."},
    ("POST", "/evaluation/{pk}/panel/"): lambda w: {"add-user": w.ids["evaluator_unnamed"]},
    ("POST", "/evaluation/{pk}/panel/declaration/"): lambda w: {"declare-has_conflict": "no"},
    ("POST", "/evaluation/{pk}/qualification/"): lambda w: {
        f"result_{w.ids['bid_a']}-exclusion": "pass",
        f"reason_{w.ids['bid_a']}-exclusion": "Kunnossa.",
    },
    ("POST", "/evaluation/{pk}/scores/"): lambda w: {
        f"points_{w.ids['offer_a']}-{w.ids['criterion']}": "6",
        f"reason_{w.ids['offer_a']}-{w.ids['criterion']}": "Hyvä.",
    },
    ("POST", "/evaluation/{pk}/prices/"): lambda w: {
        "action": "ask",
        "ask-lot_offer": w.ids["offer_a"],
        "ask-message": "Selvittäkää hinta.",
        "ask-deadline": "2099-01-01T12:00",
    },
    ("POST", "/evaluation/{pk}/propose/"): lambda w: {"note": ""},
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/appeals/"): lambda w: {
        f"appeal-{w.ids['contract']}-filed_on": _today(),
        f"appeal-{w.ids['contract']}-reference": "MAO:300/2026",
    },
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/appeals/{appeal_id}/resolve/"): lambda w: {
        f"resolve-{w.ids['appealed_contract']}-{w.ids['appeal']}-outcome": "dismissed",
        f"resolve-{w.ids['appealed_contract']}-{w.ids['appeal']}-resolved_on": _today(),
    },
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/liability-documents/"): lambda w: {
        f"liability-{w.ids['contract']}-kind": "tax_debt",
        f"liability-{w.ids['contract']}-issued_on": _today(),
    },
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/clear/"): lambda w: {
        f"clear-{w.ids['contract']}-confirmed": "on"
    },
    ("POST", "/evaluation/{pk}/contracts/{contract_id}/sign/"): lambda w: {
        f"sign-{w.ids['contract']}-signed_on": _today(),
        f"sign-{w.ids['contract']}-signatories": "Anna Hankkija",
    },
    ("POST", "/api/v1/frameworks/{pk}/options/{option_id}/decide/"): lambda w: {"exercise": True, "reason": "Jatko."},
    ("POST", "/api/v1/frameworks/{pk}/members/{member_id}/leave/"): lambda w: {
        "reason": "Konkurssi.",
        "effective_on": _today(),
    },
    ("POST", "/api/v1/frameworks/{pk}/members/replace/"): lambda w: {"reason": "Seuraava vertailussa."},
    ("POST", "/api/v1/frameworks/{pk}/members/{member_id}/capacity/"): lambda w: {"capacity": 4, "reason": "Ilmoitus."},
    ("POST", "/api/v1/frameworks/{pk}/price-adjustments/"): lambda w: {
        "percent": "2",
        "index_name": "Ansiotasoindeksi",
        "reason": "Hintaehto.",
        "effective_on": _today(),
    },
    ("POST", "/api/v1/frameworks/{pk}/terminate/"): lambda w: {"reason": "Rahoitus päättyi."},
    ("POST", "/frameworks/{pk}/options/{option_id}/decide/"): lambda w: {
        f"option-{w.ids['framework_option']}-exercise": "yes",
        f"option-{w.ids['framework_option']}-reason": "Jatko.",
    },
    ("POST", "/frameworks/{pk}/leave/"): lambda w: {
        "leave-member": w.ids["framework_member"],
        "leave-reason": "Konkurssi.",
        "leave-effective_on": _today(),
    },
    ("POST", "/frameworks/{pk}/replace/"): lambda w: {"replace-reason": "Seuraava vertailussa."},
    ("POST", "/frameworks/{pk}/capacity/"): lambda w: {
        "capacity-member": w.ids["framework_member"],
        "capacity-capacity": "4",
        "capacity-reason": "Ilmoitus.",
    },
    ("POST", "/frameworks/{pk}/prices/"): lambda w: {
        "price-percent": "2",
        "price-index_name": "Ansiotasoindeksi",
        "price-reason": "Hintaehto.",
        "price-effective_on": _today(),
    },
    ("POST", "/frameworks/{pk}/terminate/"): lambda w: {"terminate-reason": "Rahoitus päättyi."},
}


def expected_for(expectation: dict, role: str, state: str) -> frozenset:
    return expectation[role][state]
