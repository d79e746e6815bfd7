"""The run pages in a real browser (Debian's Chromium, driven by Playwright): a run queued from
``/runs`` appears there without a reload; its page grows its call tree as a worker executes it, and
shows the plate read as a heatmap with one cell per well of the plate's geometry, coloured by value."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from praxis.backend.settings import Settings
from tests.builders import Builders
from tests.harness.auth import committed_token
from tests.harness.execution import build_lab, worker_process
from tests.harness.live import LiveServer, running_server

#: the longest an expectation on a page waits (a hang guard, not a pace)
EXPECT_TIMEOUT_MS = 60_000
CHROMIUM = os.environ.get("PRAXIS_CHROMIUM", "/usr/bin/chromium")
#: where the run page's screenshot goes: ``PRAXIS_SCREENSHOT=docs/run-page.png pytest tests/live/test_run_page_browser.py``
#: makes the README's; by default it goes to the test's temporary directory
SCREENSHOT = os.environ.get("PRAXIS_SCREENSHOT")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Chromium from the system's package (``.ci/run`` installs it): Playwright downloads nothing."""
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1100, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(30_000)
    # what a page shows is waited for, not timed: a run ends when its worker is done with it, which on
    # a loaded machine (CI's two suites at once) takes longer than Playwright's 5 s default
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    yield page
    await context.close()


@pytest.fixture
def live_server(committed_database: str) -> Iterator[LiveServer]:
    """Open while no token exists, as ``praxis serve`` on loopback is (a test that creates one closes it)."""
    with running_server(committed_database, Settings(open_without_tokens=True)) as server:
        yield server


@pytest.fixture
async def lab(live_server: LiveServer) -> None:
    async def arrange(repos: Builders) -> None:
        await build_lab(repos, repos.repositories)

    await live_server.arrange(arrange)


def rgb(fill: str) -> tuple[int, ...]:
    match = re.fullmatch(r"rgb\((\d+),(\d+),(\d+)\)", fill)
    assert match, fill
    return tuple(int(v) for v in match.groups())


@pytest.mark.slow(seconds=15)
async def test_a_queued_run_appears_and_its_page_grows_its_tree_and_heatmap_without_reloading(
    live_server: LiveServer, lab: None, page: Page, tmp_path: Path
) -> None:
    await page.goto(f"{live_server.url}/runs")
    await page.select_option("select[name=protocol_definition_id]", label="absorbance_read 1.1.0")
    await page.select_option("select[name=workcell_id]", label="assay cell")
    await page.click("button[type=submit]")

    new_row = page.locator("tbody tr", has=page.locator(".status.queued"))
    await expect(new_row).to_have_count(1)  # pushed by the stream of all runs: no reload
    await new_row.locator("a").click()
    await expect(page.locator("#status")).to_have_text("queued")
    await expect(page.locator("#calls li")).to_have_count(0)
    await page.evaluate("window.loadedOnce = true")

    with worker_process(live_server.database_url):
        await expect(page.locator("#status")).to_have_text("completed")
        await expect(page.locator("rect.well")).to_have_count(96)

    assert await page.evaluate("window.loadedOnce") is True  # the same page throughout
    root = page.locator("#calls > li")
    await expect(root.locator("> .fn")).to_have_text("absorbance_read")
    await expect(root.locator("> ul > li > .fn")).to_have_text("read_absorbance")
    await expect(page.locator("#calls .status.completed")).to_have_count(2)
    cells = await page.locator("svg.heatmap rect.well").evaluate_all(
        "cells => cells.map(c => [c.dataset.well, Number(c.dataset.value), c.getAttribute('fill')])"
    )
    wells = {well for well, _, _ in cells}
    assert wells == {f"{row}{column}" for row in "ABCDEFGH" for column in range(1, 13)}  # 8 x 12
    by_value = sorted(cells, key=lambda cell: cell[1])
    darkness = [-sum(rgb(fill)) for _, _, fill in by_value]
    assert darkness == sorted(darkness)  # the higher the value, the darker the cell
    assert by_value[0][1] < by_value[-1][1]
    legend = page.locator(".legend")
    await expect(legend.locator(".min")).to_have_text(f"{by_value[0][1]:g}")
    await expect(legend.locator(".max")).to_have_text(f"{by_value[-1][1]:g}")
    await expect(legend).to_contain_text("OD")
    await expect(legend.locator(".measured")).not_to_be_empty()
    title = page.locator("rect.well[data-well=A1] title")
    await expect(title).to_have_text(re.compile(r"^A1: [0-9.e-]+ OD$"))
    await expect(page.locator("#log")).to_contain_text(
        re.compile(r"INFO plate_assays: read 96 wells of \S+ at 600 nm")
    )
    await page.screenshot(path=SCREENSHOT or str(tmp_path / "run-page.png"), full_page=True)


