"""The site in headless Chromium: search to a territory to an actor, YASGUI, the map, the network, the language."""

from __future__ import annotations

import re
import unicodedata

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


NODE_DATA = "window.thcNetwork.nodes().map(n => [n.data('label'), n.data('{}')])"


def test_network_controls_colour_size_ties_search_and_date(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/network")
    page.wait_for_selector("#network[data-nodes]")
    assert page.is_visible("#network-controls")
    assert page.locator("#network-colour option").count() == 2
    sizes = page.locator("#network-size option").all_inner_texts()
    assert "intermédiarité" in sizes and "degré" in sizes  # the metrics' French labels
    tie_types = page.locator("#network-ties input[type=checkbox]")
    assert tie_types.count() >= 3 and page.is_visible("#network-as-of") and page.is_visible("#network-search")
    assert page.inner_text("#network-ties label:has(input[value=membership])").strip() == "adhésion (15)"

    # Colour by actor type: the colours change, one per actor type, with a legend line each.
    by_community = dict(page.evaluate(NODE_DATA.format("colour")))
    page.select_option("#network-colour", "actor_type")
    by_type = dict(page.evaluate(NODE_DATA.format("colour")))
    assert by_type != by_community
    types = dict(page.evaluate(NODE_DATA.format("actor_type")))
    colour_of_type = {types[label]: colour for label, colour in by_type.items()}
    assert len(set(colour_of_type.values())) == len(colour_of_type)  # one colour per type
    assert all(by_type[label] == colour_of_type[types[label]] for label in by_type)
    assert page.locator("#network-legend li").count() == len(colour_of_type)
    assert by_type["Ville de Mulhouse"] != by_type["Jean Rottner"]

    # Size by betweenness: Démocratie Ouverte is the biggest node.
    page.select_option("#network-size", "betweenness")
    size = dict(page.evaluate(NODE_DATA.format("size")))
    assert max(size, key=size.get) == "Démocratie Ouverte" and len(set(size.values())) > 2

    # Unticking a tie type removes the edges made only of it.
    edges = "window.thcNetwork.edges().map(e => e.data('tie_types'))"
    before = page.evaluate(edges)
    page.uncheck("#network-ties input[value=membership]")
    after = page.evaluate(edges)
    assert len(after) == len([t for t in before if set(t) != {"membership"}]) < len(before)
    assert ["membership"] not in after
    page.check("#network-ties input[value=membership]")
    assert len(page.evaluate(edges)) == len(before)

    # The search selects the matching node (accents and case aside).
    page.fill("#network-search", "rottner")
    selected = page.evaluate("window.thcNetwork.nodes(':selected').map(n => n.data('label'))")
    assert selected == ["Jean Rottner"]
    assert page.inner_text("#network-status").startswith("1 ")
    page.fill("#network-search", "democratie")
    assert page.evaluate("window.thcNetwork.nodes(':selected').map(n => n.data('label'))") == ["Démocratie Ouverte"]

    # A date reloads the ties in force that day; the controls keep their choices.
    page.fill("#network-as-of", "2010-01-01")
    page.wait_for_selector("#network[data-as-of='2010-01-01'][data-nodes]")
    assert len(page.evaluate(edges)) < len(before)
    assert page.eval_on_selector("#network-colour", "s => s.value") == "actor_type"


def test_network_table_sorts_by_a_clicked_header(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/network")
    page.wait_for_selector("#network-nodes tbody tr")
    headers = page.locator("#network-nodes thead th")
    assert headers.count() >= 4 + 10  # label, type, actor type, community, then each measure
    betweenness = page.locator("#network-nodes th[data-key=betweenness]")
    assert betweenness.inner_text() == "intermédiarité" and betweenness.get_attribute("aria-sort") == "none"
    betweenness.locator("button").click()
    assert betweenness.get_attribute("aria-sort") == "descending"
    index = page.eval_on_selector("#network-nodes th[data-key=betweenness]", "th => th.cellIndex")
    column = page.eval_on_selector_all(
        "#network-nodes tbody tr", f"rows => rows.map(r => r.cells[{index}].getAttribute('data-value'))")
    values = [float(v) for v in column if v is not None]
    assert values == sorted(values, reverse=True) and len(values) > 5  # numeric order, not text order
    first = page.locator("#network-nodes tbody tr").first.locator("td").first
    assert first.inner_text() == "Démocratie Ouverte"
    betweenness.locator("button").click()
    assert betweenness.get_attribute("aria-sort") == "ascending"
    label = page.locator("#network-nodes th[data-key=label]")
    label.locator("button").click()
    assert label.get_attribute("aria-sort") == "ascending" and betweenness.get_attribute("aria-sort") == "none"
    names = page.locator("#network-nodes tbody tr td:first-child").all_inner_texts()
    folded = [unicodedata.normalize("NFD", n).encode("ascii", "ignore").decode().lower() for n in names]
    assert names[0].startswith("Armel") and folded == sorted(folded)  # French order: é with e
    page.locator("#network-nodes tbody tr td a >> text=Ville de Mulhouse").click()
    page.wait_for_url(re.compile(r"/id/actor/commune-68224\.html$"))


def test_network_in_english_and_a_click_on_a_node(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + "/network?lang=en")
    page.wait_for_selector("#network[data-nodes]")
    assert "betweenness centrality" in page.locator("#network-size option").all_inner_texts()
    assert "City of Mulhouse" in dict(page.evaluate(NODE_DATA.format("colour")))
    assert page.inner_text("label:has(#network-colour)").startswith("Colour by")
    page.evaluate("window.thcNetwork.nodes().filter(n => n.data('label') === 'City of Mulhouse').emit('tap')")
    page.wait_for_url(re.compile(r"/id/actor/commune-68224\.html$"))


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
    page.goto(live_url + "/network")  # the controls wait for the script; the data are a download away
    assert not page.is_visible("#network-controls")
    assert page.locator("p.formats a[href='/-/network/measures.csv']").count() == 1
    page.close()
