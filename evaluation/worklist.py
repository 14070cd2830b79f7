"""The task list: what waits for an officer, an evaluator or a decision-maker, computed from the state of the calls.

Nothing is stored: a task is there while its step is due, and gone once it is done. A fixed number of queries,
however many calls there are (tests/test_query_budgets.py)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procurement.access import roles_of
from procurement.periods import at_local_time, local_date
from tenders.models import STATES_IN_PROGRESS, Question, Tender, TenderStatus

from .models import (
    Appeal,
    Claim,
    ContractStatus,
    Framework,
    FrameworkOption,
    FrameworkStatus,
    IndividualScore,
    LotContract,
    OpeningRequest,
    PanelMember,
    ProviderRequest,
    QualityScore,
)


@dataclass(frozen=True)
class Task:
    """One thing that waits for the user: `kind` is a stable code, `title` is in the user's language."""

    kind: str
    title: str
    tender: Tender
    due: datetime | None
    url: str


def _url(name: str, tender: Tender) -> str:
    return reverse(name, args=[tender.pk])


def tasks_for(user) -> list[Task]:
    """The user's tasks in the calls of the authorities they work for, the most urgent first. A provider's people,
    and auditors, have none here."""
    roles = roles_of(user)
    officer_of, deciding_of = roles.officer_of, roles.decision_maker_of
    tasks: list[Task] = []
    authorities = officer_of | deciding_of
    if authorities:
        tenders = list(
            Tender.objects.filter(authority_id__in=authorities, status__in=STATES_IN_PROGRESS)
            .select_related("authority", "award_proposal")
            .exclude(status=TenderStatus.DRAFT, submitted_for_approval_at__isnull=True)
        )
        tasks += _officer_tasks(user, tenders, officer_of)
        tasks += _decision_tasks(user, tenders, officer_of, deciding_of)
    if officer_of:
        tasks += _framework_option_tasks(officer_of)
        tasks += _access_request_tasks(officer_of)
    tasks += _panel_tasks(user)
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(tasks, key=lambda t: (t.due or far, t.tender.pk, t.kind))


def _officer_tasks(user, tenders: list[Tender], officer_of) -> list[Task]:
    ours = [t for t in tenders if t.authority_id in officer_of]
    if not ours:
        return []
    by_state: dict[str, list[Tender]] = {}
    for tender in ours:
        by_state.setdefault(tender.status, []).append(tender)
    tasks: list[Task] = []
    for tender in by_state.get(TenderStatus.DRAFT, []):
        # Returned to draft after it was sent for approval: back to its author and its sender.
        if user.pk in (tender.created_by_id, tender.submitted_for_approval_by_id):
            tasks.append(
                Task(
                    "draft_returned",
                    _("The call was returned to draft: correct it and send it again"),
                    tender,
                    tender.planned_publication,
                    _url("tenders:officer_draft", tender),
                )
            )
    for tender in by_state.get(TenderStatus.PENDING_APPROVAL, []):
        # Four eyes: never the author's or the sender's own task.
        if user.pk not in (tender.created_by_id, tender.submitted_for_approval_by_id):
            tasks.append(
                Task(
                    "approval",
                    _("Approve the call or return it to draft"),
                    tender,
                    tender.planned_publication or tender.submission_deadline,
                    _url("tenders:officer_call", tender),
                )
            )
    for tender in by_state.get(TenderStatus.APPROVED, []):
        tasks.append(
            Task(
                "publish",
                _("Publish the approved call"),
                tender,
                tender.planned_publication,
                _url("tenders:officer_call", tender),
            )
        )
    tasks += _question_tasks(by_state.get(TenderStatus.PUBLISHED, []))
    tasks += _opening_tasks(user, by_state.get(TenderStatus.CLOSED, []))
    tasks += _answer_tasks(by_state.get(TenderStatus.OPENED, []))
    for tender in by_state.get(TenderStatus.EVALUATED, []):
        if getattr(tender, "award_proposal", None) is None:
            tasks.append(Task("propose", _("Propose the award"), tender, None, _url("evaluation:results", tender)))
    tasks += _contract_tasks(by_state.get(TenderStatus.DECIDED, []))
    return tasks


