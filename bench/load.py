"""Load test: verify, remote signing and archive search against a real `kyso serve`, with memory.

Run: .venv/bin/python bench/load.py [--seconds 20] [--clients 4] [--workers 1] [--mixed 60]
One phase per kind, then a mixed phase (each client takes the kinds in turn), against a server
on its own data dir (SQLite, folder store, in-process jobs; rate limits lifted), over loopback.
- verify: POST /api/v1/verify, a PAdES B-T sealed PDF (any verdict but TOTAL_PASSED is an error);
- sign: the CSC flow of a citizen's phone, credentials/authorize (PIN + TOTP) then
  signatures/signHash for one hash; a TOTP step serves once, so clients lease credentials;
- search: GET /api/v1/archive/search over --documents archived PDFs (anonymous and archivist).
RSS: VmRSS of the server and its descendants (uvicorn workers, verifier pool), every second.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import itertools
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp

ROOT = Path(__file__).resolve().parent.parent
# run as a script, bench/ would come first on sys.path: look from the root
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "tests" / "api"))
from apitools import PASSWORD, make_pdf  # noqa: E402

from api.accounts.service import Role  # noqa: E402
from api.officer import approve_enrolment  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.wiring import Services, build_services  # noqa: E402
from archive.metadata import DocumentMeta, DossierMeta  # noqa: E402
from bench.benchtools import (  # noqa: E402
    free_port,
    kyso_server,
    percentile_ms,
    rss_tree,
    signed_document,
)

PIN = "246810"
#: signAlgo of the citizens' ECDSA P-256 keys (ecdsa-with-SHA256)
ECDSA_SHA256 = "1.2.840.10045.4.3.2"
KINDS = ("verify", "sign", "search")
TYPES = ("Quyết định", "Công văn", "Giấy phép", "Tờ trình", "Báo cáo")
SUBJECTS = ("cấp phép xây dựng", "giao đất ở", "đăng ký hộ tịch", "khen thưởng", "thuế đất")
QUERIES = ("giay phep", "xay dung", "quyet dinh", "ho tich", "dat o", "Hoàn Kiếm", "thuế")


class Credentials:
    """Citizens' remote-signing credentials, leased one at a time (a code step serves once)."""

    def __init__(self, entries: list[tuple[dict[str, str], str, pyotp.TOTP]]) -> None:
        self.entries = entries
        self.last_step = [0] * len(entries)
        self.free = set(range(len(entries)))
        self.lock = threading.Lock()
        self.waits = 0

    def lease(self) -> tuple[int, str] | None:
        """A free credential and a code of a step it has not used (now or next), else None."""
        now = int(time.time() // 30)
        with self.lock:
            for i in sorted(self.free, key=self.last_step.__getitem__):
                step = max(self.last_step[i] + 1, now)
                if step <= now + 1:
                    self.free.discard(i)
                    self.last_step[i] = step
                    return i, self.entries[i][2].at(step * 30)
            self.waits += 1
            return None

    def give_back(self, i: int) -> None:
        with self.lock:
            self.free.add(i)


Check = Callable[[httpx.Response], str]


def not_passed(response: httpx.Response) -> str:
    """'' for the expected verdict on the valid document, else '200 <indication>'."""
    indication = response.json().get("indication")
    return "" if indication == "TOTAL_PASSED" else f"200 {indication}"


@dataclass
class Load:
    url: str
    pdf: bytes
    archivist: dict[str, str]
    credentials: Credentials
    #: (kind, HTTP status or exception name, seconds)
    samples: list[tuple[str, int | str, float]] = field(default_factory=list)

    def timed(
        self, kind: str, client: httpx.Client, request: httpx.Request, wrong: Check | None = None
    ) -> httpx.Response | None:
        """Send, and record the status: an exception's name, or what ``wrong`` finds in a 2xx."""
        began = time.perf_counter()
        try:
            response = client.send(request)
        except httpx.HTTPError as exc:
            self.samples.append((kind, type(exc).__name__, time.perf_counter() - began))
            return None
        status: int | str = response.status_code
        if wrong is not None and response.is_success:
            status = wrong(response) or status
        self.samples.append((kind, status, time.perf_counter() - began))
        return response

    def verify(self, client: httpx.Client) -> None:
        files = {"file": ("d.pdf", self.pdf, "application/pdf")}
        request = client.build_request("POST", f"{self.url}/api/v1/verify", files=files)
        self.timed("verify", client, request, not_passed)

    def sign(self, client: httpx.Client) -> None:
        lease = self.credentials.lease()
        if lease is None:
            time.sleep(0.5)  # every credential used its code steps: wait for the next one
            return
        i, otp = lease
        headers, credential, _totp = self.credentials.entries[i]
        digest = base64.b64encode(hashlib.sha256(os.urandom(32)).digest()).decode()
        body = {"credentialID": credential, "hash": [digest]}
        csc = f"{self.url}/csc/v1"  # the CSC API, v1 field names (as pyHanko's CSCSigner)
        try:
            approval = {**body, "numSignatures": 1, "PIN": PIN, "OTP": otp}
            request = client.build_request(
                "POST", f"{csc}/credentials/authorize", json=approval, headers=headers
            )
            sad = self.timed("authorize", client, request)
            if sad is not None and sad.status_code == 200:
                signing = {**body, "SAD": sad.json()["SAD"], "signAlgo": ECDSA_SHA256}
                request = client.build_request(
                    "POST", f"{csc}/signatures/signHash", json=signing, headers=headers
                )
                self.timed("signHash", client, request)
        finally:
            self.credentials.give_back(i)

    def search(self, client: httpx.Client) -> None:
        params = {"q": random.choice(QUERIES), "limit": "20"}
        headers = self.archivist if random.random() < 0.5 else {}
        url = f"{self.url}/api/v1/archive/search"
        self.timed(
            "search", client, client.build_request("GET", url, params=params, headers=headers)
        )


def set_up(services: Services, credentials: int, documents: int) -> tuple[Credentials, str]:
    """Citizens with a remote-signing credential each; an archive of ``documents`` PDFs."""
    accounts = services.accounts
    official = accounts.create_user("official1", PASSWORD, Role.OFFICIAL, "Cán bộ", agency="UBND")
    entries = []
    for n in range(credentials):
        citizen = accounts.create_user(f"citizen{n}", PASSWORD, Role.CITIZEN, "Nguyễn Thị Hoa")
        asked = services.enrolment.request(
            "Nguyễn Thị Hoa", f"0012030{n:05}", None, citizen.username
        )
        record = services.pki.get(approve_enrolment(services, asked.id, official).serial or "")
        assert record.key_label is not None
        enrolled = services.remote_signing.enrol(
            citizen.username, record.serial, record.key_label, PIN
        )
        headers = {"Authorization": f"Bearer {accounts.issue_token(citizen)}"}
        entries.append((headers, enrolled.credential_id, pyotp.TOTP(enrolled.totp_secret)))
    rng, archive = random.Random(7), services.archive
    for d in range(10):
        archive.catalog.create_dossier(DossierMeta(f"HS-{d:02}", f"Hồ sơ {d}"), actor="bench")
    for n in range(documents):
        kind, subject = rng.choice(TYPES), rng.choice(SUBJECTS)
        meta = DocumentMeta(
            title=f"{kind} số {n}/UBND về {subject} tại phường Hàng Trống, quận Hoàn Kiếm",
            document_type=kind,
            number_notation=f"{n}/UBND",
            access_level=rng.choice(("public", "public", "internal", "restricted")),
        )
        archive.put(
            io.BytesIO(make_pdf(f"Van ban so {n}")), dossier_code=f"HS-{n % 10:02}", meta=meta,
            media_type="application/pdf", actor="bench",
        )  # fmt: skip
    archivist = accounts.create_user("archivist1", PASSWORD, Role.ARCHIVIST, "Lưu trữ viên")
    return Credentials(entries), accounts.issue_token(archivist)


@dataclass
class Phase:
    name: str
    seconds: float
    samples: list[tuple[str, int | str, float]]
    rss: list[float]  # MB: at start, every second, at end
    processes: tuple[int, int]  # server processes at start and at end


def run_phase(
    load: Load, name: str, kinds: tuple[str, ...], seconds: float, clients: int, pid: int
) -> Phase:
    load.samples = []
    stop, done = time.perf_counter() + seconds, threading.Event()
    first = rss_tree(pid)
    rss = [sum(first)]

    def sample_memory() -> None:
        while not done.wait(1.0):
            rss.append(sum(rss_tree(pid)))

    def client(i: int) -> None:
        turns = itertools.cycle(kinds[i % len(kinds) :] + kinds[: i % len(kinds)])
        with httpx.Client(timeout=120) as http:
            while time.perf_counter() < stop:
                getattr(load, next(turns))(http)

    sampler = threading.Thread(target=sample_memory)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in [sampler, *threads]:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    done.set()
    sampler.join()
    last = rss_tree(pid)
    rss.append(sum(last))
    return Phase(name, elapsed, load.samples, rss, (len(first), len(last)))


def growth(rss: list[float], processes: tuple[int, int]) -> str:
    delta, (before, after) = rss[-1] - rss[0], processes
    count = f"{before}" if before == after else f"{before} -> {after}"
    return (
        f"{rss[0]:.0f} -> {rss[-1]:.0f} MB ({delta:+.1f} MB, {delta / rss[0]:+.1%}; {count} proc.)"
    )


def report(phase: Phase) -> None:
    rss = f"RSS {growth(phase.rss, phase.processes)}, max {max(phase.rss):.0f} MB"
    print(f"\n== {phase.name}: {phase.seconds:.0f} s, {rss}")
    heads = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"{'kind':<10}", *(f"{h:>8}" for h in heads), " errors")
    for kind in ("verify", "authorize", "signHash", "search"):
        rows = [(status, s) for k, status, s in phase.samples if k == kind]
        if not rows:
            continue
        latencies = sorted(s for _, s in rows)
        bad = Counter(str(st) for st, _ in rows if not (isinstance(st, int) and 200 <= st < 300))
        errors = f"{sum(bad.values())} {dict(bad)}" if bad else "0"
        pct = [percentile_ms(latencies, p) for p in (0.5, 0.95, 0.99)]
        rate = len(rows) / phase.seconds
        print(f"{kind:<10} {len(rows):>8} {rate:>8.1f}", *(f"{v:>8.0f}" for v in pct), "", errors)


