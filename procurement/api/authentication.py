"""API token authentication: django-rest-knox's, with an idle limit and the token's last use on record."""

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.settings import knox_settings


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`. Each use moves the token's expiry to API_TOKEN_IDLE from now, but never
    beyond API_TOKEN_LIFETIME after its sign-in; an expired token is deleted when it is next presented."""

    def _cleanup_token(self, auth_token) -> bool:
        # Only the token presented, so that a request costs one query: knox would also read the user's other
        # tokens every time. The others are deleted when they are presented, when their user signs in, and by
        # the daily purge (procurement.tokens.api_tokens_purge).
        if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
            auth_token.delete()
            return True
        return False

    def renew_token(self, auth_token) -> None:
        # The use is written at most once per MIN_REFRESH_INTERVAL (a minute), with the expiry it moves: a token
        # therefore expires between API_TOKEN_IDLE minus a minute and API_TOKEN_IDLE after its last use.
        now = timezone.now()
        last = auth_token.last_used_at or auth_token.created
        if (now - last).total_seconds() < knox_settings.MIN_REFRESH_INTERVAL:
            return
        auth_token.last_used_at = now
        auth_token.expiry = min(now + knox_settings.TOKEN_TTL, auth_token.created + knox_settings.AUTO_REFRESH_MAX_TTL)
        type(auth_token).objects.filter(pk=auth_token.pk).update(
            last_used_at=auth_token.last_used_at, expiry=auth_token.expiry
        )
