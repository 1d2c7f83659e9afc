"""One error format for the whole API (issue 13 item 4).

Every error the API answers — a refused field, a filter that does not validate, a body that
does not parse, 401/403/404/405/406/415/429 — has the same body:

    {"errors": [{"field": "year", "code": "invalid", "message": "请输入一个有效的整数。"}]}

`field` names the parameter or body field (nested ones as a dotted path, "rows.2.revenue"), or is
null when the error is about the request as a whole; `code` is DRF's stable machine code (an
integrator branches on it, never on the message); `message` is for people, in Chinese unless the
English catalogue is chosen. The 404 of an unmatched address (config/errors.py) and the schema's
Error component (config/openapi.py) use the same shape.
"""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

# DRF's key for errors not bound to one field; here such errors carry field null.
NON_FIELD_KEYS = {"non_field_errors", "__all__", "detail"}


def error_body(errors: list[dict]) -> dict:
    return {"errors": errors}


def one_error(message, code: str, field: str | None = None) -> dict:
    return error_body([{"field": field, "code": code, "message": str(message)}])


def flatten(details, field: str | None = None) -> list[dict]:
    """DRF's full details (nested dicts and lists of {"message", "code"}) as a flat list of errors."""
    if isinstance(details, dict):
        if set(details) == {"message", "code"} and not isinstance(details["message"], (dict, list)):
            return [{"field": field, "code": str(details["code"]), "message": str(details["message"])}]
        errors = []
        for key, value in details.items():
            key = str(key)
            if key in NON_FIELD_KEYS:
                child = field
            else:
                child = key if field is None else f"{field}.{key}"
            errors += flatten(value, child)
        return errors
    if isinstance(details, list):
        errors = []
        for index, value in enumerate(details):
            # A list of messages belongs to the field itself; a list of objects (many=True, bulk
            # rows) names each item by its index.
            nested = isinstance(value, (dict, list)) and not (
                isinstance(value, dict) and set(value) == {"message", "code"})
            errors += flatten(value, (str(index) if field is None else f"{field}.{index}") if nested else field)
        return errors
    return [{"field": field, "code": "invalid", "message": str(details)}]


def exception_handler(exc, context):
    """DRF's handler (status, Retry-After, WWW-Authenticate), then the body in the one format."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    errors = flatten(exc.get_full_details())
    if not errors:  # an empty ValidationError still says something went wrong
        errors = [{"field": None, "code": exc.default_code, "message": str(exc.default_detail)}]
    response.data = error_body(errors)
    return response
