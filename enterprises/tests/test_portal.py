"""The enterprise portal (issue 12 item 3): invitations, its own pages, monthly figures with
the jump confirmation, answers to warnings, and no way to another enterprise's rows."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enterprises import invitations, selectors, services
from enterprises.models import FigureCorrectionRequest, Invitation, MonthlyFigure, Role, User
from incentives.models import Entitlement
from monitoring.models import Assistance, CheckPolicy, EarlyWarning
from policies.models import IncentiveRule

TODAY = date(2026, 11, 5)  # October 2026 is open until 2026-11-10 (the default deadline day)
INVALID = "邀请链接无效或已过期，请联系中小企业服务中心重新邀请。"
PASSWORD = "Qiye-2026-mima!"


@pytest.fixture
def today_is(monkeypatch):
    def set_today(day):
        monkeypatch.setattr(selectors, "today", lambda: day)
    set_today(TODAY)
    return set_today


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def invite(clerk, enterprise, email=""):
    """Invite through the staff page; the link is read off the page that shows it once."""
    response = as_user(clerk).post(reverse("enterprises:invite", args=[enterprise.pk]), {"email": email})
    assert response.status_code == 200
    return re.search(r'data-testid="invitation-link">([^<]+)<', response.content.decode()).group(1)


def token_of(link):
    return link.rstrip("/").rsplit("/", 1)[1]


def accept(client, link, username="qiye01", password=PASSWORD, confirm=None):
    return client.post(link.split("testserver", 1)[-1], {"username": username, "password1": password,
                                                        "password2": confirm or password})


# --- invitations -----------------------------------------------------------------------------

def test_an_invited_owner_sets_a_password_and_lands_on_its_own_page(yuxian_clerk, enterprises):
    link = invite(yuxian_clerk, enterprises["yu_gxj"], email="boss@example.cn")
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body
    invitation = Invitation.objects.get()
    assert invitation.token_digest != token_of(link) and token_of(link) not in str(Invitation.objects.values())
    client = Client()
    page = client.get(link.split("testserver", 1)[-1])
    assert page.status_code == 200 and enterprises["yu_gxj"].credit_code in page.content.decode()
    response = accept(client, link)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    account = User.objects.get(username="qiye01")
    assert (account.role, account.enterprise, account.email) == (Role.ENTERPRISE, enterprises["yu_gxj"],
                                                                 "boss@example.cn")
    assert account.check_password(PASSWORD)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == reverse("portal:home")
    page = client.get(reverse("portal:home")).content.decode()
    assert "盂县耐火材料有限公司" in page and 'data-testid="portal-nav"' in page
    assert reverse("enterprises:list") not in page  # not the staff navigation
    invitation.refresh_from_db()
    assert invitation.used_at is not None and invitation.account == account


def test_the_password_validators_apply(yuxian_clerk, enterprises):
    link = invite(yuxian_clerk, enterprises["yu_gxj"])
    client = Client()
    weak = accept(client, link, password="12345678")
    assert weak.status_code == 200 and not User.objects.filter(username="qiye01").exists()
    mismatch = accept(client, link, confirm=PASSWORD + "x")
    assert "两次输入的密码不一致" in mismatch.content.decode()
    taken = accept(client, link, username=yuxian_clerk.username)
    assert "该登录名已被使用" in taken.content.decode()
    assert Invitation.objects.get().used_at is None


def _invalid(client, link):
    for response in (client.get(link.split("testserver", 1)[-1]), accept(client, link, username="other")):
        assert response.status_code == 404 and INVALID in response.content.decode()


def test_a_used_link_opens_nothing_more(yuxian_clerk, enterprises):
    link = invite(yuxian_clerk, enterprises["yu_gxj"])
    accept(Client(), link)
    _invalid(Client(), link)
    assert User.objects.filter(role=Role.ENTERPRISE).count() == 1


def test_an_expired_link_and_an_unknown_one_answer_alike(yuxian_clerk, enterprises):
    link = invite(yuxian_clerk, enterprises["yu_gxj"])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    _invalid(Client(), link)
    _invalid(Client(), "/invite/" + "A" * 43 + "/")
    _invalid(Client(), "/invite/short/")
    assert not User.objects.filter(role=Role.ENTERPRISE).exists()


def test_an_invitation_lasts_seven_days(yuxian_clerk, enterprises):
    invitation, token = invitations.invitation_create(user=yuxian_clerk, enterprise=enterprises["yu_gxj"])
    assert invitation.expires_at - invitation.created_at == pytest.approx(timedelta(days=7), abs=timedelta(seconds=5))
    assert invitations.invitation_for(token, now=timezone.now() + timedelta(days=6, hours=23)) is not None
    assert invitations.invitation_for(token, now=timezone.now() + timedelta(days=7, minutes=1)) is None


def test_reinviting_revokes_the_unused_link(yuxian_clerk, enterprises):
    first = invite(yuxian_clerk, enterprises["yu_gxj"])
    second = invite(yuxian_clerk, enterprises["yu_gxj"])
    _invalid(Client(), first)
    assert accept(Client(), second).status_code == 302
    states = sorted(i.state for i in Invitation.objects.all())
    assert states == ["revoked", "used"]


@pytest.mark.parametrize("persona,code", [("yuxian_clerk", 200), ("xiaoyi_clerk", 404), ("yangquan_leader", 403),
                                          ("yuxian_department_user", 403), ("enterprise_user", 403),
                                          ("yuxian_finance", 403)])
def test_only_center_staff_of_the_subtree_invite(all_personas, enterprises, persona, code):
    response = as_user(all_personas[persona]).post(reverse("enterprises:invite", args=[enterprises["yu_gxj"].pk]))
    assert response.status_code == code
    assert Invitation.objects.exists() == (code == 200)


def test_the_enterprise_page_offers_the_invitation_to_its_center_staff_only(yuxian_clerk, yangquan_leader,
                                                                            enterprises):
    url = reverse("enterprises:detail", args=[enterprises["yu_gxj"].pk])
    assert 'data-testid="invite-form"' in as_user(yuxian_clerk).get(url).content.decode()
    assert 'data-testid="invite-form"' not in as_user(yangquan_leader).get(url).content.decode()


# --- its own pages, and nobody else's --------------------------------------------------------

@pytest.fixture
def foreign_rows(enterprises, enterprise_user):
    """A warning on the account's own enterprise and on another one."""
    def warning(enterprise):
        return EarlyWarning.objects.create(enterprise=enterprise, kind="exit_risk", year=2026, month=9,
                                           severity="high", rule="预计全年营收低于2000万元", evidence={},
                                           opened_at=timezone.now())
    return {"own": warning(enterprises["yu_gxj"]), "other": warning(enterprises["yu_other"])}


