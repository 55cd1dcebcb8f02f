"""In-app notifications: what changed for a citizen or an official, shown until read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from api.accounts.models import NotificationRow
from certs.records import utc
from common.clock import Clock
from common.errors import NotFoundError
from common.ids import new_id
from onestop.codes import landing_path


@dataclass(frozen=True)
class Notification:
    id: str
    text: str
    link: str | None
    created_at: datetime
    read: bool


class Notifications:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock

    def send(self, username: str, text: str, link: str | None = None) -> None:
        with self._sessions() as db:
            db.add(
                NotificationRow(
                    id=new_id("ntf_").lower(),
                    username=username,
                    text=text,
                    link=link,
                    created_at=self._clock.now(),
                    read=False,
                )
            )
            db.commit()

    def certificate_issued(self, owner: str) -> None:
        self.send(owner, "Chứng thư số của bạn đã được cấp: kích hoạt ký số từ xa.", "/dossiers")

    def credential_replaced(self, owner: str, *, first: bool = False) -> None:
        """The citizen learns of every new remote-signing credential not made by enrolling."""
        if first:
            text = "Thông tin ký số từ xa của bạn đã được cấp tại bộ phận một cửa."
        else:
            text = (
                "Thông tin ký số từ xa của bạn vừa được thay thế: điện thoại và mã PIN cũ không "
                "còn dùng được. Nếu không phải bạn, hãy đến bộ phận một cửa."
            )
        self.send(owner, text, "/dossiers")

    def dossier_returned(self, owner: str, code: str, service: str) -> None:
        self.send(owner, f"Hồ sơ {code} ({service}) đã có kết quả.", landing_path(code))

    def for_user(self, username: str, unread_only: bool = False) -> list[Notification]:
        with self._sessions() as db:
            stmt = select(NotificationRow).where(NotificationRow.username == username)
            if unread_only:
                stmt = stmt.where(NotificationRow.read.is_(False))
            rows = db.scalars(stmt.order_by(NotificationRow.created_at.desc()).limit(100))
            return [Notification(r.id, r.text, r.link, utc(r.created_at), r.read) for r in rows]

    def mark_read(self, username: str, notification_id: str) -> None:
        with self._sessions() as db:
            row = db.get(NotificationRow, notification_id)
            if row is None or row.username != username:
                raise NotFoundError("notification_unknown", "no such notification")
            row.read = True
            db.commit()
