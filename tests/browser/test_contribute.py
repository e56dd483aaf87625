"""The contribution form in headless Chromium (Debian's, driven by Playwright) against the real app on 127.0.0.1:
a valid report lands and shows on the dashboard; an invalid one shows its message next to its field, in the page's
language. The browser and the page come from tests/browser/conftest.py (a failing test leaves a screenshot in
tests/artifacts/)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contrib_env import Env, make_env
from tests.live import serve

pytestmark = [pytest.mark.browser, pytest.mark.server]

ROW = "table.commitments tr:has(a:text('Publier des données ouvertes en trois catégories'))"


@pytest.fixture(scope="module")
def site(seed_store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Env, str]]:
    """Its own copy of the seeded store, with one token per role, served on 127.0.0.1."""
    env = make_env(seed_store, tmp_path_factory.mktemp("form"))
    with serve(env.app) as url:
        yield env, url


def _open_form(page, url: str, secret: str, lang: str = "fr") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/contribute?lang={lang}")
    page.wait_for_selector("#token")
    page.fill("#token", secret)
    page.click("button[value=load]")
    page.wait_for_selector("#engagement")


def test_a_valid_report_lands_and_shows_on_the_dashboard(page, site):  # type: ignore[no-untyped-def]
    env, url = site
    page.goto(url + "/dashboard")
    assert "Substantiel" not in page.inner_text(ROW)
    _open_form(page, url, env.secrets["mulhouse"])
    options = page.locator("#engagement option").all_inner_texts()
    assert "Publier des données ouvertes en trois catégories" in options
    page.select_option("#engagement", "mulhouse-2014-open-data")
    page.fill("#date", "2025-03-01")
    page.select_option("#realisation", "substantial")
    page.fill("#preuves", "https://data.mulhouse.fr/")
    page.fill("#description_fr", "Douze jeux de données publiés.")
    page.click("#submit")
    page.wait_for_selector("#published")
    assert "contribution/mulhouse/" in page.inner_text("#published")
    assert page.locator(".field-error").count() == 0
    page.goto(url + "/dashboard")
    row = page.inner_text(ROW)
    assert "Substantiel" in row
    history = env.client.get("/api/commitments/mulhouse-2014-open-data/history").json
    assert history["latest"]["completion"].endswith("/substantial")
    assert history["latest"]["evidence"] == ["https://data.mulhouse.fr/"]


@pytest.mark.parametrize("lang, words", [("fr", "dans le futur"), ("en", "in the future")])
def test_an_invalid_report_shows_its_message_next_to_the_field(page, site, lang, words):  # type: ignore[no-untyped-def]
    env, url = site
    before = env.dump()
    _open_form(page, url, env.secrets["mulhouse"], lang)
    page.select_option("#engagement", "mulhouse-2014-agence-de-la-vie-citoyenne")
    page.fill("#date", "2999-01-01")
    page.select_option("#realisation", "limited")
    page.click("#submit")
    message = page.wait_for_selector("#error-date")
    assert words in message.inner_text() and "2999-01-01" in message.inner_text()
    assert page.get_attribute("#date", "aria-invalid") == "true"
    assert page.input_value("#date") == "2999-01-01"  # what was typed stays
    assert page.locator("#published").count() == 0
    assert env.dump() == before


def test_a_missing_field_and_a_bad_date_are_named(page, site):  # type: ignore[no-untyped-def]
    env, url = site
    _open_form(page, url, env.secrets["mulhouse"], "en")
    page.fill("#date", "31/02/2025")
    page.click("#submit")
    assert "is not a date" in page.inner_text("#error-date")
    page.fill("#date", "2025-01-01")
    page.select_option("#realisation", "limited")
    page.click("#submit")
    assert page.locator("#error-engagement").count() >= 1


def test_a_wrong_token_is_told(page, site):  # type: ignore[no-untyped-def]
    _env, url = site
    page.goto(url + "/contribute?lang=fr")
    page.fill("#token", "pas-un-jeton")
    page.click("button[value=load]")
    assert "jeton inconnu" in page.inner_text(".general-error")
    assert page.locator("#engagement").count() == 0
