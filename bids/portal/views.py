"""Portal pages of the tender box for providers: their bids, preparing one (with attachments), submitting it and
its receipt, withdrawing and reopening, and answering the authority's requests. Every change goes through the
same services as the API; a bid that is not the user's own is 404."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from documents.models import DocumentKind, DocumentStatus
from documents.services import documents_visible_to
from procurement.access import roles_of
from procurement.errors import NotFound
from procurement.middleware import received_at
from procurement.models import ProviderOrganisation
from procurement.portal import done, read, render_form, run_and_tell, run_service
from tenders.selectors import bidders_invited, tender_get

from .. import asks
from .. import attachments as attachment_services
from ..models import Bid, BidStatus, SecrecyReviewStatus
from ..secrecy import secrecy_review_get
from ..selectors import bids_of_provider, own_bid_get
from ..services import SubmissionsThrottled, bid_create, bid_reopen, bid_submit, bid_update, bid_withdraw
from .forms import AttachmentForm, BidForm
from .summary import bid_summary

# A hidden field of the bid's form: a request that carries it carries what is on the bidder's screen, which is
# saved (bid_update) before the action it asks for (a submission, removing an attachment).
BID_FORM = "bid_form"

TEMPLATES = "bids/portal/"


def _own_bid(request, pk) -> Bid:
    """The user's own bid (the selector decides), never another provider's: that is 404."""
    return own_bid_get(user=request.user, bid_id=pk)


def _receipt_of(user, version):
    return (
        documents_visible_to(user=user)
        .filter(kind=DocumentKind.RECEIPT, subject=f"bid-version:{version.pk}")
        .order_by("pk")
        .first()
    )


def _provider_choices(providers) -> list | None:
    """The organisations a user of several may choose to bid for (those the call invites); None for one."""
    if len(providers) < 2:
        return None
    return list(ProviderOrganisation.objects.filter(pk__in=providers).order_by("name").values_list("pk", "name"))


@login_required
def mine(request):
    """The provider's bids, with their calls, deadlines, latest receipts and, per lot, where each stands: the award
    decision's outcome once it was sent to the provider, an interruption, or pending (`evaluation.outcomes`)."""
    if not roles_of(request.user).provider_of:
        raise NotFound()
    now = timezone.now()
    bids = bids_of_provider(user=request.user)
    outcomes = asks.bid_outcomes(user=request.user, bids=bids)
    rows = []
    for bid in bids:
        latest = bid.versions.order_by("-number").first()
        rows.append(
            {
                "bid": bid,
                "latest": latest,
                "open": bid.tender.accepts_bids_at(now),
                "outcome": outcomes[bid.pk],
            }
        )
    return render(request, f"{TEMPLATES}mine.html", {"rows": rows})


@login_required
def prepare(request, tender_pk: int):
    """Start a bid for a call: the same form as for a draft; saving creates the bid."""
    tender = tender_get(user=request.user, tender_id=tender_pk)
    roles = roles_of(request.user)
    if not roles.provider_of:
        raise NotFound()
    # In a mini-competition only the framework's active providers bid: a user's other organisations are not offered.
    invited = bidders_invited(tender, roles.provider_of)
    if not invited:
        raise NotFound()
    existing = Bid.objects.filter(tender=tender, provider_id__in=invited).values_list("pk", flat=True)
    if len(invited) == 1 and existing:
        return redirect("bids:bid", pk=existing[0])
    form = BidForm(request.POST or None, tender=tender, providers=_provider_choices(invited))
    status = 200
    if request.method == "POST" and form.is_valid():
        content = form.content()
        outcome = run_service(
            form,
            lambda: bid_create(
                actor=request.user,
                tender_id=tender.pk,
                content=content,
                provider_id=form.cleaned_data.get("provider"),
                received_at=received_at(request),
            ),
            place=lambda error: form.place_errors(error, content),
        )
        if outcome.ok:
            done(request, _("Your bid is saved as a draft. It is not submitted yet."))
            return redirect("bids:bid", pk=outcome.result.pk)
        status = outcome.status
    context = {
        "tender": tender,
        "form": form,
        "editable": tender.accepts_bids_at(timezone.now()),
        "bid": None,
    }
    return render_form(request, f"{TEMPLATES}bid.html", context, status)


def _bid_context(request, bid, form=None) -> dict:
    tender = bid.tender
    submit_key = f"portal-{uuid.uuid4()}"
    now = timezone.now()
    editable = bid.status == BidStatus.DRAFT and tender.accepts_bids_at(now)
    attachments = attachment_services.attachments_of_bid(user=request.user, bid_id=bid.pk)
    if form is None:
        form = BidForm(initial=BidForm.data_from_content(bid.content), tender=tender, attachments=attachments)
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    for attachment in attachments:
        name = f"secret_attachment_{attachment.pk}"
        attachment.secret_field = form[name] if name in form.fields else None
    versions = list(bid.versions.order_by("-number"))
    for version in versions:
        version.receipt = _receipt_of(request.user, version)
    documents = (
        documents_visible_to(user=request.user)
        .filter(tender=tender, status=DocumentStatus.READY)
        .exclude(kind__in=[DocumentKind.CALL, DocumentKind.RECEIPT])
        .order_by("created_at")
    )
    return {
        "submit_key": submit_key,
        "bid": bid,
        "tender": tender,
        "form": form,
        "editable": editable,
        "accepts_bids": tender.accepts_bids_at(now),
        "attachments": attachments,
        "upload_form": AttachmentForm(tender=tender),
        "versions": versions,
        "requests": list(bid.requests.order_by("requested_at")),
        "documents": list(documents),
        "now": now,
    }


