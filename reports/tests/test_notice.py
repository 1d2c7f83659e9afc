"""The annual target notice (年度目标完成情况通报): the year-end figures of the same snapshot,
praised and lagging units; page and PDF agree; scoped."""
import subprocess
import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_notice_praises_and_flags_from_the_year_end_figures(seeded, yangquan_leader, tmp_path):
    # by December 2024: 南娄镇 also gets D (07-01) → 2 of 1 (met); 秀水镇 net 1 of 4, 工信局 0 of 3 (not met)
    client = Client()
    client.force_login(yangquan_leader)
    page = client.get(reverse("report:notice", kwargs={"key": "140322", "year": 2024}))
    assert page.status_code == 200
    html = page.content.decode()
    praised = html.split('data-testid="notice-praised"')[1].split("</ul>")[0]
    lagging = html.split('data-testid="notice-lagging"')[1].split("</ul>")[0]
    # 应急局 has B only: 1 of 2
    assert "南娄镇" in praised and "秀水镇" not in praised and "县应急局" not in praised
    assert "秀水镇" in lagging and "县工信局" in lagging and "县应急局" in lagging and "南娄镇" not in lagging
    assert "净增 3 户" in html  # B, C, D, E in; A out

    response = client.get(reverse("report:notice_pdf", kwargs={"key": "140322", "year": 2024}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "n.pdf"
    path.write_bytes(response.content)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for part in ("盂县2024年度小升规目标完成情况通报", "一、完成目标的单位", "二、未完成目标的单位", "南娄镇",
                 "秀水镇", "县工信局", "净增 3 户", "净增户数目标 8 户，完成 3 户"):
        assert part in text, part


def test_a_foreign_or_unfinished_year_is_404(seeded, xiaoyi_clerk, yuxian_department_user):
    client = Client()
    client.force_login(xiaoyi_clerk)
    foreign = client.get(reverse("report:notice", kwargs={"key": "140322", "year": 2024}))
    missing = client.get(reverse("report:notice", kwargs={"key": "999999", "year": 2024}))
    assert foreign.status_code == missing.status_code == 404
    assert client.get(reverse("report:notice", kwargs={"key": "141181", "year": 2999})).status_code == 404
    assert client.get(reverse("report:notice_pdf", kwargs={"key": "140322", "year": 2024})).status_code == 404
    client.force_login(yuxian_department_user)
    assert client.get(reverse("report:notice", kwargs={"key": "140322", "year": 2024})).status_code == 403
