"""``kyso exchange``: inter-agency exchange of signed documents as edXML (docs/exchange.md)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from api.exchange_store import Message
    from api.wiring import Services

app = typer.Typer(help="Liên thông văn bản (edXML) với cơ quan khác / inter-agency exchange.")
peer_app = typer.Typer(help="Cơ quan liên thông (peer agencies): code, URL, secret, trust.")
app.add_typer(peer_app, name="peer")


def _services() -> Services:
    from api.settings import Settings
    from api.wiring import build_services

    return build_services(Settings())


def _retry(svc: Services) -> None:
    """What is due first: held arrivals verified again, waiting statuses sent again."""
    from api.exchange_retry import retry_due

    report = retry_due(svc)
    for message_id, state in report.verified:
        typer.echo(f"{message_id}: kiểm tra lại / verified again -> {state}")
    for message_id in report.delivered:
        typer.echo(f"{message_id}: trạng thái đã gửi / waiting statuses delivered")
    for message_id, state in report.sent:
        typer.echo(f"{message_id}: gửi lại / sent again -> {state}")
    for message_id, code in report.failed:
        typer.echo(f"{message_id}: thử lại sau / tried again later [{code}]", err=True)


def _show(message: Message) -> None:
    from onestop.exchange.model import LABELS

    arrow = "->" if message.direction == "out" else "<-"
    typer.echo(f"{message.id} {arrow} {message.peer} {message.notation} [{message.state}]")
    typer.echo(f"  {message.subject}")
    if message.reason:
        typer.echo(f"  {message.reason}")
    if message.archive_dossier:
        typer.echo(f"  archive: {message.archive_dossier} {' '.join(message.documents)}")
    for entry in message.trail:
        late = "" if entry.delivered else " (chưa gửi được / not delivered)"
        typer.echo(
            f"  {entry.at.isoformat()} {entry.code.value} {LABELS[entry.code]}: "
            f"{entry.description}{late}"
        )


@peer_app.command("add")
def peer_add(
    code: str = typer.Argument(..., help="the peer agency's code"),
    url: str = typer.Argument(..., help="the peer's kyso base URL"),
    name: str = typer.Option("", help="the agency's name"),
    secret_file: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="the MAC secret both agencies share"
    ),
    trust: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="the peer's root CA (PEM): its signers trusted"
    ),
) -> None:
    """Add (or update) a peer agency; without --secret-file a new secret is printed once."""
    from api.exchange import store
    from api.exchange_store import Peer

    svc = _services()
    made = secret_file is None
    secret = secrets.token_hex(32).encode() if made else secret_file.read_bytes().strip()  # type: ignore[union-attr]
    store(svc).add_peer(Peer(code, name or code, url), secret, svc.clock.now())
    if trust is not None:
        added = svc.pki.trust_add(trust.read_bytes())
        typer.echo(f"{len(added)} trust anchor(s) added")
    typer.echo(f"peer {code} -> {url.rstrip('/')}")
    if made:
        typer.echo(f"shared secret (give it to {code}'s kyso, --secret-file): {secret.decode()}")


@peer_app.command("list")
def peer_list() -> None:
    from api.exchange import store

    for peer in store(_services()).peers():
        typer.echo(f"{peer.code}\t{peer.url}\t{peer.name}")


@app.command("send")
def send_command(
    to: str = typer.Option(..., "--to", help="the receiving agency's code"),
    document: str | None = typer.Option(None, help="an archived signed PDF's document id"),
    dossier: str | None = typer.Option(None, help="a dossier whose result is sent"),
    subject: str | None = typer.Option(None, help="the subject (default: the document's)"),
) -> None:
    """Gửi văn bản / send a signed result to a peer agency as an edXML package."""
    from api.exchange import send

    svc = _services()
    _retry(svc)
    message = send(svc, to=to, actor="cli", document_id=document,
                   dossier_code=dossier, subject=subject)  # fmt: skip
    _show(message)


@app.command("status")
def status_command(
    message_id: str | None = typer.Argument(None, help="one message (default: all)"),
) -> None:
    """Trạng thái / the messages sent and received with their status trails."""
    from api.exchange import store

    svc = _services()
    _retry(svc)
    exchange = store(svc)
    for message in [exchange.get(message_id)] if message_id else exchange.messages():
        _show(message)


@app.command("receive")
def receive_command(
    message_id: str | None = typer.Argument(None, help="an arrival (default: list the inbox)"),
    status: str | None = typer.Option(None, help="04 assigned, 05 processing or 06 done"),
    note: str = typer.Option("", help="the status's description"),
    staff: str = typer.Option("", help="who handles it"),
    resend: bool = typer.Option(False, help="send again the statuses the sender did not take"),
    reverify: bool = typer.Option(False, help="verify a held arrival again now"),
) -> None:
    """Văn bản đến / list the inbox, or move an arrival on (sent back to the sender)."""
    from api.exchange import redeliver, store, update_status
    from api.exchange_retry import reverify as verify_again
    from onestop.exchange.errors import ExchangeInputError
    from onestop.exchange.model import LABELS, StatusCode

    svc = _services()
    if reverify and message_id is not None:
        _show(verify_again(svc, message_id))
        return
    _retry(svc)
    if message_id is None:
        for message in store(svc).messages("in"):
            _show(message)
        return
    if resend:
        _show(redeliver(svc, message_id))
        return
    if status is None:
        _show(store(svc).get(message_id))
        return
    try:
        code = StatusCode(status)
    except ValueError:
        raise ExchangeInputError("exchange_bad_status", f"not a status code: {status}") from None
    _show(update_status(svc, message_id, code, note or LABELS[code], staff))
