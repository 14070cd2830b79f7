"""HTTP endpoints of a call's notices in Hilma: the list, one notice, its XML, making it anew and sending it."""

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.fsm import allowed_actions

from .. import notice_sending, notices
from ..models import Notice


class NoticeSerializer(serializers.ModelSerializer[Notice]):
    findings = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        read_only=True,
        help_text="What the last check found: each with its rule, severity, message, field, path and source.",
    )
    rejection = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        read_only=True,
        help_text="Hilma's or TED's reasons: each with its source (hilma, ted), message, field and rule.",
    )
    sent = serializers.SerializerMethodField(help_text="False while the notice has not gone to Hilma.")
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "subtype",
            "notice_uuid",
            "version",
            "tender_version",
            "languages",
            "state",
            "findings",
            "checked_at",
            "sha256",
            "ets_identifier",
            "hilma_state",
            "ted_state",
            "hilma_number",
            "ted_number",
            "published_on",
            "rejection",
            "sent_at",
            "attempts",
            "last_error",
            "next_poll_at",
            "sent",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_sent(self, notice: Notice) -> bool:
        return notice.sent_at is not None

    def get_allowed_actions(self, notice: Notice) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        # The officer's one action here: "send" (the transition `queue`), again after a correction.
        return ["send"] if "queue" in allowed_actions(notice, request.user, "state") else []


def notice_render(request: Request, notice: Notice, status: int = 200) -> Response:
    return Response(NoticeSerializer(notice, context={"request": request}).data, status=status)


class TenderNoticesView(APIView):
    @extend_schema(responses=NoticeSerializer(many=True), summary="The call's notices in Hilma (the authority's side)")
    def get(self, request: Request, pk: int) -> Response:
        notices = notice_sending.notices_for(user=request.user, tender_id=pk)
        return Response(NoticeSerializer(notices, many=True, context={"request": request}).data)


class TenderNoticeView(APIView):
    @extend_schema(responses=NoticeSerializer, summary="One notice: its state, findings, Hilma's number and reasons")
    def get(self, request: Request, pk: int, notice_id: int) -> Response:
        return notice_render(request, notice_sending.notice_for(user=request.user, tender_id=pk, notice_id=notice_id))


class TenderNoticeXmlView(APIView):
    @extend_schema(
        responses={(200, "application/xml"): OpenApiResponse(description="The notice's eForms XML")},
        summary="The notice's eForms XML",
    )
    def get(self, request: Request, pk: int, notice_id: int) -> HttpResponse:
        notice = notice_sending.notice_xml_read(user=request.user, tender_id=pk, notice_id=notice_id)
        return notice_xml_response(notice)


class TenderNoticeSendView(APIView):
    @extend_schema(
        request=None,
        responses=NoticeSerializer,
        summary="Send a valid notice to Hilma (queued; without Hilma configured it stays valid, marked unsent)",
    )
    def post(self, request: Request, pk: int, notice_id: int) -> Response:
        notice_sending.notice_send_check(actor=request.user, tender_id=pk, notice_id=notice_id)
        notice = notice_sending.notice_send(actor=request.user, notice_id=notice_id, tender_id=pk)
        return notice_render(request, notice)


class TenderNoticePrepareView(APIView):
    @extend_schema(
        request=None,
        responses=NoticeSerializer,
        summary="Make the call's notice (or its change notice) from its data and check it; kept whatever it finds",
    )
    def post(self, request: Request, pk: int) -> Response:
        return notice_render(request, notices.notice_prepare(actor=request.user, tender_id=pk))


def notice_xml_response(notice: Notice) -> HttpResponse:
    response = HttpResponse(notice.xml.encode("utf-8"), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="notice-{notice.subtype}-{notice_file_stem(notice)}.xml"'
    return response


def notice_file_stem(notice: Notice) -> str:
    return f"{notice.notice_uuid}-{notice.version:02d}"


urlpatterns = [
    path("tenders/<int:pk>/notices/prepare/", TenderNoticePrepareView.as_view(), name="tender-notice-prepare"),
    path("tenders/<int:pk>/notices/", TenderNoticesView.as_view(), name="tender-notices"),
    path("tenders/<int:pk>/notices/<int:notice_id>/", TenderNoticeView.as_view(), name="tender-notice"),
    path("tenders/<int:pk>/notices/<int:notice_id>/xml/", TenderNoticeXmlView.as_view(), name="tender-notice-xml"),
    path("tenders/<int:pk>/notices/<int:notice_id>/send/", TenderNoticeSendView.as_view(), name="tender-notice-send"),
]
