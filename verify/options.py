"""Options of a verification, built by ``api/`` (or a test) and passed in frozen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from asn1crypto import x509

from certs.revcache import RevocationCache
from verify.policy import STRICT, Policy

if TYPE_CHECKING:  # pyHanko's validation modules: only where a verification runs
    from verify.batchcache import BatchCache


class RevocationSource(Protocol):
    """Fetches revocation data by URL: GET a CRL, POST an OCSP request.

    Implementations raise a ``common.errors.KysoError`` when the URL cannot be answered, and
    bound their own time and size (``certs.sources.HttpUrlSource``).
    """

    async def get(self, url: str) -> bytes: ...

    async def post(self, url: str, body: bytes, content_type: str) -> bytes: ...


@dataclass(frozen=True)
class Limits:
    """Bounds for hostile input (checked before parsing, and in the isolated runner)."""

    max_bytes: int = 200 * 1024 * 1024
    max_memory_bytes: int = 512 * 1024 * 1024
    timeout_seconds: float = 10.0
    #: pages rendered per revision for the visual comparison
    max_rendered_pages: int = 30
    render_dpi: int = 72
    #: one OCSP/CRL fetch: the whole answer within this time, at most this size
    fetch_timeout_seconds: float = 10.0
    fetch_max_bytes: int = 10 * 1024 * 1024
    #: all the OCSP/CRL fetches of one verification together (a document may name many
    #: responders); what is not answered in time makes its signature TRY_LATER
    revocation_budget_seconds: float = 30.0

    def wall_seconds(self) -> float:
        """How long one verification may take: its CPU budget (with room for a loaded
        machine) plus the time its revocation look-ups may spend waiting."""
        return self.timeout_seconds * 3 + self.revocation_budget_seconds


@dataclass(frozen=True)
class VerifyOptions:
    trust_roots: tuple[x509.Certificate, ...]
    #: intermediate CA certificates known to the verifier (besides those in the signature)
    other_certs: tuple[x509.Certificate, ...] = ()
    #: validate as of this time instead of now (``--at``)
    at: datetime | None = None
    #: fetch OCSP/CRL online; otherwise only the document's embedded evidence is used
    online: bool = True
    #: how URLs are fetched when online; ``None``: plain HTTP
    revocation_source: RevocationSource | None = None
    policy: Policy = STRICT
    limits: Limits = Limits()
    #: OCSP responses and CRLs shared with other verifications while valid (a batch, a
    #: verifier process); ``None``: each verification fetches its own
    revocation_cache: RevocationCache | None = field(default=None, compare=False)
    #: signature checks and signer path outcomes shared with other verifications, each only
    #: where it cannot change a verdict (``verify.batchcache``); ``None``: nothing shared
    batch_cache: BatchCache | None = field(default=None, compare=False)
