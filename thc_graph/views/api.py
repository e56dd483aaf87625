"""The write API of contributors (/api/contributions), its templates, the commitments' history, and the
browser form at /contribute."""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request

from .. import contribution_csv, contributions, tokens
from ..app import error_response, get_settings, get_store
from ..describe import Labeller
from ..errors import BadData, BadRequest, NotFound, ThcError, Unauthorized
from ..tokens import Principal

bp = Blueprint("api", __name__)

_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.IGNORECASE)
_SUFFIX = {"csv": ".csv", "turtle": ".ttl", "jsonld": ".jsonld", "ntriples": ".nt", "rdfxml": ".rdf"}


@bp.errorhandler(Unauthorized)
def _unauthorized(exc: Unauthorized) -> Any:
    response = error_response(exc.status, exc.title, exc.message, exc.to_dict())
    response.headers["WWW-Authenticate"] = 'Bearer realm="thc-graph"'
    return response


def principal() -> Principal:
    return tokens.authenticate(get_settings(), request.headers.get("Authorization"))


def _lang() -> str:
    wanted = request.args.get("lang")
    if wanted in ("fr", "en"):
        return wanted
    best = request.accept_languages.best_match(["fr", "en"])
    return best or str(get_settings().lang)


# -- contributing -----------------------------------------------------------------------------------------------
@bp.post("/api/contributions")
def contribute() -> Any:
    """Body: the data (Content-Type text/turtle, application/ld+json or text/csv), or multipart/form-data with a
    `file` field. Parameters (query or form): kind (for CSV), revises (an earlier contribution), format, name."""
    who = principal()
    submission = _submission(who)
    result = contributions.submit(get_store(), who, submission, revises=_param("revises"))
    response = jsonify(result.to_dict())
    response.status_code = 201
    response.headers["Location"] = f"/api/contributions/{result.graph[len(contributions.CONTRIBUTIONS):]}"
    return response


def _param(name: str) -> str | None:
    value = request.args.get(name) or (request.form.get(name) if request.mimetype == "multipart/form-data" else None)
    return value or None


def _submission(who: Principal) -> contributions.Submission:
    kind, fmt = _param("kind"), _param("format")
    media_type: str | None
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file") or next(iter(request.files.values()), None)
        if upload is None:
            raise BadRequest("multipart/form-data needs a `file` field holding the data")
        data, name, media_type = upload.read(), upload.filename or "contribution", upload.mimetype
        if media_type == "application/octet-stream":
            media_type = None
    else:
        data, media_type = request.get_data(cache=False), request.mimetype or None
        name = _param("name") or _disposition_name() or "contribution"
    if not data.strip():
        raise BadData("the request holds no data: send the file as the body (or as `file` in a form)")
    if not re.search(r"\.[A-Za-z]+$", name):
        guess = contributions.input_format(name, media_type, fmt)
        name += _SUFFIX.get(guess or "", ".ttl")
    return contributions.read(data, name, who, media_type=media_type, format_name=fmt, kind=kind)


def _disposition_name() -> str | None:
    match = _FILENAME.search(request.headers.get("Content-Disposition", ""))
    return match.group(1).rsplit("/", 1)[-1] if match else None


# -- history ----------------------------------------------------------------------------------------------------
@bp.get("/api/contributions")
def list_contributions() -> Any:
    """Every contribution, newest first. Filters: contributor, kind, since, until (YYYY-MM-DD), withdrawn=yes|no."""
    items = contributions.list_contributions(get_store(), contributor=request.args.get("contributor") or None,
                                             kind=request.args.get("kind") or None,
                                             since=request.args.get("since"), until=request.args.get("until"))
    withdrawn = request.args.get("withdrawn")
    if withdrawn in ("yes", "true", "1"):
        items = [i for i in items if i["withdrawn"]]
    elif withdrawn in ("no", "false", "0"):
        items = [i for i in items if not i["withdrawn"]]
    return jsonify({"count": len(items), "contributions": items})


@bp.get("/api/contributions/<contributor>/<graph_id>")
def one_contribution(contributor: str, graph_id: str) -> Any:
    """Its description (JSON), or its data with ?format=turtle (or Accept: text/turtle)."""
    short = f"{contributor}/{graph_id}"
    graph, triples = contributions.contribution_data(get_store(), short)
    wants_turtle = request.args.get("format") in ("turtle", "ttl") or \
        request.accept_mimetypes.best_match(["application/json", "text/turtle"]) == "text/turtle"
    if wants_turtle:
        body = ox.serialize(triples, format=ox.RdfFormat.TURTLE) if triples else b""
        return Response(body, mimetype="text/turtle")
    item = contributions.list_contributions(get_store(), graph=short)
    if not item:
        raise NotFound(f"no contribution <{graph.value}>")
    return jsonify(item[0])


