"""The from/to range of the network page in headless Chromium: it asks /-/network.json for that window, redraws the
ties of that window only, and keeps the choice in the page's address, so that a link to it shows the same ties."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.servers import http

pytestmark = [pytest.mark.browser, pytest.mark.server]

START, END = "2000-01-01", "2012-12-31"  # before the 2013-2014 tour and the ties it made
DRAWN = "window.thcNetwork.edges().map(e => [e.data('source'), e.data('target')].sort().join(' '))"


def _ties(live_url: str, **window: str) -> list[str]:
    """The ties /-/network.json gives for `window`, as the page draws them: 'source target', sorted."""
    answer = http(f"{live_url}/-/network.json?{urllib.parse.urlencode(window)}", accept="application/json")
    assert answer.status == 200, answer.text
    data = answer.json()
    return sorted(" ".join(sorted((e["source"], e["target"]))) for e in data.get("links", data.get("edges", [])))


def test_a_from_to_range_redraws_the_ties_of_that_window(page, live_url):  # type: ignore[no-untyped-def]
    every = _ties(live_url)
    windowed = _ties(live_url, **{"from": START, "to": END})
    assert 0 < len(windowed) < len(every)  # the window leaves some ties out

    page.goto(live_url + "/network")
    page.wait_for_selector("#network[data-nodes]")
    assert sorted(page.evaluate(DRAWN)) == every
    assert page.is_visible("#network-from") and page.is_visible("#network-to")

    page.fill("#network-from", START)
    page.fill("#network-to", END)
    page.wait_for_selector(f"#network[data-from='{START}'][data-to='{END}'][data-nodes]")
    assert sorted(page.evaluate(DRAWN)) == windowed
    assert int(page.get_attribute("#network", "data-edges")) == len(windowed)

    # The address keeps the window, and so do the downloads.
    fragment = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).fragment)
    assert fragment == {"from": [START], "to": [END]}
    json_link = urllib.parse.urlsplit(page.get_attribute("#network-formats a[href^='/-/network.json']", "href"))
    assert urllib.parse.parse_qs(json_link.query) == {"from": [START], "to": [END]}

    # Emptying both draws every tie again.
    page.fill("#network-from", "")
    page.fill("#network-to", "")
    page.wait_for_selector("#network[data-from=''][data-to=''][data-nodes]")
    assert sorted(page.evaluate(DRAWN)) == every
    assert urllib.parse.urlsplit(page.url).fragment == ""


def test_a_shared_address_opens_on_the_same_window(page, live_url):  # type: ignore[no-untyped-def]
    windowed = _ties(live_url, to=END)
    assert windowed != _ties(live_url)
    page.goto(f"{live_url}/network#to={END}")
    page.wait_for_selector(f"#network[data-to='{END}'][data-nodes]")
    assert page.input_value("#network-to") == END and page.input_value("#network-from") == ""
    assert sorted(page.evaluate(DRAWN)) == windowed

    # A day (as_of) and a period exclude each other: choosing one empties the other.
    page.fill("#network-as-of", "2010-01-01")
    page.wait_for_selector("#network[data-as-of='2010-01-01'][data-nodes]")
    assert page.input_value("#network-to") == ""
    assert urllib.parse.urlsplit(page.url).fragment == "as_of=2010-01-01"
    assert sorted(page.evaluate(DRAWN)) == _ties(live_url, as_of="2010-01-01")


def test_a_range_that_ends_before_it_starts_is_said(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(f"{live_url}/network")
    page.wait_for_selector("#network[data-nodes]")
    page.fill("#network-to", "2010-01-01")
    page.wait_for_selector("#network[data-to='2010-01-01'][data-nodes]")
    before = sorted(page.evaluate(DRAWN))
    assert before == _ties(live_url, to="2010-01-01")
    page.fill("#network-from", "2012-01-01")
    page.wait_for_function("document.getElementById('network-status').textContent.includes('is after')")
    assert "from 2012-01-01 is after to 2010-01-01" in page.inner_text("#network-status")
    assert sorted(page.evaluate(DRAWN)) == before  # the last good drawing stays
