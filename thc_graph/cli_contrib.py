"""`thc token create|list|revoke` and `thc contribute FILE --token T`."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import contributions, tokens
from .errors import BadData

if TYPE_CHECKING:
    from .cli import Context

# ctx.obj is cli's Context; this module does not import cli at load time, so either may be imported first.
pass_context = click.pass_obj


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .cli import handle_errors as cli_handle_errors

        return cli_handle_errors(func)(*args, **kwargs)

    return wrapper


@click.group(name="token")
def token_group() -> None:
    """Create, list and revoke the write tokens of contributors (only hashes are stored)."""


@token_group.command(name="create")
@click.argument("name")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="A graph the token may also write (repeatable; an IRI ending in / covers every graph under it).")
@click.option("--admin", is_flag=True, help="An admin token: may write everything.")
@click.option("--territory", metavar="IRI", help="A territory token: publishes about this territory.")
@click.option("--authority", metavar="IRI",
              help="The local government the territory token speaks for (default: id/actor/ of the same code).")
@click.option("--agent", metavar="IRI", help="The actor the contributions are attributed to (e.g. an association).")
@click.option("--evaluator-of", "evaluator_of", multiple=True, metavar="IRI",
              help="An evaluator token: publishes evaluations of this territory (repeatable).")
@pass_context
@handle_errors
def token_create(ctx: Context, name: str, graphs: tuple[str, ...], admin: bool, territory: str | None,
                 authority: str | None, agent: str | None, evaluator_of: tuple[str, ...]) -> None:
    """Create the token NAME; the secret is printed once, on the last line."""
    secret = tokens.create(ctx.settings, name, graphs=graphs, admin=admin, territory=territory, authority=authority,
                           agent=agent, evaluator_of=evaluator_of)
    info = next(t for t in tokens.list_tokens(ctx.settings) if t.name == name and not t.revoked)
    click.echo(f"token {name!r} created (role {info.role}); keep it secret, it is not shown again:", err=True)
    click.echo(secret)


@token_group.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
@handle_errors
def token_list(ctx: Context, as_json: bool) -> None:
    """List the tokens (names, roles, scopes; never the secrets)."""
    infos = tokens.list_tokens(ctx.settings)
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in infos], ensure_ascii=False, indent=2))
        return
    for t in infos:
        state = f"revoked {t.revoked}" if t.revoked else "active"
        scope = t.territory or ", ".join(t.evaluator_of) or ("everything" if t.admin else ", ".join(t.graphs))
        click.echo(f"{t.name}\t{t.role}\t{state}\t{scope}")


@token_group.command(name="revoke")
@click.argument("name")
@pass_context
@handle_errors
def token_revoke(ctx: Context, name: str) -> None:
    """Revoke the token NAME at once."""
    tokens.revoke(ctx.settings, name)
    click.echo(f"token {name!r} revoked")


def _principal(ctx: Context, token: str | None) -> tokens.Principal:
    return tokens.authenticate(ctx.settings, f"Bearer {token}" if token else None)


_TOKEN = click.option("--token", envvar="THC_TOKEN", metavar="TOKEN",
                      help="The contributor's token (or the THC_TOKEN environment variable).")


@click.command(name="contribute")
@click.argument("file", type=click.Path(path_type=Path))
@_TOKEN
@click.option("--kind", type=click.Choice(contributions.KINDS), help="The template a CSV file follows "
              "(default: told by its columns).")
@click.option("--format", "fmt", metavar="FMT", help="turtle, jsonld or csv, when the suffix does not tell it.")
@click.option("--revises", metavar="GRAPH", help="The earlier contribution this one revises (its graph IRI, or "
              "CONTRIBUTOR/ID).")
@pass_context
@handle_errors
def contribute(ctx: Context, file: Path, token: str | None, kind: str | None, fmt: str | None,
               revises: str | None) -> None:
    """Publish FILE as a new contribution of the token's holder: checked, validated, then committed at once."""
    who = _principal(ctx, token)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise BadData(f"{file}: cannot read the file ({exc.strerror or exc})") from None
    submission = contributions.read(data, file.name, who, format_name=fmt, kind=kind)
    result = contributions.submit(ctx.store, who, submission, revises=revises)
    click.echo(f"{result.triples} triples ({', '.join(result.kinds)}) published by {who.name}", err=True)
    click.echo(result.graph)


@click.group(name="contribution")
def contribution_group() -> None:
    """List, withdraw and restore contributions."""


@contribution_group.command(name="list")
@click.option("--contributor", metavar="NAME")
@click.option("--kind", type=click.Choice(contributions.KINDS))
@click.option("--since", metavar="YYYY-MM-DD")
@click.option("--until", metavar="YYYY-MM-DD")
@pass_context
@handle_errors
def contribution_list(ctx: Context, contributor: str | None, kind: str | None, since: str | None,
                      until: str | None) -> None:
    """Every contribution, newest first (JSON)."""
    items = contributions.list_contributions(ctx.store, contributor=contributor, kind=kind, since=since, until=until)
    click.echo(json.dumps(items, ensure_ascii=False, indent=2))


@contribution_group.command(name="withdraw")
@click.argument("graph")
@_TOKEN
@pass_context
@handle_errors
def contribution_withdraw(ctx: Context, graph: str, token: str | None) -> None:
    """Take GRAPH out of the public union (it is kept, marked withdrawn)."""
    done = contributions.withdraw(ctx.store, _principal(ctx, token), graph)
    click.echo(f"withdrawn {done['graph']} at {done['withdrawn']} by {done['by']}")


@contribution_group.command(name="restore")
@click.argument("graph")
@_TOKEN
@pass_context
@handle_errors
def contribution_restore(ctx: Context, graph: str, token: str | None) -> None:
    """Put a withdrawn GRAPH back into the public union (admin token)."""
    done = contributions.restore(ctx.store, _principal(ctx, token), graph)
    click.echo(f"restored {done['graph']} at {done['restored']} by {done['by']}")


def register(cli: click.Group) -> None:
    cli.add_command(token_group)
    cli.add_command(contribute)
    cli.add_command(contribution_group)
