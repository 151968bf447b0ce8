"""The quality page's capability panel for a skewed characteristic, in a real browser: beside the normal study it
shows Pp and Ppk by the percentile method of ISO 22514-2, the distribution fitted and its fit, as the API gives
them. Company echo is its own, so no other page test's data change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from sandan.accounts import create_user
from sandan.collect import ingest_parts
from sandan.domain import Company, Line, Machine, Role, Site
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

COMPANY = "echo"


@pytest.fixture(scope="module")
def skewed_runout(server):
    """2,000 parts of the last ten hours, their runout right-skewed (lognormal, σ 0.5 around 10 µm)."""
    store = server.store
    store.upsert_company(Company(id=COMPANY, name="에코정밀", family="cnc"))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="1공장"))
    store.upsert_line(COMPANY, Line(id="l1", company_id=COMPANY, site_id="s1", name="가공 라인"))
    store.upsert_machine(
        COMPANY, Machine(id="cnc-01", company_id=COMPANY, line_id="l1", name="CNC 1호기", family="cnc")
    )
    create_user(store, "oh", PASSWORD, Role.engineer, COMPANY, name="오엔지니어")
    runout = stats.lognorm(0.5, scale=10.0).rvs(size=2000, random_state=np.random.default_rng(22514))
    now = datetime.now(UTC).replace(microsecond=0)
    parts = [
        {
            "time": (now - timedelta(seconds=18 * (2000 - i))).isoformat(),
            "machine_id": "cnc-01",
            "part_id": f"E-{i}",
            "result": "ok",
            "measures": {"runout_um": float(r)},
        }
        for i, r in enumerate(runout)
    ]
    assert ingest_parts(store, COMPANY, parts).rejected == 0
    return now


def test_a_skewed_characteristic_shows_the_percentile_study_and_the_distribution_used(
    page, login, skewed_runout
):
    login("oh")
    page.goto(f"/companies/{COMPANY}/quality")
    page.locator("#cap-characteristic").fill("runout_um")
    page.locator("#cap-characteristic").dispatch_event("change")
    page.locator("#cap-usl").fill("60")
    page.locator("#cap-form button[type=submit]").click()
    box = page.locator("#cap-nn")
    # the study fits distributions and bootstraps its intervals: 3.7 s alone, past the default 10 s beside another
    # test worker and the browser on two cores (one clean-clone run)
    expect(box).to_be_visible(timeout=30_000)
    expect(box).to_have_attribute("data-status", "fitted")
    end = datetime.now(UTC)
    api = page.request.get(
        f"/api/v1/companies/{COMPANY}/spc/capability",
        params={
            "characteristic": "runout_um",
            "usl": 60,
            "start": (end - timedelta(days=1)).isoformat(),
            "end": end.isoformat(),
        },
    ).json()
    nn = api["non_normal"]
    assert api["normal"] is False and nn["status"] == "fitted"
    expect(box).to_have_attribute("data-distribution", nn["distribution"])
    names = {
        "box_cox": "Box-Cox 변환",
        "johnson_su": "존슨 SU",
        "johnson_sb": "존슨 SB",
        "johnson_sl": "존슨 SL",
    }
    fit = page.locator("#cap-nn-fit")
    expect(fit).to_contain_text(f"적합한 분포: {names[nn['distribution']]}")
    expect(fit).to_contain_text(f"A² = {nn['ad_statistic']:.3f}")
    ppk = page.locator("#cap-nn-table tbody tr", has_text="Ppk")
    expect(ppk.locator("td").first).to_have_text("Ppk (단측: PPU)")
    assert float(ppk.locator("td").nth(1).inner_text()) == pytest.approx(nn["ppk"], abs=0.011)
    low, high = nn["ppk_ci"]
    expect(ppk.locator("td").nth(2)).to_have_text(f"{low:.2f} – {high:.2f}")
    expect(page.locator("#cap-nn-ppm")).to_contain_text(f"{round(nn['expected_ppm']):,} ppm")
    expect(page.locator("#cap-nn-verdict")).to_have_attribute("data-verdict", nn["verdict"])
    # the normal study stays, with its note that it does not describe these data
    expect(page.locator("#cap-normal")).to_contain_text("측정값이 정규분포를 따르지 않습니다")