def test_another_enterprises_rows_answer_like_missing_ones(enterprise_user, enterprises, foreign_rows):
    client = as_user(enterprise_user)
    other = enterprises["yu_other"]
    pairs = [
        (reverse("portal:warning", args=[foreign_rows["other"].pk]), reverse("portal:warning", args=[987654321])),
        (reverse("enterprises:detail", args=[other.pk]), reverse("enterprises:detail", args=[987654321])),
        (reverse("report:enterprise_book", args=[other.pk]), reverse("report:enterprise_book", args=[987654321])),
        (reverse("monitoring:warning", args=[foreign_rows["other"].pk]), reverse("monitoring:warning", args=[987654321])),
        (f"/api/enterprises/{other.pk}/", "/api/enterprises/987654321/"),
    ]
    for foreign, missing in pairs:
        for method in ("get", "post"):
            a, b = getattr(client, method)(foreign), getattr(client, method)(missing)
            assert (a.status_code, method, foreign) == (b.status_code, method, foreign)
            assert a.status_code >= 400
    assert client.get(reverse("portal:warning", args=[foreign_rows["own"].pk])).status_code == 200
    listing = client.get(reverse("portal:warnings")).content.decode()
    assert reverse("portal:warning", args=[foreign_rows["own"].pk]) in listing
    assert reverse("portal:warning", args=[foreign_rows["other"].pk]) not in listing
    assert not Assistance.objects.exists()


