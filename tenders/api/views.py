"""HTTP endpoints for calls for tenders: parse, call one service or selector, render."""

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from procurement.access import roles_of
from procurement.api.schema import ErrorSerializer
from procurement.middleware import received_at
from procurement.models import ProviderOrganisation

from .. import selectors, services, tender_documents
from ..models import Tender, TenderAlert, TenderStatus
from ..tender_documents import TenderFileChange, Upload
from .serializers import (
    AmendSerializer,
    AnswerSerializer,
    AnswersPublishSerializer,
    CommentSerializer,
    FollowSerializer,
    InterestSerializer,
    InterruptionSerializer,
    QuestionAskSerializer,
    QuestionForAuthoritySerializer,
    QuestionSerializer,
    TenderDetailSerializer,
    TenderDocumentSerializer,
    TenderDocumentUploadSerializer,
    TenderSerializer,
    TenderVersionSerializer,
)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time read in UTC: PostgreSQL refuses the offsets beyond ±15:59 that Python accepts (+23:34), and
    a time that is not one in UTC (year 1 or 9999 with an offset) is invalid, not an error of the database."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class TenderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TenderStatus.choices)
    deadline_after = UtcIsoDateTimeFilter(field_name="submission_deadline", lookup_expr="gte")
    deadline_before = UtcIsoDateTimeFilter(field_name="submission_deadline", lookup_expr="lte")
    region = django_filters.CharFilter(field_name="authority__region", lookup_expr="iexact")
    municipality = django_filters.CharFilter(method="filter_municipality")
    cpv = django_filters.CharFilter(method="filter_cpv")
    bid_language = django_filters.CharFilter(method="filter_bid_language")
    q = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Tender
        fields = ["authority", "language", "status", "procedure", "is_framework"]

    def filter_municipality(self, queryset, name, value):
        return queryset.filter(lots__municipality__iexact=value).distinct()

    def filter_cpv(self, queryset, name, value):
        # A match on the JSON text works on PostgreSQL and on the embedded SQLite alike.
        return queryset.filter(Q(cpv_main=value) | Q(cpv_additional__icontains=f'"{value}"'))

    def filter_bid_language(self, queryset, name, value):
        return queryset.filter(bid_languages__icontains=f'"{value}"')

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(title_fi__icontains=value)
            | Q(title_sv__icontains=value)
            | Q(title_en__icontains=value)
            | Q(description_fi__icontains=value)
            | Q(description_sv__icontains=value)
            | Q(reference__iexact=value)
        )


def _split(validated: dict) -> tuple[dict, dict, list | None]:
    """(plain fields, children {lots, criteria, requirements}: None where not given, co-purchasers)."""
    children = {key: validated.pop(key, None) for key in services.CHILDREN}
    co_purchasers = validated.pop("co_purchasers", None)
    return validated, children, co_purchasers


def _sent(request, name: str):
    """A field of the request's body as sent, before any validation (None if the body is not an object)."""
    return request.data.get(name) if isinstance(request.data, dict) else None


