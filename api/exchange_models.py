"""Tables of the inter-agency exchange (Alembic branch ``api``, migrations a0005, a0007)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.accounts.models import ApiBase
from common.sqltypes import UtcDateTime


class PeerRow(ApiBase):
    """Another agency: its code on the exchange axis and where its kyso listens. The shared
    MAC secret is not here: it is a 0600 file under the data dir's secrets."""

    __tablename__ = "api_exchange_peer"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    url: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MessageRow(ApiBase):
    """A package sent (``out``) or received (``in``); a duplicate or replay of one received
    is refused by the unique keys (its id from that peer, its exact bytes)."""

    __tablename__ = "api_exchange_message"
    __table_args__ = (
        UniqueConstraint("direction", "peer", "document_id", name="uq_exchange_document"),
        UniqueConstraint("direction", "package_sha256", name="uq_exchange_package"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    peer: Mapped[str] = mapped_column(String(64), index=True)
    #: the edXML DocumentId (the sender's id of the message)
    document_id: Mapped[str] = mapped_column(String(255))
    package_sha256: Mapped[str] = mapped_column(String(64))
    notation: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(Text)
    #: sending | retrying | sent | refused | failed (out);
    #: received | held | refused | archived | failed (in)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    #: what was sent (out) or where it was archived (in): archive ids, comma separated
    documents: Mapped[str] = mapped_column(Text, default="")
    archive_dossier: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatusRow(ApiBase):
    """One status of a message's trail, in order (``seq``)."""

    __tablename__ = "api_exchange_status"
    __table_args__ = (UniqueConstraint("message_id", "code", name="uq_exchange_status"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("api_exchange_message.id"), index=True)
    code: Mapped[str] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    staff: Mapped[str] = mapped_column(String(256), default="")
    #: for a status this agency set on a message it received: did the sender take it
    delivered: Mapped[bool] = mapped_column(Boolean, default=True)


class RetryRow(ApiBase):
    """Work the exchange does again later, with backoff (migration a0007): re-verifying a
    held arrival (``verify``), sending the statuses its sender did not take (``deliver``) or a
    package its receiver could not take (``send``)."""

    __tablename__ = "api_exchange_retry"

    message_id: Mapped[str] = mapped_column(ForeignKey("api_exchange_message.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
