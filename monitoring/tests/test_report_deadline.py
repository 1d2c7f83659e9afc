"""The reporting deadline day is the jurisdiction's: moved off CheckPolicy (monitoring 0003),
used by the late-report check."""
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from enterprises import selectors
from enterprises.models import Jurisdiction

BEFORE = [("monitoring", "0002_checkrun_heartbeat_claim_one_active_per_period"),
          ("enterprises", "0005_reporting_deadline_figure_corrections")]
AFTER = [("monitoring", "0003_report_deadline_moves_to_jurisdiction")]


@pytest.mark.django_db(transaction=True)
def test_configured_deadline_days_move_onto_their_jurisdictions():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        _carry_and_check(executor)
    finally:  # whatever happens, leave the schema as every other test expects it
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _carry_and_check(executor):
    apps = executor.loader.project_state(BEFORE).apps
    OldJurisdiction = apps.get_model("enterprises", "Jurisdiction")
    OldPolicy = apps.get_model("monitoring", "CheckPolicy")
    province = OldJurisdiction.objects.create(key="t-140000", name="山西省", level="province", path="/t-140000/")
    county = OldJurisdiction.objects.create(key="t-140322", name="盂县", level="county", parent=province,
                                            path="/t-140000/t-140322/")
    city = OldJurisdiction.objects.create(key="t-141100", name="吕梁市", level="city", parent=province,
                                          path="/t-140000/t-141100/")
    OldPolicy.objects.create(jurisdiction=county, report_deadline_day=15)  # set on purpose
    OldPolicy.objects.create(jurisdiction=city, report_deadline_day=8)     # the old default: not carried

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    # On to the latest schema: the checks below read through today's models, whose later
    # columns (e.g. Jurisdiction.duty_separation) the AFTER state does not have yet.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    days = dict(Jurisdiction.objects.filter(key__startswith="t-").values_list("key", "report_deadline_day"))
    assert days == {"t-140000": None, "t-140322": 15, "t-141100": None}
    assert selectors.report_deadline(Jurisdiction.objects.get(key="t-140322"), 2025, 6) == date(2025, 7, 15)
    assert selectors.report_deadline(Jurisdiction.objects.get(key="t-141100"), 2025, 6) == date(2025, 7, 10)


@pytest.mark.django_db
def test_load_check_policies_puts_a_deadline_day_on_the_jurisdiction(jurisdictions, tmp_path, monkeypatch):
    from monitoring.management.commands import load_check_policies
    data = tmp_path / "policies.yaml"
    data.write_text('policies:\n  - {jurisdiction: "140322", pool_rule: yuxian, pool_rule_citation: 依据, '
                    'report_deadline_day: 12}\n  - {jurisdiction: "141181", pool_rule: xiaoyi}\n', encoding="utf-8")
    monkeypatch.setattr(load_check_policies, "DATA", data)
    call_command("load_check_policies", stdout=StringIO())
    assert Jurisdiction.objects.get(key="140322").report_deadline_day == 12
    assert Jurisdiction.objects.get(key="141181").report_deadline_day is None
    assert selectors.report_deadline(jurisdictions["xiushui"], 2025, 6) == date(2025, 7, 12)


@pytest.mark.django_db
@pytest.mark.parametrize("deadline_day,late", [(None, True), (20, False)])
def test_the_late_report_check_follows_the_jurisdictions_deadline(yuxian_clerk, jurisdictions, enterprises,
                                                                  deadline_day, late):
    from monitoring import services
    from monitoring.models import CheckRun, EarlyWarning
    yuxian = jurisdictions["yuxian"]
    yuxian.report_deadline_day = deadline_day
    yuxian.save()
    run = CheckRun.objects.create(jurisdiction=yuxian, year=2025, month=6, requested_by=yuxian_clerk)
    services.monthly_check_run(run_id=run.pk, today=date(2025, 7, 15))  # June not reported by anyone
    assert EarlyWarning.objects.filter(kind="late_report").exists() is late
