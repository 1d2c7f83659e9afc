"""Issue and revoke the API tokens of integration accounts; the only writer of ApiToken.

Keys are django-rest-knox keys: only the digest is stored, so a key is seen once, on
the page that created it. Each token has a name, a scope (read or write) and an expiry
of at most `API_TOKEN_MAX_DAYS` days. simple-history keeps who created and who revoked
each token (a revocation is a delete with the change reason "revoked"; knox deletes
expired tokens itself, without a user).
"""
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from . import access
from .models import ApiToken, Role, TokenScope, User

REVOKED = "revoked"


def _require(check: tuple[bool, str]):
    allowed, reason = check
    if not allowed:
        raise PermissionDenied(reason)


def _issue(*, client: User, name: str, scope: str, days: int, by: User | None) -> tuple[ApiToken, str]:
    if client.role != Role.API_CLIENT:
        raise ValidationError(_("只能为接口客户端账号创建令牌"))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌名称")})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("权限范围无效")})
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": _("有效期须在 1 至 %(max)s 天之间") % {"max": settings.API_TOKEN_MAX_DAYS}})
    digest, key = get_digest_token()
    token = ApiToken(digest=digest, token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH], user=client, name=name, scope=scope,
                     expiry=timezone.now() + timedelta(days=days), created_by=by)
    token._history_user = by
    token.save(force_insert=True)
    return token, key


@transaction.atomic
def token_create(*, user, client: User, name: str, scope: str = TokenScope.READ,
                 days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for an API client in the user's subtree; returns it and its key (shown once)."""
    _require(access.can_manage_api_tokens(user))
    if not access.api_clients_visible_to(user).filter(pk=client.pk).exists():
        raise PermissionDenied(_("该接口账号不在您的管辖范围内"))
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    return _issue(client=client, name=name, scope=scope, days=days, by=user)


@transaction.atomic
def token_revoke(*, user, token: ApiToken) -> None:
    """Delete the token at once; its history row keeps who revoked it and when."""
    _require(access.can_manage_api_tokens(user))
    if not access.api_clients_visible_to(user).filter(pk=token.user_id).exists():
        raise PermissionDenied(_("该接口账号不在您的管辖范围内"))
    token._history_user = user
    token._change_reason = REVOKED
    token.delete()


def tokens_of(clients) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user__in=clients).select_related("user", "created_by")
                .order_by("user__username", "-created"))


def token_events(clients, limit: int = 50):
    """Creations and removals of the clients' tokens, newest first, with the acting user."""
    return (ApiToken.history.filter(user__in=clients).select_related("history_user")
            .order_by("-history_date", "-history_id")[:limit])


# -- the demo (scripts/demo) -------------------------------------------------------

DEMO_TOKEN_NAME = "演示令牌"


@transaction.atomic
def demo_token_reissue(client: User, by: User | None) -> str:
    """Revoke the previous demo token of `client` and issue a fresh read token; returns its key."""
    for old in ApiToken.objects.filter(user=client, name=DEMO_TOKEN_NAME):
        old._history_user = by
        old._change_reason = REVOKED
        old.delete()
    _token, key = _issue(client=client, name=DEMO_TOKEN_NAME, scope=TokenScope.READ,
                         days=settings.API_TOKEN_DEFAULT_DAYS, by=by)
    return key
