"""Token sign-in for API clients; a failed sign-in is answered without saying which part was wrong."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import JsonResponse
from django.shortcuts import render
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
from procurement.securitylog import login_failure_record


class LoginThrottle(AnonRateThrottle):
    scope = "login"


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) to a sign-in for a username that failed too often from this
    address: 429 with a stable code, in the API's JSON or on the portal's error page, and on record."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    message = _("Too many failed sign-ins for this username from your address. Try again in %(minutes)s minutes.") % {
        "minutes": minutes
    }
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    audit_record(
        action="auth.locked_out",
        detail={"username": str(username)[:150], "channel": "api" if request.path.startswith("/api/") else "portal"},
        denied=True,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "locked_out", "detail": str(message)}, status=429)
    else:
        response = render(
            request, "portal/error.html", {"status": 429, "code": "locked_out", "message": message}, status=429
        )
    response["Retry-After"] = str(minutes * 60)
    return response


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
        # Django's own request, so that django-axes can mark a locked-out username for its middleware.
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            login_failure_record(
                username=serializer.validated_data["username"],
                channel="api",
                ip_address=request.META.get("REMOTE_ADDR"),
            )
            raise InvalidCredentials()
        # A sign-in like the portal's: the last login is recorded, and django-axes starts its count again.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        audit_record(action="auth.token_issued", actor=user, ip_address=request.META.get("REMOTE_ADDR"))
        return Response({"token": token.key})