def _question_tasks(published: list[Tender]) -> list[Task]:
    if not published:
        return []
    counts = {
        row["tender_id"]: row
        for row in Question.objects.filter(tender__in=published, bulletin__isnull=True)
        .values("tender_id")
        .annotate(unanswered=Count("pk", filter=Q(answer="")), answered=Count("pk", filter=~Q(answer="")))
    }
    tasks = []
    for tender in published:
        row = counts.get(tender.pk)
        if row is None:
            continue
        due = tender.answers_by or tender.submission_deadline
        url = _url("tenders:officer_questions", tender)
        if row["unanswered"]:
            title = ngettext("Answer %(n)s new question", "Answer %(n)s new questions", row["unanswered"]) % {
                "n": row["unanswered"]
            }
            tasks.append(Task("questions", title, tender, due, url))
        if row["answered"]:
            title = ngettext(
                "Publish %(n)s answer to every interested provider",
                "Publish %(n)s answers to every interested provider",
                row["answered"],
            ) % {"n": row["answered"]}
            tasks.append(Task("answers_publish", title, tender, due, url))
    return tasks


def _opening_tasks(user, closed: list[Tender]) -> list[Task]:
    if not closed:
        return []
    now = timezone.now()
    pending = {
        request.tender_id: request
        for request in OpeningRequest.objects.filter(tender__in=closed, confirmed_at__isnull=True, expires_at__gt=now)
    }
    tasks = []
    for tender in closed:
        request = pending.get(tender.pk)
        url = _url("evaluation:opening", tender)
        if request is None:
            if tender.opening_at is None or tender.opening_at <= now:
                tasks.append(Task("open", _("Open the bids with another officer"), tender, tender.opening_at, url))
        elif request.requested_by_id != user.pk:
            tasks.append(Task("opening_confirm", _("Confirm the opening of the bids"), tender, request.expires_at, url))
    return tasks


def _answer_tasks(opened: list[Tender]) -> list[Task]:
    """Answers of bidders to requests, while the evaluation that reads them is under way."""
    if not opened:
        return []
    counts = (
        ProviderRequest.objects.filter(bid__tender__in=opened, answered_at__isnull=False)
        .values("bid__tender_id", "kind")
        .annotate(n=Count("pk"))
    )
    tenders = {t.pk: t for t in opened}
    tasks = []
    for row in counts:
        tender = tenders[row["bid__tender_id"]]
        if row["kind"] == ProviderRequest.Kind.PRICE_EXPLANATION:
            title = ngettext(
                "Assess %(n)s price explanation from a bidder", "Assess %(n)s price explanations from bidders", row["n"]
            ) % {"n": row["n"]}
            tasks.append(Task("price_explanation", title, tender, None, _url("evaluation:prices", tender)))
        else:
            title = ngettext(
                "Read %(n)s clarification from a bidder", "Read %(n)s clarifications from bidders", row["n"]
            ) % {"n": row["n"]}
            tasks.append(Task("clarification", title, tender, None, _url("evaluation:qualification", tender)))
    return tasks


def _contract_tasks(decided: list[Tender]) -> list[Task]:
    if not decided:
        return []
    today = local_date(timezone.now())
    contracts = LotContract.objects.filter(
        lot__tender__in=decided, status__in=[ContractStatus.STANDSTILL, ContractStatus.CONTRACTING]
    ).select_related("lot")
    tenders = {t.pk: t for t in decided}
    tasks = []
    for contract in contracts:
        tender = tenders[contract.lot.tender_id]
        url = _url("evaluation:decision", tender)
        if contract.status == ContractStatus.CONTRACTING:
            title = _("Sign the contract of lot %(lot)s") % {"lot": contract.lot.number}
            tasks.append(Task("contract_sign", title, tender, None, url))
        elif contract.standstill_ends_on is not None and contract.standstill_ends_on < today:
            title = _("Check lot %(lot)s for claims and appeals: its standstill has ended") % {
                "lot": contract.lot.number
            }
            tasks.append(Task("contract_clear", title, tender, None, url))
    return tasks + _redress_tasks(decided)


def _redress_tasks(decided: list[Tender]) -> list[Task]:
    """An open claim for rectification waits for the authority's decision; a pending Market Court appeal for the
    court's ruling to be recorded. Each suspends contracting of its lots meanwhile (evaluation.appeals)."""
    tenders = {t.pk: t for t in decided}
    tasks = []
    claims = Claim.objects.filter(decision__tender__in=decided, status=Claim.Status.OPEN).values_list(
        "decision__tender_id", "number"
    )
    for tender_id, number in claims.order_by("number"):
        tender = tenders[tender_id]
        title = _("Decide claim for rectification no. %(number)s: contracting of its lots is suspended") % {
            "number": number
        }
        tasks.append(Task("claim_decide", title, tender, None, _url("evaluation:claims", tender)))
    appeals = Appeal.objects.filter(decision__tender__in=decided, outcome="").values_list(
        "decision__tender_id", "reference"
    )
    for tender_id, reference in appeals.order_by("pk"):
        tender = tenders[tender_id]
        title = _("Market Court appeal %(reference)s pending: record the ruling when it comes") % {
            "reference": reference
        }
        tasks.append(Task("appeal_pending", title, tender, None, _url("evaluation:claims", tender)))
    return tasks