def _posted_form(request, bid, *, without_attachment=None) -> BidForm:
    attachments = attachment_services.attachments_of_bid(user=request.user, bid_id=bid.pk)
    attachments = [a for a in attachments if str(a.pk) != str(without_attachment)]
    return BidForm(request.POST, tender=bid.tender, attachments=attachments)


def _save(request, bid, form: BidForm) -> int | None:
    """Save what the bidder posted, through the same service as the API's PATCH. None when it is saved; else the
    status, with the reasons on the form (which keeps the typed values)."""
    if not form.is_valid():
        return 400
    content = form.content()
    outcome = run_service(
        form,
        lambda: bid_update(actor=request.user, bid_id=bid.pk, content=content, received_at=received_at(request)),
        place=lambda error: form.place_errors(error, content),
    )
    return None if outcome.ok else outcome.status


def _refused_page(request, bid, form: BidForm, status: int, refused: str):
    context = _bid_context(request, bid, form)
    context["refused"] = refused
    return render(request, f"{TEMPLATES}bid.html", context, status=status)


@login_required
def bid_page(request, pk: int):
    """A bid: its content (a form while it is a draft and the box is open), attachments, versions, requests."""
    bid = _own_bid(request, pk)
    if request.GET.get("part") == "attachments":
        return render(request, f"{TEMPLATES}_attachments.html", _bid_context(request, bid))
    status = 200
    form = None
    if request.method == "POST":
        form = _posted_form(request, bid)
        status = _save(request, bid, form)
        if status is None:
            done(request, _("Your changes are saved. The bid is not submitted until you submit it."))
            return redirect("bids:bid", pk=bid.pk)
    return render_form(request, f"{TEMPLATES}bid.html", _bid_context(request, bid, form), status)


