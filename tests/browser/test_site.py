"""The site in headless Chromium: search to a territory to an actor, YASGUI, the map, the network, the language."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_home_search_mulhouse_then_a_linked_actor(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/")
    page.fill("#home-search", "Mulhouse")
    page.press("#home-search", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=Mulhouse"))
    page.click("a.hit >> text=Mulhouse")
    page.wait_for_url(re.compile(r"/id/territory/commune-68224\.html$"))
    assert page.inner_text("h1#label") == "Mulhouse"
    page.click(".inbound a >> text=Ville de Mulhouse")
    page.wait_for_url(re.compile(r"/id/actor/commune-68224\.html$"))
    assert page.inner_text("h1#label") == "Ville de Mulhouse"


def test_yasgui_runs_a_named_query_and_shows_rows(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/editor")
    page.wait_for_selector(".yasgui .tabsList")
    page.click(".yasgui .tabsList a >> text=Actors by type")
    panel = page.locator(".yasgui .tabPanel:visible")
    panel.locator(".yasqe_queryButton").click()
    panel.locator(".yasr table tbody tr").first.wait_for()
    assert panel.locator(".yasr table tbody tr").count() > 5
    assert "democratie-ouverte" in panel.locator(".yasr table").inner_text().lower()


def test_yasgui_share_link_restores_the_query(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/editor?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
    page.wait_for_function("window.thcYasgui && window.thcYasgui.getTab()")
    text = page.evaluate("window.thcYasgui.getTab().getYasqe().getValue()")
    assert "COUNT(*)" in text


def test_map_draws_its_markers(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/map")
    page.wait_for_selector("#map[data-markers]")
    markers = int(page.get_attribute("#map", "data-markers"))
    assert markers >= 2
    assert page.locator("#map path.leaflet-interactive").count() == markers


def test_resource_page_draws_its_small_map(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/id/territory/commune-68224.html")
    page.wait_for_selector("#small-map path.leaflet-interactive")


def test_network_draws_its_nodes(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/network")
    page.wait_for_selector("#network[data-nodes]")
    assert int(page.get_attribute("#network", "data-nodes")) > 5
    assert page.locator("#network canvas").count() > 0
    assert page.locator("#network-nodes tbody tr").count() > 5


def test_actor_page_draws_its_ego_network(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/id/actor/democratie-ouverte.html")
    page.wait_for_selector("#ego-network[data-nodes]")
    assert int(page.get_attribute("#ego-network", "data-nodes")) > 1
    page.wait_for_selector("#ego-measures dt")


def test_switching_to_english_changes_the_labels_and_is_remembered(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/id/actor/commune-68224.html")
    assert page.inner_text("h1#label") == "Ville de Mulhouse"
    page.click("#lang-switch")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.inner_text("h1#label") == "City of Mulhouse"
    assert page.get_attribute("html", "lang") == "en"
    page.goto(live_url + "/id/territory/commune-68224.html")
    assert "Properties" in page.inner_text("section.properties h2")


def test_pages_are_readable_without_javascript(browser, live_url):  # type: ignore[no-untyped-def]
    context = browser.browser.new_context(java_script_enabled=False) if browser.browser else None
    if context is None:  # a persistent context has no browser object: use a page with JS blocked by CSP instead
        page = browser.new_page()
        page.route("**/*.js", lambda route: route.abort())
    else:
        page = context.new_page()
    page.goto(live_url + "/map")
    assert page.locator("table.markers tbody tr").count() >= 2
    page.goto(live_url + "/id/territory/commune-68224.html")
    assert page.inner_text("h1#label") == "Mulhouse"
    page.close()