# How long before a framework's last day an option still undecided becomes an officer's task.
OPTION_NOTICE_DAYS = 90


def _framework_option_tasks(officer_of) -> list[Task]:
    """A framework in force whose term ends within OPTION_NOTICE_DAYS with an option still undecided: the officers
    decide whether to exercise it (a recorded decision) before the term runs out, after which no option can be."""
    horizon = local_date(timezone.now()) + timedelta(days=OPTION_NOTICE_DAYS)
    frameworks = (
        Framework.objects.filter(
            tender__authority_id__in=officer_of,
            status=FrameworkStatus.ACTIVE,
            ends_on__lte=horizon,
            options__state=FrameworkOption.State.OPEN,
        )
        .select_related("tender__authority", "lot")
        .distinct()
    )
    return [
        Task(
            "framework_option",
            _("Decide on the option of the framework agreement of lot %(lot)s: its term ends on %(end)s")
            % {"lot": framework.lot.number, "end": formats.date_format(framework.ends_on, "SHORT_DATE_FORMAT")},
            framework.tender,
            at_local_time(framework.ends_on, "16:00"),
            reverse("frameworks:detail", args=[framework.pk]),
        )
        for framework in frameworks
    ]


# A request for documents is decided without delay, at the latest within two weeks of its arrival (JulkL 14 §).
ACCESS_REQUEST_DAYS = 14


def _access_request_tasks(officer_of) -> list[Task]:
    """A request for documents that waits for the officers' decision, due two weeks after it arrived."""
    from .models import AccessRequest

    waiting = AccessRequest.objects.filter(
        tender__authority_id__in=officer_of, status=AccessRequest.Status.RECEIVED
    ).select_related("tender__authority", "provider")
    return [
        Task(
            "access_request",
            _("Decide on request for documents %(number)s from %(requester)s")
            % {"number": request.number, "requester": request.requester},
            request.tender,
            request.requested_at + timedelta(days=ACCESS_REQUEST_DAYS),
            reverse("access:detail", args=[request.pk]),
        )
        for request in waiting
    ]


def _decision_tasks(user, tenders: list[Tender], officer_of, deciding_of) -> list[Task]:
    """A proposal to decide: for whoever may decide it (a decision-maker, or an officer where officers decide), and
    never for its proposer where the authority requires another person."""
    tasks = []
    for tender in tenders:
        proposal = getattr(tender, "award_proposal", None)
        if tender.status != TenderStatus.EVALUATED or proposal is None:
            continue
        authority = tender.authority
        may = tender.authority_id in deciding_of or (
            tender.authority_id in officer_of and authority.officers_may_decide
        )
        if may and not (authority.decider_not_proposer and proposal.proposed_by_id == user.pk):
            tasks.append(Task("decide", _("Decide the award"), tender, None, _url("evaluation:decision", tender)))
    return tasks


def _panel_tasks(user) -> list[Task]:
    """A seat on a panel: the declaration on conflicts of interest to sign, then the own scores to enter."""
    seats = (
        PanelMember.objects.filter(
            user=user,
            tender__status__in=[TenderStatus.PUBLISHED, TenderStatus.CLOSED, TenderStatus.OPENED],
        )
        .select_related("tender__authority")
        .annotate(
            scored=Exists(IndividualScore.objects.filter(evaluator=user, lot_offer__bid__tender=OuterRef("tender"))),
            consensus=Exists(QualityScore.objects.filter(lot_offer__bid__tender=OuterRef("tender"))),
        )
    )
    tasks = []
    for seat in seats:
        tender = seat.tender
        if seat.declared_at is None:
            tasks.append(
                Task(
                    "panel_declaration",
                    _("Sign your declaration on conflicts of interest"),
                    tender,
                    tender.opening_at,
                    _url("evaluation:panel", tender),
                )
            )
        elif seat.may_evaluate and tender.status == TenderStatus.OPENED and not (seat.scored or seat.consensus):
            tasks.append(Task("scores", _("Enter your scores"), tender, None, _url("evaluation:scores", tender)))
    return tasks
