"""API tokens of integration accounts (接口客户端): django-rest-knox tokens, hashed and expiring.

Only the SHA-512 digest of a key is stored; `token_key` is its first characters, shown
afterwards to tell tokens apart. Each token has a name, a scope (read or write) and an
expiry chosen when staff create it. Creation and revocation (a delete) are kept by
django-simple-history with the acting user; `enterprises.tokens` is the only writer.

Imported by `enterprises.models` so Django registers it with the app.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from simple_history.models import HistoricalRecords


class TokenScope(models.TextChoices):
    READ = "read", _("只读")
    WRITE = "write", _("读写")


class ApiToken(AbstractAuthToken):
    # Registered as part of enterprises.models (which imports it), so the history model lands there too.
    __module__ = "enterprises.models"

    name = models.CharField(_("名称"), max_length=80)
    scope = models.CharField(_("权限范围"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name} ({self.token_key}…)"

    @property
    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()

    @property
    def allows_writes(self) -> bool:
        return self.scope == TokenScope.WRITE
