"""What every HTML page shares: web/static, the page language (remembered in a cookie), IRI ↔ local path, render()."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, render_template, request

from .. import i18n, paths
from ..app import get_settings, get_store
from ..errors import BadRequest
from ..search import Searcher

bp = Blueprint("site", __name__, static_folder=str(paths.WEB_DIR / "static"), static_url_path="/static",
               template_folder=str(paths.WEB_DIR / "templates"))

LANG_COOKIE = "lang"
LANG_COOKIE_AGE = 365 * 24 * 3600


def page_lang() -> str:
    if "lang" not in g:
        explicit = request.args.get("lang")  # an unknown value is refused by check_params(), ignored here
        g.lang = i18n.choose(explicit, request.cookies.get(LANG_COOKIE),
                             list(request.accept_languages), str(get_settings().lang))
    return str(g.lang)


def check_params(*allowed: str) -> None:
    """A 400 naming any query parameter this page does not take, or a language we do not have."""
    known = {"lang", "format", *allowed}
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise BadRequest(f"unknown parameter {', '.join(unknown)}; this page takes: {', '.join(sorted(known))}")
    lang = request.args.get("lang")
    if lang is not None and lang not in i18n.LANGS:
        raise BadRequest(f"lang={lang!r} is not offered; choose fr or en")


@bp.after_app_request
def _remember_lang(response: Response) -> Response:
    """?lang=en switches the language and remembers it; HTML answers vary with what chose their language."""
    explicit = request.args.get("lang")
    if explicit in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, explicit, max_age=LANG_COOKIE_AGE, samesite="Lax")
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def base_iri() -> str:
    if "base_iri" not in g:
        g.base_iri = str(get_settings().base)
    return str(g.base_iri)


def local_href(iri: str) -> str | None:
    """The path on this server that answers for `iri`, or None for an IRI outside the base."""
    base = base_iri()
    if iri.startswith(base):
        return "/" + iri[len(base):]
    return None


def href(iri: str) -> str:
    """Where a link to `iri` should point: here for our IRIs, the IRI itself for the web's (http/https only)."""
    local = local_href(iri)
    if local is not None:
        return local
    return iri if iri.startswith(("http://", "https://")) else "#"


def switch_url(lang: str) -> str:
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = lang
    return request.path + "?" + urlencode(args)


def url_with(**changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = str(value)
    return request.path + ("?" + urlencode(args) if args else "")


@bp.app_context_processor
def _page_context() -> dict[str, Any]:
    """Names every template may use, including templates of other blueprints that extend base.html."""
    lang = page_lang()
    other = i18n.other(lang)
    return {
        "lang": lang, "other_lang": other,
        "t": lambda key, **kw: i18n.text(key, lang).format(**kw) if kw else i18n.text(key, lang),
        "href": href, "switch_url": switch_url(other), "url_with": url_with,
    }


def render(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, **context)
    return current_app.response_class(html, status=status, mimetype="text/html")


def searcher() -> Searcher:
    """The search index of this app's store, built on first use and rebuilt after each change."""
    ext = current_app.extensions
    if "thc_searcher" not in ext:
        ext["thc_searcher"] = Searcher(get_store())
    return ext["thc_searcher"]  # type: ignore[no-any-return]  # app.extensions holds Any; set just above
