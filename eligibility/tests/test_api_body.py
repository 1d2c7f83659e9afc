"""The JSON body is read as form data whatever its JSON types: never a server error."""
import pytest

from .conftest import API

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", [
    {"year": 2024, "jurisdiction": "140322", "refinancing_on": 6.786148658721902e+16},
    {"year": 2024, "jurisdiction": "已登记%(kind)s", "listing_board": "l", "reentry_name_changed": True},
    {"year": True, "jurisdiction": "140322"},
    {"year": 2024, "jurisdiction": "140322", "revenue": 1e300, "q1_growth": -1e300},
    {"year": 2024, "jurisdiction": "140322", "recognitions": [1, 2]},
    {"year": 2024, "jurisdiction": "140322", "recognitions": "tech_sme", "recognized_on": 20240101},
    {"year": 2024, "jurisdiction": {"key": "140322"}},
])
def test_odd_json_types_get_a_400_not_a_500(client, policies_loaded, body):
    response = client.post(API, body, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert errors and all(isinstance(e["message"], str) and e["message"] and e["code"] for e in errors)
    assert all(e["field"] is None or isinstance(e["field"], str) for e in errors)


def test_booleans_and_numbers_from_json_are_understood(client, policies_loaded):
    response = client.post(API, {"year": 2024, "jurisdiction": "140322", "entry_status": "first_entry",
                                 "first_entry_on": "2023-06-01", "size_class": "small", "q1_full_capacity": True,
                                 "q1_growth": 12.5, "revenue": 3000}, content_type="application/json")
    assert response.status_code == 200, response.content
