"""What the kernel asks of the apps above it (see procurement.hooks): the kernel must not import the calls for
tenders, the bids, the documents or the evaluation; where it needs to know something only they know (is a call
opened yet, which documents an e-mail carries, what waits for a user), it calls a hook here, and the app that knows
provides the function in its `hooks` module (tenders.hooks, documents.hooks, evaluation.hooks)."""

from .hooks import Hook

# ---- Provided by the calls for tenders (tenders.hooks) ---------------------------------------------------------------

tenders_unopened = Hook("tenders_unopened", "() -> a values('pk') queryset of the calls whose bids are not opened.")
tenders_of_authorities = Hook(
    "tenders_of_authorities", "(authority_ids) -> a values('pk') queryset of these authorities' calls."
)
tenders_in_bulk = Hook("tenders_in_bulk", "(ids) -> {pk: call, with its authority} of the calls that exist.")
tender_readable = Hook(
    "tender_readable", "(*, user, tender_id) -> the call, if this user may see it; else raises NotFound."
)
tender_followers = Hook(
    "tender_followers", "(tender_id, provider_ids) -> the set of those providers who openly follow the call."
)
tender_followed_before = Hook(
    "tender_followed_before",
    "() -> a queryset for Exists(): the call (OuterRef tender_id) openly followed by the provider (OuterRef "
    "provider_id) at the moment OuterRef created_at.",
)

# ---- Provided by the documents (documents.hooks) ---------------------------------------------------------------------

documents_for_email = Hook(
    "documents_for_email", "(ids) -> (the documents, by kind and pk; whether every one of them is ready)."
)
documents_readable = Hook("documents_readable", "(*, user, ids) -> whether this user may read each of these documents.")

# ---- Provided by the evaluation (evaluation.hooks) -------------------------------------------------------------------

worklist = Hook("worklist", "(user) -> the tasks that wait for this official (their inbox and dashboard).")
