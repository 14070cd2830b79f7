"""Token sign-in and sign-out for API clients, and a user's own tokens; a failed sign-in is answered without saying
which part was wrong."""

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.signals import user_logged_in
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from procurement.clientip import client_ip
from procurement.errors import DomainError
from procurement.models import ApiToken
from procurement.securitylog import lockout_record, login_failure_record
from procurement.tokens import api_token_issue, api_token_revoke, api_tokens_of, api_tokens_revoke_all


class ClientAddressMixin:
    """A throttle that counts per client address as `procurement.clientip` takes it (DRF's own reading would take
    the whole X-Forwarded-For header, which a client writes as it likes, as the address)."""

    def get_ident(self, request):
        return client_ip(request) or ""


class LoginThrottle(ClientAddressMixin, AnonRateThrottle):
    scope = "login"


class PasswordResetThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Requests for a password reset e-mail, per address, signed in or not: no mailbox is flooded from one place."""

    scope = "password_reset"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) to a sign-in for a username that failed too often from this
    address: 429 with a stable code, in the API's JSON or on the portal's error page, and on record."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    message = _("Too many failed sign-ins for this username from your address. Try again in %(minutes)s minutes.") % {
        "minutes": minutes
    }
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    lockout_record(
        request=request, username=str(username), channel="api" if request.path.startswith("/api/") else "portal"
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
        responses={
            200: inline_serializer(
                "TokenResponse",
                {
                    "token": serializers.CharField(),
                    "id": serializers.UUIDField(),
                    "expiry": serializers.DateTimeField(),
                },
            )
        },
        summary="Exchange a username and password for a new API token",
        description="Each sign-in gives a token of its own. It expires after API_TOKEN_IDLE_MINUTES without use "
        "(each use moves `expiry` forward) and API_TOKEN_LIFETIME_HOURS after the sign-in; signing out, a new "
        "password and deactivation revoke it.",
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
                ip_address=client_ip(request),
                request=request._request,
            )
            raise InvalidCredentials()
        # A sign-in like the portal's: the last login is recorded, and django-axes starts its count again.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, key = api_token_issue(
            user=user, user_agent=request.META.get("HTTP_USER_AGENT", ""), ip_address=client_ip(request)
        )
        return Response({"token": key, "id": str(token.public_id), "expiry": token.expiry})


class SignOutView(APIView):
    @extend_schema(
        request=None,
        responses={204: None},
        summary="Sign out: with a token, that token stops working; with the portal's session, the session and every "
        "API token of the user end, as the portal's own sign-out does",
    )
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            api_token_revoke(
                actor=request.user, token_id=request.auth.public_id, reason="sign_out", ip_address=client_ip(request)
            )
        else:  # signed in with the portal's session: the same as the portal's sign-out (procurement.views.LogoutView)
            api_tokens_revoke_all(
                user=request.user, reason="sign_out", actor=request.user, ip_address=client_ip(request)
            )
            logout(request._request)
        return Response(status=204)


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    prefix = serializers.SerializerMethodField(help_text="The first characters of the token, to recognise it by.")
    expires_at_latest = serializers.SerializerMethodField(help_text="When it expires however much it is used.")
    current = serializers.SerializerMethodField(help_text="Whether this request was signed with it.")

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "prefix",
            "created",
            "last_used_at",
            "expiry",
            "expires_at_latest",
            "user_agent",
            "ip_address",
            "current",
        ]
        read_only_fields = fields

    def get_prefix(self, token) -> str:
        return token.token_key[:8]

    def get_expires_at_latest(self, token) -> str:
        return serializers.DateTimeField().to_representation(token.created + settings.API_TOKEN_LIFETIME)

    def get_current(self, token) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class TokenListView(APIView):
    """The signed-in user's own API tokens, which they may revoke one by one or all at once."""

    @extend_schema(responses=ApiTokenSerializer(many=True), summary="Your own API tokens that still work")
    def get(self, request):
        tokens = api_tokens_of(user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)

    @extend_schema(
        request=None,
        responses={204: None},
        operation_id="v1_auth_tokens_revoke_all",
        summary="Revoke all your API tokens (sign out everywhere)",
    )
    def delete(self, request):
        api_tokens_revoke_all(
            user=request.user, reason="revoked_by_user", actor=request.user, ip_address=client_ip(request)
        )
        return Response(status=204)


class TokenDetailView(APIView):
    @extend_schema(
        request=None,
        responses={204: None},
        operation_id="v1_auth_tokens_revoke",
        summary="Revoke one of your API tokens",
    )
    def delete(self, request, token_id):
        api_token_revoke(actor=request.user, token_id=token_id, reason="revoked_by_user", ip_address=client_ip(request))
        return Response(status=204)
