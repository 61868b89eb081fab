"""One whole journey with the keyboard only: sign in, write a mededeling for the region, publish it.

No mouse and no Playwright ``fill``/``click``: only Tab, arrow keys, Space, Enter and typing, as
someone who cannot use a pointer works. Every focused control must show a visible focus ring.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD, DOMAIN

pytestmark = pytest.mark.e2e

ACTIVE = "(() => { const e = document.activeElement; return [e.tagName, e.id, e.type || '', e.textContent.trim()]; })()"


def tab_until(page: Any, wanted: Any, limit: int = 60) -> list[str]:
    """Press Tab until ``wanted(tag, id, type, text)`` holds for the focused element; return it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if wanted(*active):
            assert_focus_visible(page)
            return list(active)
    pytest.fail(f"not reachable with Tab: {wanted.__doc__ or wanted}")


def assert_focus_visible(page: Any) -> None:
    """The focused element draws an outline or a box-shadow ring (WCAG 2.4.7)."""
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
    )
    outline, width, shadow = ring
    assert (outline != "none" and width != "0px") or shadow not in ("", "none"), ring


def test_keyboard_only_a_mededeling_for_the_region(page):
    title = f"Toetsenbordbericht {uuid.uuid4().hex[:6]}"
    page.goto("/login")
    tab_until(page, lambda tag, id_, type_, text: id_ == "email")
    page.keyboard.type(f"ad.zandhoven@{DOMAIN}")
    tab_until(page, lambda tag, id_, type_, text: type_ == "password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")

    tab_until(page, lambda tag, id_, type_, text: tag == "A" and text == "Mededelingen")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/zandhoven/mededelingen$"))
    tab_until(page, lambda tag, id_, type_, text: tag == "A" and text == "Nieuwe mededeling")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/zandhoven/mededelingen/nieuw$"))

    tab_until(page, lambda tag, id_, type_, text: id_ == "title")
    page.keyboard.type(title)
    tab_until(page, lambda tag, id_, type_, text: id_ == "body_html")
    page.keyboard.type("Opgesteld zonder muis: enkel Tab, pijltjes, spatie en Enter.")
    # The audience is a radio group: Tab enters it at the checked option, arrows move the choice.
    tab_until(page, lambda tag, id_, type_, text: type_ == "radio")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#audience-region")).to_be_checked()
    tab_until(page, lambda tag, id_, type_, text: id_ == "region_id")
    page.keyboard.press("ArrowDown")  # the first region after "— kies —"
    expect(page.locator("#region_id")).not_to_have_value("")
    tab_until(page, lambda tag, id_, type_, text: id_ == "publish")
    checked = page.locator("#publish").is_checked()  # on by default for a new mededeling
    page.keyboard.press("Space")
    expect(page.locator("#publish")).to_be_checked(checked=not checked)
    if checked:
        page.keyboard.press("Space")
    expect(page.locator("#publish")).to_be_checked()
    tab_until(page, lambda tag, id_, type_, text: tag == "BUTTON" and text == "Bewaren")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Opgesteld zonder muis")).to_be_visible()
    page.goto("/zandhoven/mededelingen")
    expect(page.get_by_role("link", name=title)).to_be_visible()
