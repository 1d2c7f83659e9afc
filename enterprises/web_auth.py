"""Who may use the web pages: the login form and the rule that API clients use tokens only.

Failed logins are throttled by django-axes (settings `AXES_*`); `client_ip` is the one
place that says which address a request comes from, for axes and the API token throttle.
"""
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Role


USERNAME_MAX_LENGTH = 150  # enterprises.User.username


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address the trusted proxies saw when `TRUSTED_PROXY_COUNT` is set."""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def axes_username(request, credentials=None):
    """The username django-axes records (AXES_USERNAME_CALLABLE): what was typed, cut to the
    longest a username can be, so an absurdly long one is a failed login and not a database error."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    return username[:USERNAME_MAX_LENGTH] if isinstance(username, str) else username


class PortalAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确，请重试。"),
        "token_only": _("接口客户端账号不能登录网页，请在请求头中使用接口令牌（Authorization: Token <令牌>）访问接口。"),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.role == Role.API_CLIENT:
            raise forms.ValidationError(self.error_messages["token_only"], code="token_only")


class TokenOnlyAccountsMiddleware:
    """A session of an API-client account opens nothing (pages and session API calls answer 403).

    Such accounts cannot log in through the form; this covers sessions made any other way.
    Logging out and switching the language stay possible.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.role == Role.API_CLIENT \
                and request.path not in self._open_paths():
            return render(request, "registration/token_only.html", status=403)
        return self.get_response(request)

    @staticmethod
    def _open_paths():
        return {reverse("logout"), reverse("login"), reverse("set_language")}


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer while a username is locked out from this address (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html",
                  {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
                  status=settings.AXES_HTTP_RESPONSE_CODE)