async def test_the_pages_run_without_javascript_errors(
    live_server: LiveServer, lab: None, page: Page
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    await page.goto(f"{live_server.url}/runs")
    await page.fill("input[name=input_parameters]", "{not json")
    await page.click("button[type=submit]")
    await expect(page.locator("#message")).to_contain_text("parameters")

    assert errors == []


@pytest.mark.slow(seconds=8)
async def test_a_browser_signs_in_once_then_queues_follows_and_cancels_a_run(
    live_server: LiveServer, lab: None, page: Page
) -> None:
    token = await committed_token(live_server.database_url, ["read", "run"])  # the server is closed now
    assert token.secret is not None

    await page.goto(f"{live_server.url}/runs")
    await expect(page).to_have_url(f"{live_server.url}/login?next=/runs")
    await page.fill("input[name=token]", "not-a-token")
    await page.click("button[type=submit]")
    await expect(page.locator("#message")).to_contain_text("not valid")
    await page.fill("input[name=token]", token.secret)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{live_server.url}/runs")
    await expect(page.locator(".who")).to_contain_text(token.name)

    await page.select_option("select[name=protocol_definition_id]", label="absorbance_read 1.1.0")
    await page.select_option("select[name=workcell_id]", label="assay cell")
    await page.click("form.queue button[type=submit]")
    await expect(page.locator("#message")).to_have_text("")
    new_row = page.locator("tbody tr", has=page.locator(".status.queued"))
    await expect(new_row).to_have_count(1)  # the stream of all runs, opened with the sign-in cookie
    await new_row.locator("a").click()
    await page.click("button[data-action=cancel]")
    await expect(page.locator("#status")).to_have_text("cancelled")  # the run's own stream

    await page.click("button[data-action=sign-out]")
    await expect(page).to_have_url(re.compile(r"/login"))
    await page.goto(f"{live_server.url}/runs")
    await expect(page).to_have_url(f"{live_server.url}/login?next=/runs")


@pytest.mark.slow(seconds=10)
async def test_the_run_page_draws_the_progress_a_protocol_reports(
    live_server: LiveServer, lab: None, page: Page
) -> None:
    await page.goto(f"{live_server.url}/runs")
    await page.select_option("select[name=protocol_definition_id]", label="serial_dilution 1.1.0")
    await page.select_option("select[name=workcell_id]", label="assay cell")
    await page.fill("input[name=input_parameters]", '{"start_volume_ul": 100}')
    await page.click("form.queue button[type=submit]")
    await page.locator("tbody tr", has=page.locator(".status.queued")).locator("a").click()
    bar = page.locator("progress#progress")
    await expect(bar).to_be_hidden()  # nothing reported yet

    with worker_process(live_server.database_url):
        await expect(page.locator("#status")).to_have_text("completed")

    await expect(bar).to_be_visible()
    assert await bar.evaluate("bar => [bar.value, bar.max]") == [11, 11]
    await expect(page.locator("#progress-text")).to_have_text("11 of 11 · A11 -> A12")
