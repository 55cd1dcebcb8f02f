"""POST /api/v1/verify over loopback vs verify/ in-process, on the same signed PDF.

Run: .venv/bin/python bench/api.py [--seconds 10] [--workers 2] [--clients 4]
The server is `kyso serve --workers N` on its own data dir; the client is httpx in threads
(loopback only). Rate limits are lifted for the run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# run as a script, this file (bench/api.py) would shadow the api package: look from the root
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "tests" / "api"))
from api.settings import Settings  # noqa: E402
from api.wiring import Services, build_services  # noqa: E402
from bench.benchtools import free_port, kyso_server, percentile_ms, signed_document  # noqa: E402
from verify.engine import verify_pdf  # noqa: E402


def in_process(services: Services, pdf: bytes, seconds: float) -> float:
    options = services.verify_options()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        assert verify_pdf(pdf, options).indication.value == "TOTAL_PASSED"
        count += 1
    return count / (time.perf_counter() - start)


def over_http(url: str, pdf: bytes, seconds: float, clients: int) -> tuple[float, list[float]]:
    counts, latencies = [0] * clients, []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        with httpx.Client(timeout=60) as client:
            while time.perf_counter() < stop:
                began = time.perf_counter()
                response = client.post(url, files={"file": ("d.pdf", pdf, "application/pdf")})
                assert response.status_code == 200, response.text
                with lock:
                    latencies.append(time.perf_counter() - began)
                counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - start), sorted(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kyso-bench-api-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    services = build_services(Settings(data_dir=folder, public_url=url))
    services.ensure_pki()
    pdf = signed_document(services)
    local = in_process(services, pdf, args.seconds)
    with kyso_server(folder, port, args.workers):
        over_http(f"{url}/api/v1/verify", pdf, 2.0, args.clients)  # warm every worker
        rate, latencies = over_http(f"{url}/api/v1/verify", pdf, args.seconds, args.clients)
    pct = {p: percentile_ms(latencies, p) for p in (0.5, 0.95, 0.99)}
    print(f"in-process verify/: {local:.1f} docs/s (1 core)")
    print(
        f"POST /api/v1/verify, {args.workers} workers, {args.clients} clients: {rate:.1f} req/s "
        f"(p50 {pct[0.5]:.0f} ms, p95 {pct[0.95]:.0f} ms, p99 {pct[0.99]:.0f} ms)"
    )
    print(f"ratio API / in-process: {rate / local:.2f}")


if __name__ == "__main__":
    main()