@bp.post("/api/contributions/<contributor>/<graph_id>/withdraw")
def withdraw(contributor: str, graph_id: str) -> Any:
    return jsonify(contributions.withdraw(get_store(), principal(), f"{contributor}/{graph_id}"))


@bp.post("/api/contributions/<contributor>/<graph_id>/restore")
def restore(contributor: str, graph_id: str) -> Any:
    return jsonify(contributions.restore(get_store(), principal(), f"{contributor}/{graph_id}"))


@bp.get("/api/commitments/<slug>/history")
def commitment_history(slug: str) -> Any:
    """Reports, evaluations and milestones of a commitment, oldest first, withdrawn ones marked; `latest` is the
    newest report still public. For the commitments dashboard."""
    if not contribution_csv.SLUG.match(slug):
        raise NotFound(f"no commitment {slug!r}")
    return jsonify(contributions.commitment_history(get_store(), slug, _lang()))


@bp.get("/api/me")
def me() -> Any:
    """Who the token is, and the commitments it may report on."""
    who = principal()
    return jsonify({"name": who.name, "role": who.role, "admin": who.admin, "territory": who.territory,
                    "authority": who.authority, "agent": who.agent, "evaluator_of": list(who.evaluator_of),
                    "graphs": list(who.graphs),
                    "commitments": contributions.commitments_of(get_store(), who, _lang())})


# -- templates --------------------------------------------------------------------------------------------------
@bp.get("/api/templates")
def templates() -> Any:
    lang = _lang()
    return jsonify({"templates": [{
        "kind": t.kind, "title": t.title_fr if lang == "fr" else t.title_en,
        "url": f"/api/templates/{t.kind}.csv",
        "columns": [{"name": c.header, "required": c.required, "help": c.help_fr if lang == "fr" else c.help_en,
                     "example": c.example, "multiple": c.multiple} for c in t.columns],
    } for t in contribution_csv.TEMPLATES.values()]})


@bp.get("/api/templates/<kind>.csv")
def template(kind: str) -> Any:
    if kind not in contribution_csv.TEMPLATES:
        raise NotFound(f"no template {kind!r}; the templates are: {', '.join(contribution_csv.TEMPLATES)}")
    response = Response(contribution_csv.template_csv(kind), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response


# -- the browser form -------------------------------------------------------------------------------------------
FORM_FIELDS = ("engagement", "date", "realisation", "preuves", "description_fr", "description_en")
COMPLETION = ("no-evidence", "not-started", "limited", "substantial", "complete")
COMPLETION_SCHEME = "https://w3id.org/thc/scheme/irm-completion/"


@bp.route("/contribute", methods=["GET", "POST"])
def contribute_form() -> Any:
    """Add a progress report without writing RDF: the token first, then the form of its commitments."""
    from .site import page_lang, render

    lang = page_lang()
    context: dict[str, Any] = {"completion": COMPLETION, "values": {}, "errors": {}, "general": [],
                               "commitments": [], "token": "", "result": None, "who": None}
    if request.method == "POST":
        secret = (request.form.get("token") or "").strip()
        context["token"] = secret
        context["values"] = {f: request.form.get(f, "") for f in FORM_FIELDS}
        try:
            who = tokens.authenticate(get_settings(), f"Bearer {secret}" if secret else None)
            context["who"] = who
            context["commitments"] = contributions.commitments_of(get_store(), who, lang)
            if request.form.get("action") == "submit":
                fields = {k: v for k, v in context["values"].items() if v}
                submission = contributions.read_form(fields, "report", who)
                context["result"] = contributions.submit(get_store(), who, submission)
                context["values"] = {}
        except contributions.ContributionInvalid as exc:
            for item in exc.to_dict()["violations"]:
                field = item.get("column") if item.get("column") in FORM_FIELDS else None
                text = item["message"][lang]
                if field:
                    context["errors"].setdefault(field, []).append(text)
                else:
                    context["general"].append(text)
        except BadData as exc:
            match = re.search(r"column (\w+): (.*)$", exc.message)
            if match and match.group(1) in FORM_FIELDS:
                context["errors"].setdefault(match.group(1), []).append(match.group(2))
            else:
                context["general"].append(exc.message)
        except ThcError as exc:
            context["general"].append(exc.details.get("message_fr") if lang == "fr" and exc.details.get("message_fr")
                                      else exc.message)
            context["status"] = exc.status
            if isinstance(exc, Unauthorized):
                context["token"] = ""
    status = 422 if context["errors"] or (context["general"] and context["who"]) else context.pop("status", 200)
    # The completion levels are named as the IRM scheme names them (the ontology's labels, in the page language).
    label = Labeller(get_store(), lang)
    context["completion_labels"] = {c: label(COMPLETION_SCHEME + c) for c in COMPLETION}
    response = render("contribute.html", status=status, **context)
    response.headers["Cache-Control"] = "no-store"
    return response

