"""The OpenAPI schema and its Swagger UI, for signed-in users (settings SPECTACULAR_SETTINGS)."""
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class ApiSchemaView(SpectacularAPIView):
    """The schema; the API has one version, so a `?version=` parameter is ignored
    (drf-spectacular would copy it into the Content-Disposition header)."""

    def _get_version_parameter(self, request):
        return None


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files; its script is a separate request
    and the page has no inline style, as the Content-Security-Policy requires."""

    template_name = "api/swagger_ui.html"