def print_series(phase: Phase, windows: int = 12) -> None:
    """RSS low and high in each of ``windows`` stretches of the phase, in MB."""
    size = max(1, len(phase.rss) // windows)
    parts = [phase.rss[i : i + size] for i in range(0, len(phase.rss), size)]
    every = f"RSS MB every {phase.seconds / len(parts):.0f} s"
    print(f"{every}, low: ", " ".join(f"{min(p):4.0f}" for p in parts))
    print(f"{every}, high:", " ".join(f"{max(p):4.0f}" for p in parts))


def server_problems(log: Path) -> str:
    """How many warnings and errors (or tracebacks) the server logged, and the first of each."""
    lines, found = log.read_text().splitlines(), []
    levels = {"warnings": ('"WARNING"',), "errors": ('"ERROR"', '"CRITICAL"', "Traceback")}
    for label, marks in levels.items():
        bad = [line for line in lines if any(m in line for m in marks)]
        found.append(f"{len(bad)} {label}" + (f" (first: {bad[0][:2000]})" if bad else ""))
    return "server log: " + ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0, help="per single-kind phase")
    parser.add_argument("--mixed", type=float, default=60.0, help="mixed phase seconds (0: none)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--credentials", type=int, default=100)
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset")
    args = parser.parse_args()
    kinds = tuple(k for k in KINDS if k in args.kinds.split(","))
    folder = Path(tempfile.mkdtemp(prefix="kyso-bench-load-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    services = build_services(Settings(data_dir=folder, public_url=url))
    services.ensure_pki()
    began = time.perf_counter()
    credentials, archivist = set_up(services, args.credentials, args.documents)
    token = {"Authorization": f"Bearer {archivist}"}
    load = Load(url, signed_document(services), token, credentials)
    took = time.perf_counter() - began
    print(f"set-up: {args.credentials} credentials, {args.documents} documents, {took:.0f} s")
    print(f"server log: {folder / 'server.log'}")
    phases = []
    with kyso_server(folder, port, args.workers) as server:
        for kind in kinds:  # twice the clients: every worker and verifier process starts
            run_phase(load, "warm-up", (kind,), 2.0, args.clients * 2, server.pid)
        for kind in kinds:
            phases.append(run_phase(load, kind, (kind,), args.seconds, args.clients, server.pid))
            report(phases[-1])
        if args.mixed > 0:
            phases.append(run_phase(load, "mixed", kinds, args.mixed, args.clients, server.pid))
            report(phases[-1])
            print_series(phases[-1])
        by_process = " + ".join(f"{v:.0f}" for v in rss_tree(server.pid))
    waits = credentials.waits
    print(f"\n{args.workers} worker(s), {args.clients} clients; one-time code waits: {waits}")
    print(f"RSS by process at the end (server first): {by_process} MB")
    print(server_problems(folder / "server.log"))
    first, last = phases[0], phases[-1]
    whole = ([first.rss[0], last.rss[-1]], (first.processes[0], last.processes[1]))
    for label, (rss, count) in (("whole run", whole), ("last phase", (last.rss, last.processes))):
        noise = rss[-1] - rss[0] < max(10.0, 0.05 * rss[0])
        verdict = "no growth beyond noise" if noise else "GROWS (noise: 10 MB or 5%)"
        if count[0] != count[1]:
            verdict = "not comparable: processes started or ended"
        print(f"memory, {label}: {growth(rss, count)}: {verdict}")


if __name__ == "__main__":
    main()
