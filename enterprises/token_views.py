"""API tokens in the portal: SME-center staff list the API-client accounts of their
subtree, create a token (the key is shown once) and revoke tokens. Accounts outside
the subtree answer 404, exactly like missing ones; other roles get 403."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import access, tokens
from .models import ApiToken, TokenScope


def navigation(request):
    """Context processor: whether the navigation shows the token page."""
    user = getattr(request, "user", None)
    return {"can_manage_api_tokens": bool(user is not None and access.can_manage_api_tokens(user)[0])}


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=80,
                           help_text=gettext_lazy("用途或调用方，例如“市数据平台每日同步”"))
    scope = forms.ChoiceField(label=gettext_lazy("权限范围"), choices=TokenScope.choices, initial=TokenScope.READ,
                              widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"] = forms.IntegerField(
            label=_("有效期（天）"), min_value=1, max_value=settings.API_TOKEN_MAX_DAYS,
            initial=settings.API_TOKEN_DEFAULT_DAYS, help_text=_("最长 %(max)s 天") % {"max": settings.API_TOKEN_MAX_DAYS})


def _require_manager(user):
    allowed, reason = access.can_manage_api_tokens(user)
    if not allowed:
        raise PermissionDenied(reason)


@login_required
def token_list(request):
    _require_manager(request.user)
    clients = access.api_clients_visible_to(request.user).select_related("jurisdiction").order_by("username")
    by_client = {}
    for token in tokens.tokens_of(clients):
        by_client.setdefault(token.user_id, []).append(token)
    return render(request, "enterprises/tokens.html", {
        "clients": [(client, by_client.get(client.pk, [])) for client in clients],
        "events": tokens.token_events(clients),
        "revoked": tokens.REVOKED,
    })


@never_cache
@login_required
def token_create(request, user_pk):
    _require_manager(request.user)
    client = get_object_or_404(access.api_clients_visible_to(request.user), pk=user_pk)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = tokens.token_create(user=request.user, client=client, name=form.cleaned_data["name"],
                                             scope=form.cleaned_data["scope"], days=form.cleaned_data["days"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            # Rendered, not redirected: the key exists only in this response.
            return render(request, "enterprises/tokens_created.html", {"client": client, "token": token, "key": key})
    return render(request, "enterprises/tokens_new.html", {"client": client, "form": form})


@require_POST
@login_required
def token_revoke(request, user_pk, token_key):
    _require_manager(request.user)
    client = get_object_or_404(access.api_clients_visible_to(request.user), pk=user_pk)
    found = list(ApiToken.objects.filter(user=client, token_key=token_key))
    if not found:
        raise Http404
    for token in found:
        tokens.token_revoke(user=request.user, token=token)
    messages.success(request, _("已吊销令牌“%(name)s”（%(prefix)s…）") % {"name": found[0].name, "prefix": token_key})
    return redirect("tokens:list")
