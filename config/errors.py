"""Error pages: the API answers in JSON even for an address no route matches, so an
integrator never has to parse an HTML page (and the schema's 404 holds), in the API's one
error format (config/api_errors.py)."""
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from .api_errors import one_error


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(one_error(_("未找到。"), "not_found"), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(one_error(_("服务器内部错误。"), "server_error"), status=500)
    return defaults.server_error(request)