# Every unsafe action checks the caller's permission before it validates the body (a `*_check` of the services), so
# that a caller who may not act is refused alike whatever the body says (tests/security/test_permission_first.py).
class TenderViewSet(viewsets.ModelViewSet):
    lookup_value_regex = r"\d+"
    filterset_class = TenderFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.tender_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return TenderSerializer
        return TenderDetailSerializer

    def _render(self, tender: Tender, status: int = 200) -> Response:
        tender = selectors.tender_detail(user=self.request.user, tender_id=tender.pk)
        return Response(TenderDetailSerializer(tender, context=self.get_serializer_context()).data, status=status)

    def retrieve(self, request, *args, **kwargs):
        tender = selectors.tender_get(user=request.user, tender_id=kwargs["pk"])
        services.tender_view_register(user=request.user, tender=tender)
        return self._render(tender)

    def create(self, request, *args, **kwargs):
        services.tender_create_check(actor=request.user, authority=_sent(request, "authority"))
        serializer = TenderSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields, children, co_purchasers = _split(dict(serializer.validated_data))
        authority = fields.pop("authority")
        tender = services.tender_create(
            actor=request.user,
            authority=authority,
            fields=fields,
            children=children,
            co_purchasers=co_purchasers,
        )
        return self._render(tender, status=201)

    def partial_update(self, request, *args, **kwargs):
        tender = services.tender_officer_check(actor=request.user, tender_id=kwargs["pk"])
        serializer = TenderSerializer(tender, data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields, children, co_purchasers = _split(dict(serializer.validated_data))
        fields.pop("authority", None)
        tender = services.tender_update(
            actor=request.user,
            tender_id=tender.pk,
            fields=fields,
            children=children,
            co_purchasers=co_purchasers,
        )
        return self._render(tender)

    @extend_schema(request=None, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit_for_approval(self, request, pk=None):
        return self._render(services.tender_submit_for_approval(actor=request.user, tender_id=pk))

    @extend_schema(request=CommentSerializer, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, pk, "approve", CommentSerializer, services.tender_approve)

    @extend_schema(request=CommentSerializer, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def return_to_draft(self, request, pk=None):
        return self._transition(request, pk, "return_to_draft", CommentSerializer, services.tender_return_to_draft)

    @extend_schema(request=None, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._render(services.tender_publish(actor=request.user, tender_id=pk))

    @extend_schema(request=None, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._render(services.tender_close(actor=request.user, tender_id=pk))

    @extend_schema(request=None, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._render(services.tender_complete(actor=request.user, tender_id=pk))

    @extend_schema(request=InterruptionSerializer, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._transition(request, pk, "cancel", InterruptionSerializer, services.tender_cancel)

    @extend_schema(request=InterruptionSerializer, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def declare_unsuccessful(self, request, pk=None):
        return self._transition(
            request, pk, "declare_unsuccessful", InterruptionSerializer, services.tender_declare_unsuccessful
        )

    def _transition(self, request, pk, action_name: str, serializer_class, service):
        """A transition with a body: the right to take it is checked before the body is read."""
        services.tender_transition_check(actor=request.user, tender_id=pk, action=action_name)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._render(service(actor=request.user, tender_id=pk, **serializer.validated_data))

    # --- questions and answers -----------------------------------------------------------------

    @extend_schema(methods=["get"], responses=QuestionSerializer(many=True))
    @extend_schema(methods=["post"], request=QuestionAskSerializer, responses={201: QuestionSerializer})
    @action(detail=True, methods=["get", "post"])
    def questions(self, request, pk=None):
        if request.method == "POST":
            services.provider_tender_check(actor=request.user, tender_id=pk, refusal=services.ASK_REFUSAL)
            serializer = QuestionAskSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            question = services.question_ask(
                actor=request.user,
                tender_id=pk,
                text=serializer.validated_data["text"],
                received_at=received_at(request),
            )
            return Response(QuestionSerializer(question).data, status=201)
        questions, for_authority = selectors.questions_for(user=request.user, tender_id=pk)
        serializer_class = QuestionForAuthoritySerializer if for_authority else QuestionSerializer
        return Response(serializer_class(questions, many=True).data)

    @extend_schema(request=AnswerSerializer, responses=QuestionForAuthoritySerializer)
    @action(detail=True, methods=["post"], url_path=r"questions/(?P<question_id>\d+)/answer")
    def answer(self, request, pk=None, question_id=None):
        services.tender_officer_check(actor=request.user, tender_id=pk)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.question_answer(
            actor=request.user, tender_id=pk, question_id=int(question_id), answer=serializer.validated_data["answer"]
        )
        return Response(QuestionForAuthoritySerializer(question).data)

    @extend_schema(request=QuestionAskSerializer, responses=QuestionForAuthoritySerializer)
    @action(detail=True, methods=["post"], url_path=r"questions/(?P<question_id>\d+)/wording")
    def wording(self, request, pk=None, question_id=None):
        """Edit the public wording of a question before its answer is published; the words as asked are kept."""
        services.tender_officer_check(actor=request.user, tender_id=pk)
        serializer = QuestionAskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.question_edit(
            actor=request.user, tender_id=pk, question_id=int(question_id), text=serializer.validated_data["text"]
        )
        return Response(QuestionForAuthoritySerializer(question).data)

    @extend_schema(request=AnswersPublishSerializer, responses={201: QuestionSerializer(many=True)})
    @action(detail=True, methods=["post"], url_path="answers/publish")
    def publish_answers(self, request, pk=None):
        services.tender_officer_check(actor=request.user, tender_id=pk)
        serializer = AnswersPublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bulletin = services.answers_publish(actor=request.user, tender_id=pk, **serializer.validated_data)
        return Response(QuestionSerializer(bulletin.questions.select_related("bulletin"), many=True).data, status=201)

    # --- corrigenda, versions and interested providers --------------------------------------

    @extend_schema(request=AmendSerializer, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        tender = services.tender_officer_check(actor=request.user, tender_id=pk)
        serializer = AmendSerializer(tender, data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        affects_bids = data.pop("affects_bids", None)
        affects_bids_reason = data.pop("affects_bids_reason", "")
        confirm = data.pop("confirm_shorter_deadline", False)
        tender_files = [
            TenderFileChange(
                action=change["action"],
                document_id=change.get("document_id"),
                kind=change.get("kind", ""),
                title_fi=change.get("title_fi"),
                title_sv=change.get("title_sv"),
                upload=Upload(change["filename"], change["content"]) if "content" in change else None,
            )
            for change in data.pop("call_files", None) or []
        ]
        fields, children, _co = _split(data)
        return self._render(
            services.tender_amend(
                actor=request.user,
                tender_id=pk,
                reason=reason,
                fields=fields,
                children=children,
                affects_bids=affects_bids,
                affects_bids_reason=affects_bids_reason,
                confirm_shorter_deadline=confirm,
                tender_files=tender_files,
            )
        )

    # --- the call's own files ---------------------------------------------------------------

    @extend_schema(
        methods=["GET"], responses=TenderDocumentSerializer(many=True), description="The call's files, withdrawn too."
    )
    @extend_schema(methods=["POST"], request=TenderDocumentUploadSerializer, responses=TenderDocumentSerializer)
    @action(detail=True, methods=["get", "post"], url_path="call-files", parser_classes=[MultiPartParser, FormParser])
    def tender_files(self, request, pk=None):
        if request.method == "GET":
            documents = tender_documents.tender_documents_for(user=request.user, tender_id=pk, include_withdrawn=True)
            return Response(TenderDocumentSerializer(documents, many=True).data)
        tender_documents.tender_document_change_check(actor=request.user, tender_id=pk)
        serializer = TenderDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = tender_documents.tender_document_add(
            actor=request.user,
            tender_id=pk,
            kind=data.get("kind", ""),
            title_fi=data.get("title_fi", ""),
            title_sv=data.get("title_sv", ""),
            upload=Upload(data["file"].name, data["file"].read()),
        )
        return Response(TenderDocumentSerializer(document).data, status=201)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"call-files/(?P<call_file_id>\d+)")
    def tender_file(self, request, pk=None, call_file_id=None):
        from ..portal.tender_files import tender_file_response

        return tender_file_response(
            tender_documents.tender_document_get(user=request.user, tender_id=pk, document_id=call_file_id)
        )

    @extend_schema(request=TenderDocumentUploadSerializer, responses=TenderDocumentSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"call-files/(?P<call_file_id>\d+)/replace",
        parser_classes=[MultiPartParser, FormParser],
    )
    def tender_file_replace(self, request, pk=None, call_file_id=None):
        tender_documents.tender_document_change_check(actor=request.user, tender_id=pk)
        serializer = TenderDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = tender_documents.tender_document_replace(
            actor=request.user,
            tender_id=pk,
            document_id=call_file_id,
            title_fi=data.get("title_fi"),
            title_sv=data.get("title_sv"),
            upload=Upload(data["file"].name, data["file"].read()),
        )
        return Response(TenderDocumentSerializer(document).data, status=201)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], url_path=r"call-files/(?P<call_file_id>\d+)/remove")
    def tender_file_remove(self, request, pk=None, call_file_id=None):
        tender_documents.tender_document_change_check(actor=request.user, tender_id=pk)
        tender_documents.tender_document_remove(actor=request.user, tender_id=pk, document_id=call_file_id)
        return Response(status=204)

    @extend_schema(responses=TenderVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        tender = selectors.tender_get(user=request.user, tender_id=pk)
        return Response(TenderVersionSerializer(tender.versions.order_by("number"), many=True).data)

    @extend_schema(request=FollowSerializer, responses=InterestSerializer)
    @action(detail=True, methods=["post"])
    def follow(self, request, pk=None):
        services.provider_tender_check(actor=request.user, tender_id=pk, refusal=services.FOLLOW_REFUSAL)
        serializer = FollowSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        interest = services.tender_follow(actor=request.user, tender_id=pk, **serializer.validated_data)
        return Response(InterestSerializer(interest).data)

    @extend_schema(responses=InterestSerializer(many=True))
    @action(detail=True, methods=["get"])
    def interested(self, request, pk=None):
        return Response(InterestSerializer(selectors.tender_interests(user=request.user, tender_id=pk), many=True).data)

    @extend_schema(request=InterruptionSerializer, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"], url_path=r"lots/(?P<lot_number>\d+)/cancel")
    def cancel_lot(self, request, pk=None, lot_number=None):
        """Cancel one lot by a decision (its PDF notified to the providers it concerns)."""
        return self._lot_interruption(request, pk, lot_number, services.lot_cancel)

    @extend_schema(request=InterruptionSerializer, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"], url_path=r"lots/(?P<lot_number>\d+)/declare-unsuccessful")
    def declare_lot_unsuccessful(self, request, pk=None, lot_number=None):
        """Find one lot unsuccessful (no acceptable bids) by a decision: after the opening, or before it when the call
        got no bids."""
        return self._lot_interruption(request, pk, lot_number, services.lot_declare_unsuccessful)

    def _lot_interruption(self, request, pk, lot_number, service):
        services.tender_officer_check(actor=request.user, tender_id=pk)
        serializer = InterruptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service(actor=request.user, tender_id=pk, lot_number=int(lot_number), **serializer.validated_data)
        return self._render(selectors.tender_get(user=request.user, tender_id=pk))


@extend_schema_serializer(component_name="CallAlert")  # the schema's name before the rename (issue 20)
class TenderAlertSerializer(serializers.ModelSerializer):
    """An alert as read, and the body that asks for one: its rules (a CPV prefix of digits, one alert per match)
    are tender_alert_create's, as in the portal, so that a duplicate is its 409 `duplicate` here too."""

    # Parsed as the portal's form parses it; tender_alert_create says what a prefix may be.
    cpv_prefix = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")

    class Meta:
        model = TenderAlert
        fields = ["id", "provider", "cpv_prefix", "authority", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # one alert per match is tender_alert_create's rule (409 `duplicate`), not a 400 here

    def get_fields(self):
        # Another organisation's alerts are not the user's to set: its id is answered as if it did not exist, with
        # the same code and sentence as an id that does not exist, so that ids cannot be probed here.
        fields = super().get_fields()
        request = self.context.get("request")
        own = roles_of(request.user).provider_of if request is not None else ()
        fields["provider"].queryset = ProviderOrganisation.objects.filter(pk__in=own)
        fields["provider"].error_messages["does_not_exist"] = _("Choose one of your own organisations.")
        return fields


class TenderAlertViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """A provider's alerts: it is told of every new call whose CPV codes (and authority) match."""

    serializer_class = TenderAlertSerializer
    queryset = TenderAlert.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TenderAlert.objects.none()
        return TenderAlert.objects.filter(provider_id__in=roles_of(self.request.user).provider_of).order_by("pk")

    @extend_schema(
        responses={
            201: TenderAlertSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The organisation has this alert already (`duplicate`)."),
        }
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        authority = data.get("authority")
        alert = services.tender_alert_create(
            actor=request.user,
            provider_id=data["provider"].pk,
            cpv_prefix=data["cpv_prefix"],
            authority_id=authority.pk if authority else None,
        )
        return Response(self.get_serializer(alert).data, status=201)

    def destroy(self, request, *args, **kwargs):
        services.tender_alert_delete(actor=request.user, alert_id=int(kwargs["pk"]))
        return Response(status=204)
