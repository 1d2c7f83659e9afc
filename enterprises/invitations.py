"""Invite the owner of an enterprise to the portal, and let them accept; the only writer of Invitation.

The token travels only in the link: 32 random bytes, of which the database keeps the
SHA-256 digest. An unknown, expired, used or revoked token is refused with one and the
same answer, so the link tells nobody which of these it is.
"""
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access
from .models import Enterprise, Invitation, Role, User

INVITATION_DAYS = 7


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invalid_message() -> str:
    return _("邀请链接无效或已过期，请联系中小企业服务中心重新邀请。")


@transaction.atomic
def invitation_create(*, user, enterprise: Enterprise, email: str = "", now=None) -> tuple[Invitation, str]:
    """A new invitation for `enterprise` and its token (shown once). Unused invitations
    made before for the enterprise are revoked: only the latest link works."""
    allowed, reason = access.can_invite_enterprise_users(user, enterprise)
    if not allowed:
        raise PermissionDenied(reason)
    now = now or timezone.now()
    for older in Invitation.objects.select_for_update().filter(enterprise=enterprise, used_at__isnull=True,
                                                               revoked_at__isnull=True):
        older.revoked_at = now
        older._history_user = user
        older.save(update_fields=["revoked_at"])
    token = secrets.token_urlsafe(32)
    invitation = Invitation(enterprise=enterprise, token_digest=_digest(token), email=(email or "").strip(),
                            created_by=user, expires_at=now + timedelta(days=INVITATION_DAYS))
    invitation._history_user = user
    invitation.full_clean()
    invitation.save()
    return invitation, token


def invitation_send(invitation: Invitation, link: str) -> bool:
    """E-mail the link to the invitation's address, if it has one."""
    if not invitation.email:
        return False
    body = _("%(name)s：\n\n中小企业服务中心为贵企业开通了小升规工作平台企业账号。请在%(until)s前打开以下链接，"
             "设置登录名和密码：\n\n%(link)s\n\n链接只能使用一次。") % {
        "name": invitation.enterprise.name, "link": link,
        "until": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")}
    send_mail(_("【小升规】企业账号邀请"), body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    return True


def invitation_for(token: str, *, now=None, lock: bool = False) -> Invitation | None:
    """The open invitation of `token`, or None (unknown, expired, used or revoked alike)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    now = now or timezone.now()
    qs = Invitation.objects.select_related("enterprise")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.filter(token_digest=_digest(token), used_at__isnull=True, revoked_at__isnull=True,
                     expires_at__gt=now).first()


def validate_new_account(*, username: str, password: str, enterprise: Enterprise):
    """The login and first password the owner chose: a free username and Django's password validators."""
    errors = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = [_("请填写登录名")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("该登录名已被使用，请换一个")]
    candidate = User(username=username, role=Role.ENTERPRISE, enterprise=enterprise)
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as error:
        errors["password1"] = error.messages
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str, now=None) -> User:
    """Open the account: a Role.ENTERPRISE user bound to the invitation's enterprise. The
    invitation is used up in the same transaction, so a link opens one account only."""
    invitation = invitation_for(token, now=now, lock=True)
    if invitation is None:
        raise ValidationError(invalid_message(), code="invalid_invitation")
    username = (username or "").strip()
    validate_new_account(username=username, password=password, enterprise=invitation.enterprise)
    account = User(username=username, role=Role.ENTERPRISE, enterprise=invitation.enterprise,
                   email=invitation.email, first_name=invitation.enterprise.name[:150])
    account.set_password(password)
    account.full_clean()
    account.save()
    invitation.used_at = now or timezone.now()
    invitation.account = account
    invitation._history_user = account
    invitation.save(update_fields=["used_at", "account"])
    return account
