"""Token authentication for API clients: django-rest-knox keys (hashed, expiring).

Only accounts with the API-client role authenticate with a token. Repeated wrong keys
from one address are refused for a while (429), like failed logins are by django-axes.
"""
import binascii
from hmac import compare_digest

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from ..models import Role
from ..web_auth import client_ip


def _failures_key(request) -> str:
    return f"api-token-failures:{client_ip(request)}"


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; the token (scope, name) is `request.auth`."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.authenticate_header(request).lower().encode():
            return None
        limit, window = settings.API_TOKEN_FAILURE_LIMIT, settings.API_TOKEN_FAILURE_WINDOW
        key = _failures_key(request)
        if cache.get(key, 0) >= limit:
            raise exceptions.Throttled(wait=window, detail=gettext("错误令牌尝试过多，请稍后再试。"))
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            cache.add(key, 0, window)
            cache.incr(key)
            raise

    def authenticate_credentials(self, token):
        """knox's lookup, with the account's jurisdiction read in the same query (every scoped read
        needs it) and only the presented token's expiry checked (see _cleanup_token)."""
        msg = _("令牌无效。")
        token = token.decode("utf-8")
        for auth_token in get_token_model().objects.filter(
                token_key=token[:CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user__jurisdiction"):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg)
            if compare_digest(digest, auth_token.digest):
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

    def _cleanup_token(self, auth_token) -> bool:
        """An expired token is deleted when it is presented (as knox does) and refused. knox also
        reads every other token of the account on every request to delete the expired ones: a
        query per request for bookkeeping (issue 14); those go when they are presented."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if user.role != Role.API_CLIENT:
            raise exceptions.AuthenticationFailed(_("只有接口客户端账号可以使用令牌。"))
        return user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": gettext(
                "接口令牌：请求头 Authorization: Token <令牌>。令牌由中小企业服务中心工作人员在“接口令牌”页面为接口客户端账号创建，"
                "有名称、权限范围（只读或读写）和有效期（最长 %(max)s 天）；只读令牌不能发出写请求。"
            ) % {"max": settings.API_TOKEN_MAX_DAYS},
        }
