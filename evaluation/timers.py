"""The evaluation's timers: the evaluation overdue, and the end of a lot's standstill. Registered with
`procurement.timers.handles` when the app is ready (evaluation.apps)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from procurement.access import officers_of
from procurement.audit import audit_record
from procurement.models import Timer
from procurement.notifications import notify
from procurement.timers import handles, timers_replace
from tenders.models import Tender, TenderStatus
from tenders.timers import timer_tender

from .models import ContractStatus, Framework, FrameworkStatus, LotContract, PanelMember
from .periods import standstill_end_moment


def evaluation_timer_schedule(tender: Tender) -> None:
    days = settings.HANKINTA["EVALUATION_TARGET_DAYS"]
    due = (tender.opened_at or timezone.now()) + timedelta(days=days)
    timers_replace(
        kinds=["evaluation.overdue"],
        key=f"tender:{tender.pk}",
        tender_id=tender.pk,
        moments={"evaluation.overdue": [due]},
    )


def panel_of(tender: Tender) -> set[int]:
    return set(PanelMember.objects.filter(tender=tender).values_list("user_id", flat=True))


@handles("evaluation.overdue")
def _evaluation_overdue(timer: Timer, now: datetime) -> None:
    tender = timer_tender(timer)
    if tender is None or tender.status not in (TenderStatus.OPENED, TenderStatus.EVALUATED):
        return
    validity = tender.submission_deadline + timedelta(days=30 * tender.tender_validity_months)
    notify(
        kind="evaluation.overdue",
        key=f"tender:{tender.pk}:evaluation-overdue",
        tender_id=tender.pk,
        users=officers_of(tender.authority_id) | panel_of(tender),
        payload={
            "opened": tender.opened_at,
            "days": settings.HANKINTA["EVALUATION_TARGET_DAYS"],
            "validity": validity.date().isoformat(),
        },
    )


@handles("standstill.end")
def _standstill_end(timer: Timer, now: datetime) -> None:
    """The standstill's end only tells the officers that the check for claims and appeals is due: no lot becomes
    ready for contracting by a timer (an officer confirms it, evaluation.contracts.lot_contracting_clear)."""
    contract = (
        LotContract.objects.select_for_update()
        .select_related("lot__tender")
        .filter(pk=int(timer.key.split(":")[1]))
        .first()
    )
    if contract is None or contract.status != ContractStatus.STANDSTILL or standstill_end_moment(contract) > now:
        return
    if contract.appeals.filter(resolved_on__isnull=True).exists():
        return
    audit_record(
        action="contract.standstill_end",
        obj=contract,
        tender_id=contract.lot.tender_id,
        after={"standstill_ends_on": contract.standstill_ends_on, "check_due": True},
    )
    tender = contract.lot.tender
    notify(
        kind="standstill.ended",
        key=f"lot-contract:{contract.pk}:{contract.standstill_ends_on.isoformat()}",
        tender_id=tender.pk,
        users=officers_of(tender.authority_id),
        payload={"lot": contract.lot.number, "ended": contract.standstill_ends_on.isoformat()},
    )


@handles("framework.end")
def _framework_end(timer: Timer, now: datetime) -> None:
    """A framework whose term (options exercised included) is over ends: no more call-offs. An option exercised
    after the timer was set moved it (evaluation.frameworks.framework_end_schedule)."""
    framework = (
        Framework.objects.select_for_update().select_related("tender").filter(pk=int(timer.key.split(":")[1])).first()
    )
    if framework is None or framework.status != FrameworkStatus.ACTIVE or timezone.localdate(now) <= framework.ends_on:
        return
    framework.end(at=now)
    framework.save(update_fields=["status", "ended_at"])
    from .calloffs import call_offs_withdraw_open

    with translation.override(framework.tender.language):
        reason = str(_("The framework agreement ended: the order was withdrawn."))
    call_offs_withdraw_open(framework=framework, at=now, reason=reason)
    audit_record(
        action="framework.end",
        obj=framework,
        tender_id=framework.tender_id,
        after={"status": framework.status, "ends_on": framework.ends_on},
    )


@handles("call_off.reply_due")
def _call_off_reply_due(timer: Timer, now: datetime) -> None:
    """The provider did not reply to an order by its deadline: the order passes to the next in rank, in a task of its
    own (evaluation.calloffs.call_off_expire, by the outbox after the scan's commit; nothing if the reply came in the
    meantime). The scan holds its timers' row locks: taking the framework's lock here could deadlock with a reply
    that holds it and removes this timer."""
    from .calloffs import call_off_expire_queue

    call_off_expire_queue(call_off_id=int(timer.key.split(":")[1]), at=now)
