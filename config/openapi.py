"""OpenAPI post-processing: every error the API can answer is described.

drf-spectacular documents the success responses it sees in the serializers; the
errors come from DRF itself (authentication, permissions, throttling, a missing
row, a filter that does not validate), so they are added here once for all
endpoints, each with the one error body (config/api_errors.py) and an English description.
Integrators, and schemathesis in CI, rely on no response being undocumented.
"""
ERROR_ITEM = {
    "type": "object",
    "description": "One error: which field, a stable machine code, and a message for people.",
    "properties": {
        "field": {"type": "string", "nullable": True,
                  "description": "The refused parameter or body field (nested ones as a dotted path, e.g. "
                                 "rows.2.revenue); null when the error concerns the request as a whole."},
        "code": {"type": "string", "description": "Machine code, stable across languages (e.g. invalid, required, "
                                                  "not_found, not_authenticated, permission_denied, throttled)."},
        "message": {"type": "string", "description": "Human-readable message, in Chinese (zh-Hans) unless the "
                                                     "English catalogue is chosen."},
    },
    "required": ["field", "code", "message"],
}
ERROR = {
    "type": "object",
    "description": "The one error format of every API error (400, 401, 403, 404, 405, 406, 415, 429, 500).",
    "properties": {"errors": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/ErrorItem"}}},
    "required": ["errors"],
}

_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_CONTENT = {"application/json": {"schema": _ERROR_REF}}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before the next request.",
                               "schema": {"type": "integer"}}}


def _error(responses, status, description, headers=None):
    """Document an error status with the Error body; a description or body a view gave is kept."""
    response = responses.setdefault(status, {"description": description})
    response.setdefault("content", _CONTENT)
    if headers:
        response.setdefault("headers", {}).update(headers)


def document_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorItem"] = ERROR_ITEM
    schemas["Error"] = ERROR
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            parameters = operation.get("parameters", [])
            _error(responses, "401", "Not signed in, or the token is invalid or expired (code not_authenticated, "
                                     "authentication_failed).")
            _error(responses, "403", "Not allowed: the role or the token's scope does not permit this "
                                     "(code permission_denied).")
            _error(responses, "429", "Too many requests for this token (or user, or address); retry after the "
                                     "Retry-After header's seconds (code throttled).", RETRY_AFTER)
            _error(responses, "406", "The Accept header asks for a format the API does not serve "
                                     "(code not_acceptable).")
            if any(p.get("in") == "path" for p in parameters):
                _error(responses, "404", "Not found, or outside the caller's scope (code not_found).")
            if any(p.get("in") == "query" for p in parameters) or "requestBody" in operation:
                _error(responses, "400", "A parameter or field was refused: each error names it in `field` "
                                         "(codes such as invalid, required, parse_error).")
            if "requestBody" in operation:
                _error(responses, "415", "The request body's content type is not accepted "
                                         "(code unsupported_media_type).")
            if any(p.get("name") in ("page", "cursor") for p in parameters):
                _error(responses, "404", "The page number is out of range, or the cursor is not valid "
                                         "(code not_found).")
            for status, response in responses.items():  # other errors a view described without a body
                if status.startswith(("4", "5")) and "content" not in response:
                    response["content"] = _CONTENT
    return result


API_PREFIX = "/api/v1/"


def only_versioned_paths(endpoints):
    """The API is mounted twice (/api/v1/ and its alias /api/): document the versioned paths only."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]
