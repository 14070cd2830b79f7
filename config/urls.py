"""Top-level URLs: the API under /api/v1/, its schema and docs, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from bids.api.views import BidViewSet
from documents import urls as documents_urls
from documents.api import EvidenceBundleView, GeneratedDocumentViewSet
from evaluation import api as evaluation_api
from evaluation import (
    api_access_requests,
    api_call_offs,
    api_claims,
    api_corrections,
    api_frameworks,
    api_mini_competitions,
    api_public,
    api_transfer,
)
from evaluation.portal import call_offs as call_offs_portal
from evaluation.portal import mini_competitions as mini_competition_pages
from procurement.api.auth import SignOutView, TokenDetailView, TokenListView, TokenView
from procurement.api.views import (
    AuditEventViewSet,
    ContractingAuthorityViewSet,
    InvitationAcceptView,
    MeView,
    NotificationResendView,
    NotificationViewSet,
    ProviderOrganisationViewSet,
    ProviderRegisterView,
    SecurityEventViewSet,
    TenderNotificationsView,
)
from procurement.views import admin_sign_in
from tenders.api import notices as tender_notices
from tenders.api.views import TenderAlertViewSet, TenderViewSet
from tenders.portal import records as tender_records

router = DefaultRouter()
router.register("authorities", ContractingAuthorityViewSet, basename="authority")
router.register("providers", ProviderOrganisationViewSet, basename="provider")
router.register("tenders", TenderViewSet, basename="tender")
router.register("bids", BidViewSet, basename="bid")
router.register("documents", GeneratedDocumentViewSet, basename="document")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("alerts", TenderAlertViewSet, basename="alert")
router.register("audit/events", AuditEventViewSet, basename="audit-event")
router.register("audit/security-events", SecurityEventViewSet, basename="security-event")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/sign-out/", SignOutView.as_view(), name="auth-sign-out"),
    path("auth/tokens/", TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<uuid:token_id>/", TokenDetailView.as_view(), name="auth-token-detail"),
    path("me/", MeView.as_view(), name="me"),
    path("providers/register/", ProviderRegisterView.as_view(), name="provider-register"),
    path("invitations/accept/", InvitationAcceptView.as_view(), name="invitation-accept"),
    path("tenders/<int:pk>/open/", evaluation_api.TenderOpenView.as_view(), name="tender-open"),
    path("tenders/<int:pk>/bids/", evaluation_api.TenderBidsView.as_view(), name="tender-bids"),
    path("tenders/<int:pk>/bid_count/", evaluation_api.TenderBidCountView.as_view(), name="tender-bid-count"),
    path("tenders/<int:pk>/panel/", evaluation_api.TenderPanelView.as_view(), name="tender-panel"),
    path("tenders/<int:pk>/declaration/", evaluation_api.TenderDeclarationView.as_view(), name="tender-declaration"),
    path(
        "tenders/<int:pk>/qualification/", evaluation_api.TenderQualificationView.as_view(), name="tender-qualification"
    ),
    path(
        "tenders/<int:pk>/scores/individual/",
        evaluation_api.TenderIndividualScoresView.as_view(),
        name="tender-scores-individual",
    ),
    path("tenders/<int:pk>/requests/", evaluation_api.TenderRequestsView.as_view(), name="tender-requests"),
    path(
        "tenders/<int:pk>/abnormally_low/",
        evaluation_api.TenderAbnormallyLowView.as_view(),
        name="tender-abnormally-low",
    ),
    path(
        "tenders/<int:pk>/offers/<int:offer_id>/reject/", evaluation_api.OfferRejectView.as_view(), name="offer-reject"
    ),
    path(
        "tenders/<int:pk>/offers/<int:offer_id>/reject-nonconforming/",
        evaluation_api.OfferRejectNonconformingView.as_view(),
        name="offer-reject-nonconforming",
    ),
    path("tenders/<int:pk>/evidence/", EvidenceBundleView.as_view(), name="tender-evidence"),
    path(
        "tenders/<int:pk>/archive-package/",
        api_transfer.TenderArchivePackageView.as_view(),
        name="tender-archive-package",
    ),
    path("tenders/<int:pk>/scores/", evaluation_api.TenderScoresView.as_view(), name="tender-scores"),
    path("tenders/<int:pk>/evaluate/", evaluation_api.TenderEvaluateView.as_view(), name="tender-evaluate"),
    path("tenders/<int:pk>/results/", evaluation_api.TenderResultsView.as_view(), name="tender-results"),
    path("tenders/<int:pk>/results/xlsx/", evaluation_api.TenderResultsXlsxView.as_view(), name="tender-results-xlsx"),
    path("tenders/<int:pk>/propose/", evaluation_api.TenderProposeView.as_view(), name="tender-propose"),
    path("tenders/<int:pk>/lots/<int:lot_number>/draw/", evaluation_api.LotDrawView.as_view(), name="lot-draw"),
    path(
        "tenders/<int:pk>/lots/<int:lot_number>/draw/confirm/",
        evaluation_api.LotDrawConfirmView.as_view(),
        name="lot-draw-confirm",
    ),
    path("tenders/<int:pk>/decide/", evaluation_api.TenderDecideView.as_view(), name="tender-decide"),
    # Corrections of the decision and its editions (issue 23).
    path("tenders/<int:pk>/corrections/", api_corrections.TenderCorrectionsView.as_view(), name="tender-corrections"),
    path("claims/<int:pk>/correct/", api_corrections.ClaimCorrectView.as_view(), name="claim-correct"),
    path(
        "tenders/<int:pk>/offers/<int:offer_id>/reinstate/",
        api_corrections.OfferRejectionWithdrawView.as_view(),
        name="offer-reinstate",
    ),
    path(
        "tenders/<int:pk>/decision/editions/",
        api_corrections.DecisionEditionsView.as_view(),
        name="tender-decision-editions",
    ),
    path("tenders/<int:pk>/notifications/", TenderNotificationsView.as_view(), name="tender-notifications"),
    path("notifications/<int:pk>/resend/", NotificationResendView.as_view(), name="notification-resend"),
    path("tenders/<int:pk>/contracts/", evaluation_api.TenderContractsView.as_view(), name="tender-contracts"),
    path("contracts/<int:pk>/appeals/", evaluation_api.ContractAppealsView.as_view(), name="contract-appeals"),
    path(
        "contracts/<int:pk>/appeals/<int:appeal_id>/resolve/",
        evaluation_api.AppealResolveView.as_view(),
        name="contract-appeal-resolve",
    ),
    path(
        "contracts/<int:pk>/liability-documents/",
        evaluation_api.ContractLiabilityView.as_view(),
        name="contract-liability-documents",
    ),
    path("contracts/<int:pk>/clear/", evaluation_api.ContractClearView.as_view(), name="contract-clear"),
    path("contracts/<int:pk>/sign/", evaluation_api.ContractSignView.as_view(), name="contract-sign"),
    path("frameworks/<int:pk>/orders/", api_call_offs.FrameworkOrdersView.as_view(), name="framework-orders"),
    path("orders/", api_call_offs.OrdersView.as_view(), name="orders"),
    path("orders/<int:pk>/", api_call_offs.OrderView.as_view(), name="order"),
    path("orders/<int:pk>/accept/", api_call_offs.OrderAcceptView.as_view(), name="order-accept"),
    path("orders/<int:pk>/decline/", api_call_offs.OrderDeclineView.as_view(), name="order-decline"),
    path("orders/<int:pk>/skip/", api_call_offs.OrderSkipView.as_view(), name="order-skip"),
    path("orders/<int:pk>/cancel/", api_call_offs.OrderCancelView.as_view(), name="order-cancel"),
    *tender_notices.urlpatterns,
    *api_claims.urlpatterns,
    *api_access_requests.urlpatterns,
    path("ocds/releases/", evaluation_api.OcdsReleasesView.as_view(), name="ocds-releases"),
    path("ocds/releases/<str:ocid>/", evaluation_api.OcdsTenderReleasesView.as_view(), name="ocds-tender-releases"),
    path("ocds/records/", evaluation_api.OcdsRecordsView.as_view(), name="ocds-records"),
    path("ocds/records/<str:ocid>/", evaluation_api.OcdsRecordView.as_view(), name="ocds-record"),
    path("public/tenders/", api_public.PublicTendersView.as_view(), name="public-tenders"),
    path("public/tenders/<int:pk>/", api_public.PublicTenderView.as_view(), name="public-tender"),
    path(
        "frameworks/<int:pk>/mini-competitions/",
        api_mini_competitions.FrameworkMiniCompetitionsView.as_view(),
        name="framework-mini-competitions",
    ),
    path("tenders/<int:pk>/notices/award/", evaluation_api.TenderAwardNoticeView.as_view(), name="tender-award-notice"),
    path("frameworks/", api_frameworks.FrameworkListView.as_view(), name="frameworks"),
    path("frameworks/<int:pk>/", api_frameworks.FrameworkDetailView.as_view(), name="framework-detail"),
    path("frameworks/<int:pk>/export.xlsx", api_frameworks.FrameworkXlsxView.as_view(), name="framework-xlsx"),
    path(
        "frameworks/<int:pk>/options/<int:option_id>/decide/",
        api_frameworks.FrameworkOptionDecideView.as_view(),
        name="framework-option-decide",
    ),
    path(
        "frameworks/<int:pk>/members/<int:member_id>/leave/",
        api_frameworks.FrameworkMemberLeaveView.as_view(),
        name="framework-member-leave",
    ),
    path(
        "frameworks/<int:pk>/members/replace/",
        api_frameworks.FrameworkMemberReplaceView.as_view(),
        name="framework-member-replace",
    ),
    path(
        "frameworks/<int:pk>/members/<int:member_id>/capacity/",
        api_frameworks.FrameworkMemberCapacityView.as_view(),
        name="framework-member-capacity",
    ),
    path(
        "frameworks/<int:pk>/price-adjustments/",
        api_frameworks.FrameworkPriceAdjustView.as_view(),
        name="framework-price-adjust",
    ),
    path("frameworks/<int:pk>/terminate/", api_frameworks.FrameworkTerminateView.as_view(), name="framework-terminate"),
    path("", include("bids.api.attachment_urls")),
    path("", include(router.urls)),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # The admin's own sign-in page would be a second door, outside the sign-in throttle and the failure records:
    # it sends to the portal's (procurement.views.admin_sign_in).
    path("admin/login/", admin_sign_in, name="admin-sign-in"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The portal: server-rendered pages calling the same services as the API.
    path("calls/", include("tenders.urls")),
    path("bids/", include("bids.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("public/calls/", include("evaluation.portal.public_procedure")),  # the public records, no sign-in
    path("frameworks/", include("evaluation.portal.frameworks")),
    path(
        "frameworks/<int:pk>/mini-competitions/new/",
        mini_competition_pages.mini_competition_new,
        name="mini-competition-new",
    ),
    # The records: the documents' own pages and a call's (tenders.portal.records), under one namespace.
    path("records/", include(([*documents_urls.urlpatterns, *tender_records.urlpatterns], documents_urls.app_name))),
    # Call-off orders: the officers' under /frameworks/, the providers' under /orders/.
    path("", include((call_offs_portal.urlpatterns, call_offs_portal.app_name))),
    # Requests for documents: the signed-in pages, and those without an account (evaluation.portal.access_public).
    path("", include("evaluation.portal.access_requests")),
    path("", include("evaluation.portal.access_public")),
    path("", include("procurement.urls")),
]

# A URL that matches no route: under /api/ the API's JSON error (code not_found), elsewhere Django's page.
handler404 = "procurement.api.errors.page_not_found"