@login_required
@require_POST
def autosave(request, pk: int):
    """The bid's form, saved as the bidder types (portal.js): the same save as the page's, answered in JSON with a
    sentence for the page's live region. A bid that is no longer a draft is not changed (409, from bid_update)."""
    bid = _own_bid(request, pk)
    form = _posted_form(request, bid)
    status = _save(request, bid, form)
    if status is None:
        moment = formats.time_format(timezone.localtime(), "H:i")
        return JsonResponse({"saved": True, "message": str(_("Saved at %(time)s") % {"time": moment})})
    reasons = [str(error) for error in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name != "__all__":
            reasons += [f"{form.fields[name].label}: {error}" for error in errors]
    message = _("Not saved: %(reason)s") % {"reason": " ".join(reasons)}
    errors = {name: [str(error) for error in errors] for name, errors in form.errors.items()}
    return JsonResponse({"saved": False, "message": str(message), "errors": errors}, status=status)


@login_required
def summary(request, pk: int):
    """The bid as it would be submitted: every part, its problems, and the confirmation that submits exactly this."""
    bid = _own_bid(request, pk)
    return render(request, f"{TEMPLATES}summary.html", _summary_context(request, bid))


def _summary_context(request, bid) -> dict:
    attachments = attachment_services.attachments_of_bid(user=request.user, bid_id=bid.pk)
    now = timezone.now()
    context = bid_summary(bid, attachments)
    context.update(
        bid=bid,
        tender=bid.tender,
        editable=bid.status == BidStatus.DRAFT and bid.tender.accepts_bids_at(now),
        submit_key=f"portal-{uuid.uuid4()}",
        now=now,
    )
    return context


@login_required
@require_POST
def submit(request, pk: int):
    """Two steps, one address. From the bid's page ("Submit the bid", the whole form): what is on the screen is
    saved, then the summary is shown to confirm; a refused save submits nothing and shows why. From the summary
    (its fingerprint of the draft): the draft is submitted if it is still what the summary showed, else 409."""
    bid = _own_bid(request, pk)
    if BID_FORM in request.POST:
        form = _posted_form(request, bid)
        status = _save(request, bid, form)
        if status is not None:
            return _refused_page(request, bid, form, status, "submit")
        done(request, _("Your changes are saved. Check the summary of your bid and confirm to submit it."))
        return redirect("bids:summary", pk=bid.pk)
    # The summary's form carries a key made when it was shown: a double click or a resent form gives the same
    # receipt.
    key = (request.POST.get("idempotency_key") or "").strip()[:200] or None
    outcome = run_service(
        None,
        lambda: bid_submit(
            actor=request.user,
            bid_id=bid.pk,
            received_at=received_at(request),
            idempotency_key=key,
            draft_sha256=(request.POST.get("draft_sha256") or "").strip()[:64],
        ),
    )
    if not outcome.ok:
        context = _summary_context(request, _own_bid(request, pk))
        context["refusal"] = outcome.error.message
        return render(request, f"{TEMPLATES}summary.html", context, status=outcome.status)
    done(request, _("Your bid is submitted. Keep the receipt."))
    return redirect("bids:receipt", pk=bid.pk, number=outcome.result.number)


@login_required
@require_POST
def withdraw(request, pk: int):
    bid = _own_bid(request, pk)
    run_and_tell(
        request,
        lambda: bid_withdraw(actor=request.user, bid_id=bid.pk, received_at=received_at(request)),
        _("Your bid is withdrawn. You can reopen it until the tender deadline."),
    )
    return redirect("bids:bid", pk=bid.pk)


@login_required
@require_POST
def reopen(request, pk: int):
    bid = _own_bid(request, pk)
    try:
        run_and_tell(
            request,
            lambda: bid_reopen(actor=request.user, bid_id=bid.pk, received_at=received_at(request)),
            _("Your bid is a draft again: change it and submit it before the deadline."),
        )
    except SubmissionsThrottled as error:
        # The API's answer (429, Retry-After), on the bid's own page with the reason.
        messages.error(request, str(error.message))
        response = render(request, f"{TEMPLATES}bid.html", _bid_context(request, bid), status=error.status_code)
        response["Retry-After"] = str(error.retry_after)
        return response
    return redirect("bids:bid", pk=bid.pk)


@login_required
def receipt(request, pk: int, number: int):
    """The receipt of a submission: when it was received, the manifest's SHA-256, and the receipt PDF."""
    bid = _own_bid(request, pk)
    version = bid.versions.filter(number=number).first()
    if version is None:
        raise NotFound()
    context = {"bid": bid, "tender": bid.tender, "version": version, "document": _receipt_of(request.user, version)}
    if request.headers.get("HX-Request"):
        return render(request, f"{TEMPLATES}_receipt_document.html", context)
    return render(request, f"{TEMPLATES}receipt.html", context)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    """Without script, the file comes in one request and is passed to the attachment services chunk by chunk,
    as the API would be called."""
    bid = _own_bid(request, pk)
    form = AttachmentForm(request.POST, request.FILES, tender=bid.tender)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("bids:bid", pk=bid.pk)
    run_and_tell(
        request,
        lambda: _attach(request, bid, form.cleaned_data),
        lambda attachment: _("The file %(name)s is attached.") % {"name": attachment.filename},
    )
    return redirect("bids:bid", pk=bid.pk)


def _attach(request, bid, data):
    """The file, passed to the attachment services chunk by chunk as the API would be called."""
    upload = data["file"]
    moment = received_at(request)
    attachment = attachment_services.attachment_start(
        actor=request.user,
        bid_id=bid.pk,
        filename=upload.name,
        size=upload.size,
        purpose=data["purpose"],
        received_at=moment,
    )
    chunk_size = int(settings.HANKINTA["ATTACHMENT_CHUNK_BYTES"])
    for number, chunk in enumerate(upload.chunks(chunk_size)):
        attachment_services.attachment_put_chunk(
            actor=request.user,
            bid_id=bid.pk,
            attachment_id=attachment.pk,
            number=number,
            data=chunk,
            received_at=moment,
        )
    attachment_services.attachment_complete(
        actor=request.user, bid_id=bid.pk, attachment_id=attachment.pk, received_at=moment
    )
    return attachment


@login_required
@require_POST
def attachment_delete(request, pk: int, attachment_id):
    """Removing a file from the bid's page (its button belongs to the bid's form) saves what is typed there first:
    if that save is refused, nothing is removed and the page shows why, with the typed values."""
    bid = _own_bid(request, pk)
    if BID_FORM in request.POST:
        form = _posted_form(request, bid, without_attachment=attachment_id)
        status = _save(request, bid, form)
        if status is not None:
            return _refused_page(request, bid, form, status, "delete")
    run_and_tell(
        request,
        lambda: attachment_services.attachment_delete(
            actor=request.user, bid_id=bid.pk, attachment_id=attachment_id, received_at=received_at(request)
        ),
        _("The attachment is removed."),
    )
    return redirect("bids:bid", pk=bid.pk)


@login_required
def secrecy(request, pk: int):
    """The authority's decision on what the bidder marked as business secrets: once the bidder was told, each part
    with the decision, the passages that stay secret, the ground and the reason, the PDF, and the date from which
    what is not kept secret may be disclosed; before, the markings awaiting the decision."""
    bid = _own_bid(request, pk)
    view = read(lambda: secrecy_review_get(user=request.user, bid_id=bid.pk))
    review = view.review
    told = review is not None and review.status == SecrecyReviewStatus.NOTIFIED
    document = None
    if review is not None and told and review.document_id:
        document = documents_visible_to(user=request.user).filter(pk=review.document_id).first()
    context = {
        "bid": bid,
        "tender": bid.tender,
        "review": review if told else None,
        "parts": view.parts,
        "document": document,
    }
    return render(request, f"{TEMPLATES}secrecy.html", context)