@pytest.mark.parametrize("persona", ["yuxian_clerk", "yangquan_leader", "yuxian_department_user", "yuxian_finance"])
def test_staff_have_no_portal(all_personas, persona):
    client = as_user(all_personas[persona])
    for name in ("portal:home", "portal:awards", "portal:warnings", "portal:figures"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get("/").status_code == 302 and client.get("/")["Location"] != reverse("portal:home")


def test_anonymous_visitors_are_sent_to_the_login(db):
    response = Client().get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_awards_page_shows_status_and_dates_not_the_officials(enterprise_user, enterprises, policies_loaded,
                                                                  yuxian_clerk):
    rule = IncentiveRule.objects.order_by("pk").first()
    own = Entitlement.objects.create(enterprise=enterprises["yu_gxj"], rule=rule, year=2025, amount=Decimal("100000"),
                                     payers=[{"payer": "盂县财政局", "amount": "100000"}], citation="盂政发〔2024〕1号",
                                     reason="首次入规", rule_version="v1", computed_at=timezone.now(),
                                     status="paid", reviewed_by=yuxian_clerk, reviewed_at=timezone.now(),
                                     approved_at=timezone.now(), paid_at=timezone.now(), paid_on=date(2026, 3, 2))
    Entitlement.objects.create(enterprise=enterprises["yu_other"], rule=rule, year=2025, amount=Decimal("777000"),
                               citation="x", reason="x", rule_version="v1", computed_at=timezone.now())
    page = as_user(enterprise_user).get(reverse("portal:awards")).content.decode()
    assert f'data-testid="award-{own.pk}"' in page and "已拨付" in page and "2026-03-02" in page
    assert "10.00万元" in page and "盂县财政局" in page
    assert "77.70" not in page and str(yuxian_clerk) not in page


# --- monthly figures -------------------------------------------------------------------------

def report(client, **data):
    data = {"year": 2026, "month": 10, **data}
    return client.post(reverse("portal:figures"), data)


def test_a_month_not_yet_ended_is_refused(enterprise_user, today_is):
    response = report(as_user(enterprise_user), month=11, revenue="100")
    assert response.status_code == 200 and "2026年11月尚未结束，不能填报" in response.content.decode()
    assert not MonthlyFigure.objects.exists()


def test_before_the_deadline_the_month_is_saved(enterprise_user, enterprises, today_is):
    response = report(as_user(enterprise_user), revenue="150", employees="30")
    assert response.status_code == 302
    figure = MonthlyFigure.objects.get(enterprise=enterprises["yu_gxj"], year=2026, month=10)
    assert (figure.revenue, figure.employees, figure.source) == (Decimal("1500000.00"), 30, "enterprise")
    history = as_user(enterprise_user).get(reverse("portal:figures")).content.decode()
    assert "2026-10" in history and "150.00" in history


def test_after_the_deadline_the_change_goes_to_staff_review(enterprise_user, enterprises, today_is):
    today_is(date(2026, 11, 11))
    client = as_user(enterprise_user)
    refused = report(client, revenue="150")
    assert "修改须填写更正原因" in refused.content.decode() and not FigureCorrectionRequest.objects.exists()
    response = report(client, revenue="150", reason="迟报，财务补录")
    assert response.status_code == 302
    correction = FigureCorrectionRequest.objects.get()
    assert (correction.year, correction.month, correction.status) == (2026, 10, "pending")
    assert not MonthlyFigure.objects.exists()
    assert "迟报，财务补录" in client.get(reverse("portal:figures")).content.decode()


@pytest.fixture
def september(yuxian_clerk, enterprises):
    return services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2026, month=9,
                                          values={"revenue": Decimal("1000000")}, today=date(2026, 10, 5)).figure


