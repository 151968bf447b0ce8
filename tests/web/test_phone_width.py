"""At a phone's width (390 px) no page scrolls sideways as a whole: wide tables and charts scroll inside their
panel, and the top bar's words do not break inside."""

from __future__ import annotations

import pytest

PAGES = (
    "/",
    "/backups",
    "/federations",
    "/companies/acme",
    "/companies/acme/monitor",
    "/companies/acme/twin",
)


@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_wider_than_a_phone(page, login, path):
    login("admin")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide"
    # a link of the top bar keeps its word whole ("로그아웃", not "로그아" over "웃")
    for box in page.locator(".tools a, .tools .link").all():
        if box.is_visible():
            assert box.evaluate("e => e.getClientRects().length") == 1, box.inner_text()
