"""The maps' Natural Earth base layer in headless Chromium: drawn under the markers on the commitments map (/map) and
on a resource page's small map, France among its countries, attributed; the markers stay when it fails to load."""

from __future__ import annotations

import json

import pytest

from tests.servers import http

pytestmark = [pytest.mark.browser, pytest.mark.server]

BASEMAP = "/static/dist/basemap/natural-earth-france.json"
MULHOUSE = "/id/territory/commune-68224.html"

# Is the centre of the marker inside the fill of the base map's path of country `id`? Both are SVG paths of the same
# map: the marker's centre is taken on the screen and brought into the country path's own coordinates.
INSIDE = """(marker, id) => {
  const path = marker.closest('.leaflet-container').querySelector('path.basemap-' + id);
  const box = marker.getBoundingClientRect();
  const centre = new DOMPoint(box.x + box.width / 2, box.y + box.height / 2);
  return path.isPointInFill(centre.matrixTransform(path.getScreenCTM().inverse()));
}"""


def _base_map(page, selector: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """What the map at `selector` drew, once its base layer is in."""
    page.wait_for_selector(f"{selector}[data-markers][data-basemap=loaded]")
    return page.eval_on_selector(selector, """map => {
      const pane = map.querySelector('.leaflet-basemap-pane');
      const overlay = map.querySelector('.leaflet-overlay-pane');
      return {
        markers: +map.getAttribute('data-markers'),
        marker_paths: overlay.querySelectorAll('path.leaflet-interactive').length,
        land: pane.querySelectorAll('path.basemap-land').length,
        france: Array.from(pane.querySelectorAll('path.basemap-250')).map(p => (p.getAttribute('d') || '').length),
        borders: (pane.querySelector('path.basemap-borders').getAttribute('d') || '').length,
        under: +getComputedStyle(pane).zIndex < +getComputedStyle(overlay).zIndex,
        base_interactive: pane.querySelectorAll('path.leaflet-interactive').length,
        sea: pane.querySelector('path.basemap-sea').getAttribute('fill'),
        background: getComputedStyle(map).backgroundColor,
        attribution: map.querySelector('.leaflet-control-attribution').textContent,
      };
    }""")


def test_the_base_map_file_is_natural_earth_around_france(live_url):  # type: ignore[no-untyped-def]
    answer = http(live_url + BASEMAP, accept="application/json")
    assert answer.status == 200
    data = answer.json()
    assert data["type"] == "FeatureCollection" and "Natural Earth" in data["source"]
    land = {f["properties"]["id"]: f for f in data["features"] if f["properties"]["layer"] == "land"}
    assert land["250"]["properties"]["name"] == "France" and land["250"]["properties"]["france"]
    neighbours = {"056", "276", "380", "442", "724", "756", "826", "076", "740"}  # … and Brazil, Suriname
    assert neighbours <= set(land) and not any(land[n]["properties"]["france"] for n in neighbours)
    # France whole, overseas included: Réunion (55.5° E, 21° S) and French Guiana (53° W, 4° N) are among its parts.
    parts = land["250"]["geometry"]["coordinates"]
    assert any(min(x for x, _ in p[0]) > 55 and max(y for _, y in p[0]) < -20 for p in parts)
    assert any(max(x for x, _ in p[0]) < -51 and min(y for _, y in p[0]) > 2 for p in parts)
    assert len(json.dumps(data)) < 1_000_000  # compact: a cut of the 3.6 MB 1:10m file


def test_commitments_map_draws_the_base_layer_under_its_markers(page, live_url):  # type: ignore[no-untyped-def]
    expected = len(http(live_url + "/map.json", accept="application/json").json()["markers"])
    page.goto(live_url + "/map")
    drawn = _base_map(page, "#map")
    assert drawn["markers"] == drawn["marker_paths"] == expected >= 2
    assert drawn["land"] > 10 and drawn["france"] and max(drawn["france"]) > 1000 and drawn["borders"] > 1000
    assert drawn["under"] and drawn["base_interactive"] == 0  # under the markers, and clicks go through to them
    assert drawn["sea"] == drawn["background"]  # the sea boxes have the map's background colour
    assert "Natural Earth" in drawn["attribution"]


def test_resource_small_map_draws_the_base_layer_and_its_place_in_france(page, live_url):  # type: ignore[no-untyped-def]
    page.goto(live_url + MULHOUSE)
    drawn = _base_map(page, "#small-map")
    assert drawn["markers"] == drawn["marker_paths"] == 1
    assert drawn["france"] and max(drawn["france"]) > 100 and drawn["under"]
    assert "Natural Earth" in drawn["attribution"]
    # Mulhouse lies in France's polygon, near but outside Germany's and Switzerland's.
    marker = page.locator("#small-map path.leaflet-interactive")
    assert marker.evaluate(INSIDE, "250")
    for neighbour in ("276", "756"):
        assert page.locator(f"#small-map path.basemap-{neighbour}").count() == 1
        assert not marker.evaluate(INSIDE, neighbour)


@pytest.mark.parametrize(("path", "selector", "markers"), [("/map", "#map", 2), (MULHOUSE, "#small-map", 1)],
                         ids=["commitments-map", "small-map"])
def test_maps_keep_their_markers_when_the_base_map_fails(page, live_url, path, selector, markers):  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**" + BASEMAP, lambda route: route.abort())
    page.goto(live_url + path)
    page.wait_for_selector(f"{selector}[data-markers][data-basemap=failed]")
    assert page.locator(f"{selector} path.leaflet-interactive").count() == int(
        page.get_attribute(selector, "data-markers")) >= markers
    assert page.locator(f"{selector} path[class*=basemap]").count() == 0
    assert "Natural Earth" not in page.inner_text(f"{selector} .leaflet-control-attribution")
    assert errors == []
