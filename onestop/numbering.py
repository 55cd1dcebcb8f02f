"""The agency's document register (sổ đăng ký văn bản): numbers per agency, document type and
year, 1, 2, 3 ... without gaps and without duplicates.

Decree 30/2020, Article 15 and Appendix I: a document's number is its order among the
documents the agency issues in the year, from 01 on 1 January to 31 December, written in Arabic
digits with a 0 before numbers under 10; the notation joins the number, the type's abbreviation
(Appendix III: QĐ, GCN, GXN ...) and the agency's: ``12/QĐ-UBND``. An official letter (công
văn) has no type abbreviation: the agency's and the drafting unit's, ``123/UBND-VP``.

The number is printed on the result before it is signed, yet it counts as used only once the
result is issued. Holding a database transaction open across rendering, signing (a time-stamp
over the network) and archiving would serialise every issuing of the agency and keep locks for
seconds, so the register reserves and then settles:

- ``reserve`` takes, in one short transaction, the lowest free number of the register (one a
  failed issuing gave back, or one whose reservation outlived ``LEASE``: its process died) or
  else the next one; the row is the reservation, held under a random token.
- ``issue`` records the number as issued **in the same transaction** as the dossier's return
  (the compare-and-set on its status): both happen or neither does.
- ``release`` gives the number back when the issuing failed (signing, archive, another official
  returned the dossier first): the next reservation takes it, so no number is lost.

A number can thus be issued after a higher one (a failed issuing's number reused later), never
twice and never skipped. A reservation that lost its lease and was taken over cannot be issued
any more (``number_reservation_lost``): the token no longer matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from common.errors import ConflictError
from onestop.errors import OnestopError
from onestop.model import Dossier

#: how long a reservation holds its number without being issued or released: longer than any
#: issuing takes (the PDF task's CPU limit, the time-stamp's network timeout), so only the
#: reservation of a process that died is taken over
LEASE = timedelta(minutes=15)


class NumberReservationLostError(ConflictError, OnestopError):
    """The reservation's lease ran out and another issuing took its number."""

    default_code = "number_reservation_lost"


@dataclass(frozen=True)
class RegisterKey:
    """One register: the numbers of one agency's documents of one type in one year."""

    agency: str
    doc_type: str  # QĐ, GCN, GXN, CV ...
    year: int


@dataclass(frozen=True)
class Reservation:
    key: RegisterKey
    number: int
    #: proves the reservation is this one (random, new for each reservation)
    token: str


@dataclass(frozen=True)
class RegisterEntry:
    """A line of the register."""

    number: int
    state: str  # reserved | issued | free
    dossier_code: str | None
    document_id: str | None
    issued_at: datetime | None


def number_text(number: int) -> str:
    """Decree 30/2020, Appendix I: a 0 before numbers under 10."""
    return f"{number:02d}"


def notation(number: int | None, type_code: str | None, agency_code: str, unit: str = "") -> str:
    """``12/QĐ-UBND`` (a typed document), ``123/UBND-VP`` (an official letter: no type,
    the drafting unit after the agency); no number (a draft): ``   /QĐ-UBND``."""
    shown = number_text(number) if number is not None else "    "
    parts = [type_code, agency_code] if type_code else [agency_code, unit]
    return f"{shown}/" + "-".join(p for p in parts if p)


class NumberRegister(Protocol):
    """The register; ``api/numbering.py`` keeps it in SQL, next to the dossiers."""

    def reserve(self, key: RegisterKey, dossier_code: str, now: datetime) -> Reservation:
        """The lowest free number of ``key`` (given back, or its lease over) or the next one."""
        ...

    def release(self, reservation: Reservation) -> None:
        """Give the number back (the issuing failed); nothing if it is no longer held."""
        ...

    def issue(
        self,
        reservation: Reservation,
        before: Dossier,
        after: Dossier,
        now: datetime,
    ) -> bool:
        """In one transaction: the number issued (to ``after.result_document``) and the dossier
        returned (``after`` over ``before``, a compare-and-set on its status). False, and
        nothing written, when the dossier changed meanwhile; ``NumberReservationLostError``
        when the reservation is no longer held."""
        ...

    def entries(self, key: RegisterKey) -> list[RegisterEntry]:
        """The register's lines, by number."""
        ...
