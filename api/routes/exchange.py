"""``/api/v1/exchange``: the inter-agency exchange (docs/exchange.md).

Officials and admins send (``outbox``), read the messages and their status trails, and move
an arrival on (assigned, processing, done). Peer agencies' systems post packages (``inbox``)
and status messages (``status``), authenticated by the MAC of the shared secret, not a login.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.accounts.service import Role, User
from api.deps import ServicesDep, require
from api.exchange import record_status, send, store, update_status
from api.exchange_inbox import authenticate, receive
from api.exchange_store import Message
from onestop.exchange.model import LABELS, StatusCode

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
Official = Annotated[User, Depends(require(Role.OFFICIAL))]


class OutboxCreate(BaseModel):
    to: str = Field(max_length=64, description="the receiving agency's code")
    document_id: str | None = Field(default=None, max_length=64)
    dossier_code: str | None = Field(default=None, max_length=64)
    subject: str | None = Field(default=None, max_length=2000)


class StatusCreate(BaseModel):
    code: StatusCode
    description: str = Field(default="", max_length=2000)


class TrailPublic(BaseModel):
    code: str
    label: str
    description: str
    at: datetime
    staff: str
    delivered: bool


class MessagePublic(BaseModel):
    id: str
    direction: str
    peer: str
    document_id: str
    notation: str
    subject: str
    state: str
    reason: str | None
    documents: list[str]
    archive_dossier: str | None
    created_at: datetime
    trail: list[TrailPublic]


class ArrivalPublic(BaseModel):
    message_id: str
    #: archived | refused | held (verification pending: 03 or 02 follows later)
    state: str
    #: the edXML status messages, in order (01, then 03 or 02; 01 alone when held)
    statuses: list[str]


def message_public(message: Message) -> MessagePublic:
    return MessagePublic(
        id=message.id,
        direction=message.direction,
        peer=message.peer,
        document_id=message.document_id,
        notation=message.notation,
        subject=message.subject,
        state=message.state,
        reason=message.reason,
        documents=list(message.documents),
        archive_dossier=message.archive_dossier,
        created_at=message.created_at,
        trail=[
            TrailPublic(code=t.code.value, label=LABELS[t.code], description=t.description,
                        at=t.at, staff=t.staff, delivered=t.delivered)
            for t in message.trail
        ],
    )  # fmt: skip


@router.post("/outbox", status_code=201)
async def post_outbox(body: OutboxCreate, svc: ServicesDep, user: Official) -> MessagePublic:
    """Send an archived signed PDF, or a dossier's result, to a peer agency as edXML."""
    message = await run_in_threadpool(
        lambda: send(
            svc,
            to=body.to,
            actor=user.username,
            document_id=body.document_id,
            dossier_code=body.dossier_code,
            subject=body.subject,
        )
    )
    return message_public(message)


@router.get("/messages")
def list_messages(svc: ServicesDep, _user: Official) -> list[MessagePublic]:
    return [message_public(m) for m in store(svc).messages()]


@router.get("/messages/{message_id}")
def get_message(message_id: str, svc: ServicesDep, _user: Official) -> MessagePublic:
    return message_public(store(svc).get(message_id))


@router.post("/messages/{message_id}/status")
async def post_status(
    message_id: str, body: StatusCreate, svc: ServicesDep, user: Official
) -> MessagePublic:
    """Move an accepted arrival on (04 assigned, 05 processing, 06 done); sent to the sender."""
    message = await run_in_threadpool(
        lambda: update_status(
            svc, message_id, body.code, body.description, user.full_name, actor=user.username
        )
    )
    return message_public(message)


@router.post("/messages/{message_id}/reverify")
async def post_reverify(message_id: str, svc: ServicesDep, _user: Official) -> MessagePublic:
    """Verify a held arrival again now: accepted (03), refused (02) or still held."""
    from api.exchange_retry import reverify

    return message_public(await run_in_threadpool(reverify, svc, message_id))


@router.post("/inbox")
async def post_inbox(request: Request, svc: ServicesDep) -> ArrivalPublic:
    """A peer agency's edXML package (MAC-authenticated): verified, archived, answered."""
    body = await request.body()
    arrival = await run_in_threadpool(receive, svc, request.headers, request.url.path, body)
    return ArrivalPublic(
        message_id=arrival.message.id,
        state=arrival.message.state,
        statuses=[s.decode() for s in arrival.statuses],
    )


@router.post("/status")
async def post_peer_status(request: Request, svc: ServicesDep) -> MessagePublic:
    """A peer agency's status message about a package this agency sent."""
    body = await request.body()
    sender = await run_in_threadpool(authenticate, svc, request.headers, request.url.path, body)
    message = await run_in_threadpool(record_status, svc, sender, body)
    return message_public(message)