@pytest.mark.parametrize("revenue", ["301", "33"])
def test_a_jump_over_the_ratio_asks_for_confirmation_and_flags_staff(enterprise_user, enterprises, september,
                                                                      today_is, revenue):
    client = as_user(enterprise_user)
    first = report(client, revenue=revenue)
    html = first.content.decode()
    assert first.status_code == 200 and 'data-testid="jump-confirm"' in html and 'name="confirm_jump"' in html
    assert not MonthlyFigure.objects.filter(month=10).exists() and not EarlyWarning.objects.exists()
    confirmed = report(client, revenue=revenue, confirm_jump="on")
    assert confirmed.status_code == 302
    assert MonthlyFigure.objects.get(month=10).revenue == Decimal(revenue) * 10000
    warning = EarlyWarning.objects.get(enterprise=enterprises["yu_gxj"], year=2026, month=10)
    assert (warning.kind, warning.status, warning.evidence["source"]) == ("integrity_jump", "open",
                                                                        "enterprise_report")
    assert "100.00万元" in warning.rule and "企业填报时确认" in warning.rule


def test_within_the_ratio_no_confirmation_is_asked(enterprise_user, september, today_is):
    assert report(as_user(enterprise_user), revenue="299").status_code == 302
    assert not EarlyWarning.objects.exists()


def test_the_ratio_is_the_jurisdictions_check_policy(enterprise_user, jurisdictions, september, today_is):
    CheckPolicy.objects.create(jurisdiction=jurisdictions["yuxian"], jump_factor=Decimal("1.5"))
    assert 'data-testid="jump-confirm"' in report(as_user(enterprise_user), revenue="160").content.decode()


def test_a_confirmed_jump_after_the_deadline_flags_the_correction_too(enterprise_user, september, today_is):
    today_is(date(2026, 11, 20))
    response = report(as_user(enterprise_user), revenue="500", reason="新订单", confirm_jump="on")
    assert response.status_code == 302
    assert FigureCorrectionRequest.objects.get().proposed == {"revenue": "5000000.00"}
    assert EarlyWarning.objects.get().kind == "integrity_jump"


def test_the_monthly_check_leaves_a_flag_raised_by_the_enterprise_open(enterprise_user, yuxian_clerk, jurisdictions,
                                                                      september, today_is):
    from monitoring import services as monitoring_services
    from monitoring.models import CheckRun

    report(as_user(enterprise_user), revenue="301", confirm_jump="on")
    # Below the check's own jump rule (3× the months before), so the run finds nothing for October:
    # it closes the open warnings it no longer raises, but not one the enterprise's report raised.
    MonthlyFigure.objects.filter(month=10).update(revenue=Decimal("2000000"))
    run = CheckRun.objects.create(jurisdiction=jurisdictions["yuxian"], year=2026, month=10, requested_by=yuxian_clerk)
    monitoring_services.monthly_check_run(run_id=run.pk, today=date(2026, 11, 15))
    assert EarlyWarning.objects.get(kind="integrity_jump").status == "open"


# --- answering a warning ---------------------------------------------------------------------

def test_an_answer_lands_in_the_warnings_assistance_log(enterprise_user, yuxian_clerk, foreign_rows):
    warning = foreign_rows["own"]
    client = as_user(enterprise_user)
    empty = client.post(reverse("portal:warning", args=[warning.pk]), {"answer": "  "})
    assert empty.status_code == 200 and not Assistance.objects.exists()
    response = client.post(reverse("portal:warning", args=[warning.pk]),
                           {"answer": "四季度新订单已签，预计营收回升", "help_needed": "希望协调用电指标"})
    assert response.status_code == 302
    entry = Assistance.objects.get()
    assert (entry.warning, entry.enterprise_id, entry.staff, entry.from_enterprise) == (
        warning, warning.enterprise_id, enterprise_user, True)
    assert entry.problems == "四季度新订单已签，预计营收回升" and entry.actions == "希望协调用电指标"
    warning.refresh_from_db()
    assert warning.status == "open"  # the workflow is the staff's
    staff_page = as_user(yuxian_clerk).get(reverse("monitoring:warning", args=[warning.pk])).content.decode()
    assert "四季度新订单已签" in staff_page and 'data-testid="from-enterprise"' in staff_page
    assert "四季度新订单已签" in client.get(reverse("portal:warning", args=[warning.pk])).content.decode()
