"""Token sign-in for API clients; a failed sign-in is answered without saying which part was wrong."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from procurement.audit import audit_record
from procurement.errors import DomainError


class LoginThrottle(AnonRateThrottle):
    scope = "login"


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class InvalidCredentials(DomainError):
    status_code = 400
    default_code = "invalid_credentials"
    default_message = _("The username or password is wrong.")


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        summary="Exchange a username and password for an API token",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request, username=serializer.validated_data["username"], password=serializer.validated_data["password"]
        )
        if user is None:
            audit_record(
                action="auth.login_failed",
                detail={"username": serializer.validated_data["username"][:150]},
                denied=True,
                ip_address=request.META.get("REMOTE_ADDR"),
            )
            raise InvalidCredentials()
        token, _created = Token.objects.get_or_create(user=user)
        audit_record(action="auth.token_issued", actor=user, ip_address=request.META.get("REMOTE_ADDR"))
        return Response({"token": token.key})
