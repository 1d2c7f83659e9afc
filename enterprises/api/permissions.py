"""API permissions in the defaults (settings.REST_FRAMEWORK), applied to every endpoint."""
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.settings import api_settings

from ..models import ApiToken, Role


class ApiClientsUseTokens(BasePermission):
    """An API-client account is never served on a session (TokenOnlyAccountsMiddleware covers pages)."""

    message = _("接口客户端账号只能使用接口令牌访问接口。")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.role == Role.API_CLIENT):
            return True
        return not isinstance(request.successful_authenticator, SessionAuthentication)


class TokenScopeAllowsMethod(BasePermission):
    """A read-scoped token may only read (GET, HEAD, OPTIONS); writes need a write-scoped token."""

    message = _("该令牌为只读令牌，不能修改数据。")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        return request.method in SAFE_METHODS or token.allows_writes


class RoleMayRead(BasePermission):
    """The view's `read_check(user) -> (allowed, reason)` (an access helper) decides whether the
    role reads the endpoint at all; the reason is the 403's message. Which rows are then seen is
    the queryset's business."""

    def has_permission(self, request, view):
        allowed, reason = view.read_check(request.user)
        if not allowed:
            self.message = reason
        return allowed


class RoleMayWrite(BasePermission):
    """The view's `write_check(user) -> (allowed, reason)` (an access helper) decides whether the
    role may take the write at all (403 with the reason); which rows it may write is the service's."""

    def has_permission(self, request, view):
        allowed, reason = view.write_check(request.user)
        if not allowed:
            self.message = reason
        return allowed


def with_role_check(*extra):
    """The default permission classes (settings.REST_FRAMEWORK) followed by `extra`."""
    return [*api_settings.DEFAULT_PERMISSION_CLASSES, *extra]
