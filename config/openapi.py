"""OpenAPI post-processing: every error the API can answer is described.

drf-spectacular documents the success responses it sees in the serializers; the
errors come from DRF itself (authentication, permissions, throttling, a missing
row, a filter that does not validate), so they are added here once for all
endpoints. Integrators, and schemathesis in CI, rely on no response being
undocumented.
"""
from django.utils.translation import gettext_lazy as _

ERROR = {
    "type": "object",
    "description": "An error with a human-readable message (Chinese unless the English catalogue is chosen).",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Field name → messages: which parameter or field was refused, and why.",
    "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
}

_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_VALIDATION_REF = {"$ref": "#/components/schemas/ValidationError"}


def _response(description, schema):
    return {"description": str(description), "content": {"application/json": {"schema": schema}}}


def document_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            parameters = operation.get("parameters", [])
            responses.setdefault("401", _response(_("未登录或令牌无效、已过期"), _ERROR_REF))
            responses.setdefault("403", _response(_("无权访问（角色或令牌权限范围不允许）"), _ERROR_REF))
            responses.setdefault("429", _response(_("请求过于频繁，请稍后再试"), _ERROR_REF))
            if any(p.get("in") == "path" for p in parameters):
                responses.setdefault("404", _response(_("不存在，或不在您的管辖范围内"), _ERROR_REF))
            if any(p.get("in") == "query" for p in parameters) or "requestBody" in operation:
                responses.setdefault("400", _response(_("参数或数据有误"), _VALIDATION_REF))
            if any(p.get("name") == "page" for p in parameters):
                responses.setdefault("404", _response(_("页码超出范围"), _ERROR_REF))
    return result


API_PREFIX = "/api/v1/"


def only_versioned_paths(endpoints):
    """The API is mounted twice (/api/v1/ and its alias /api/): document the versioned paths only."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]
