"""Pages of the public eligibility check (no login) and the staff list of contact requests.

The check is a plain server-rendered form posted with CSRF (POST, so what a visitor types is
not left in addresses or server logs). Every public page is rate-limited per address with
django-ratelimit (counters in the cache); over the limit a Chinese 429 page answers.
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit

from enterprises.web_auth import client_ip

from . import services
from .catalog_cache import public_catalog
from .forms import ContactForm, FollowUpForm, sections
from .models import FollowUpStatus


def _address(group, request):
    return client_ip(request)


def _page_rate(group, request):
    return settings.ELIGIBILITY_PAGE_RATE


def rate_limited(request, exception=None):
    return render(request, "eligibility/rate_limited.html", status=429)


def _limited(view):
    """Per-address limit on a public page, shared by the check and the contact form."""
    def guarded(request, *args, **kwargs):
        if getattr(request, "limited", False):
            return rate_limited(request)
        return view(request, *args, **kwargs)

    return ratelimit(group="eligibility-public", key=_address, rate=_page_rate, method=ratelimit.ALL,
                     block=False)(guarded)


@_limited
def check_page(request):
    catalog = public_catalog()
    result, contact_form = None, None
    if request.method == "POST":
        form = services.facts_form(request.POST, catalog)
        if form.is_valid():
            result = services.check(form)
            contact_form = ContactForm(initial={"jurisdiction_key": result.place_key}, catalog=catalog)
    else:
        form = services.facts_form(None, catalog)
    return render(request, "eligibility/check.html", {
        "form": form, "sections": sections(form), "result": result, "contact_form": contact_form,
        "purpose": services.CONTACT_PURPOSE})


@_limited
def contact(request):
    catalog = public_catalog()
    if request.method != "POST":
        return redirect("eligibility:check")
    form = ContactForm(request.POST, catalog=catalog)
    if form.is_valid():
        place = catalog.places_by_key[form.cleaned_data["jurisdiction_key"]]
        services.contact_request_create(form, place=place)
        return render(request, "eligibility/contact_done.html", {"place": place})
    return render(request, "eligibility/contact.html", {"contact_form": form, "purpose": services.CONTACT_PURPOSE},
                  status=400)


PAGE_SIZE = 50


@login_required
def contact_list(request):
    user = request.user
    if not services.may_read_contact_requests(user):
        raise PermissionDenied(_("只有中小企业服务中心工作人员和领导可以查看咨询登记"))
    requests = services.contact_requests_visible_to(user).select_related("handled_by")
    if request.method == "POST":
        form = FollowUpForm(request.POST, queryset=requests)
        if form.is_valid():
            services.contact_request_follow_up(user=user, request=form.cleaned_data["request"],
                                               status=form.cleaned_data["status"], note=form.cleaned_data["note"])
            messages.success(request, _("已更新跟进状态"))
            return redirect("eligibility:contacts")
        messages.error(request, "；".join(m for errors in form.errors.values() for m in errors))
    status = request.GET.get("status", "")
    if status in FollowUpStatus.values:
        requests = requests.filter(status=status)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "eligibility/contact_list.html", {
        "requests": page, "page": page, "querystring": f"status={status}" if status in FollowUpStatus.values else "",
        "statuses": FollowUpStatus.choices, "status": status,
        "may_follow_up": services.may_follow_up(user)})
