"""The server errors the probe found, each pinned: a hostile value is a 4xx or a form
error, never a 500 and never a stored absurd value. (test_url_walk.py sweeps every
route; these name the cases the probe reported.)"""
import pytest
from django.test import Client
from django.urls import reverse

from enterprises.models import MonthlyFigure


@pytest.fixture
def clerk(yuxian_clerk):
    client = Client(raise_request_exception=False)
    client.force_login(yuxian_clerk)
    return client


@pytest.mark.parametrize("year", ["abc", "²", "1e3", "9" * 40, "\x00", "1999", "-2024"])
def test_a_bad_year_on_the_enterprise_page_is_a_400(clerk, enterprises, year):
    response = clerk.get(reverse("enterprises:detail", args=[enterprises["yu_gxj"].pk]), {"year": year})
    assert response.status_code == 400


@pytest.mark.parametrize("target", ["foo", "enterprises:list", "https://evil.example/", "//evil.example/x", "\x00"])
def test_review_goes_back_only_to_a_path_of_this_site(clerk, target):
    response = clerk.post(reverse("incentives:review"), {"action": "approve", "ids": ["1"], "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("incentives:ledger")


def test_review_with_a_path_of_this_site_goes_back_there(clerk):
    response = clerk.post(reverse("incentives:review"), {"action": "approve", "next": "/incentives/?year=2025"})
    assert response["Location"] == "/incentives/?year=2025"


@pytest.mark.parametrize("ids", [["²"], ["9" * 40], ["-1"], ["1e3"], ["\x00"]])
def test_review_ignores_ids_that_are_not_ids(clerk, ids):
    response = clerk.post(reverse("incentives:review"), {"action": "approve", "ids": ids})
    assert response.status_code == 302


@pytest.mark.parametrize("field,value", [("revenue", "1e400"), ("revenue", "9" * 40), ("output_value", "1e999999"),
                                         ("tax", "-" + "9" * 40), ("electricity_kwh", "9" * 40),
                                         ("employees", "9" * 40), ("revenue", "NaN"), ("revenue", "Infinity")])
def test_an_absurd_figure_is_a_form_error_not_a_500(clerk, enterprises, field, value):
    enterprise = enterprises["yu_gxj"]
    response = clerk.post(reverse("enterprises:figure_submit", args=[enterprise.pk]),
                          {"year": "2025", "month": "6", field: value}, follow=True)
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not MonthlyFigure.objects.filter(enterprise=enterprise).exists()
