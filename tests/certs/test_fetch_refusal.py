"""A URL the fetch policy refuses by its host name is refused without httpx, in the same words."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import pytest

from certs.errors import RevocationUnreachableError
from certs.fetch_policy import FetchPolicy, parse_hosts
from certs.fetch_refused import FetchRefused
from certs.sources import HttpUrlSource

POLICY = FetchPolicy(public=False, hosts=parse_hosts("trusted.example,other.example:8443"))
#: in plain form: refused without httpx
PLAIN = [
    "http://kyso.invalid/pki/ocsp",
    "https://ocsp.example.com/a/b.crl?x=1&y=%20#frag",
    "http://crl.example.com./root.crl",
    "http://other.example/x",  # trusted on 8443 only
]
#: in any other form: httpx reads them
REFUSED = [
    *PLAIN,
    "HTTP://Kyso.Invalid/x",
    "http://kyso.invalid:8080/x",
    "http://xn--bcher-kva.example/x",
    "http://10.0.0.1/x",
    "http://user@kyso.invalid/x",
    "ftp://kyso.invalid/x",
    "http://kyso.invalid/a b",
]


def _transport_says(url: str) -> str:
    with pytest.raises(FetchRefused) as refused:
        POLICY.check_url(httpx.URL(url))
    return str(refused.value)


@pytest.mark.parametrize("url", REFUSED)
def test_a_refused_url_gets_the_transport_s_reason(url: str) -> None:
    expected = _transport_says(url)
    fast = POLICY.refusal(url)
    assert (fast is not None) == (url in PLAIN)
    assert fast is None or f"not allowed: {fast}" == expected
    with pytest.raises(RevocationUnreachableError) as err:
        asyncio.run(HttpUrlSource(policy=POLICY).get(url))
    assert err.value.message == f"{url}: {expected}"


@pytest.mark.parametrize("url", ["http://trusted.example/x", "https://Trusted.example./x",
                                 "http://other.example:8443/x"])  # fmt: skip
def test_a_trusted_host_or_a_public_policy_is_left_to_the_transport(url: str) -> None:
    assert POLICY.refusal(url) is None
    assert FetchPolicy(public=True).refusal("http://kyso.invalid/x") is None


def test_a_plainly_refused_url_imports_no_http_client() -> None:
    code = (
        "import asyncio, sys\n"
        "from certs.errors import RevocationUnreachableError\n"
        "from certs.fetch_policy import FetchPolicy\n"
        "from certs.sources import HttpUrlSource\n"
        "try:\n"
        "    asyncio.run(HttpUrlSource(policy=FetchPolicy(public=False)).get('http://kyso.invalid/o'))\n"
        "except RevocationUnreachableError as exc:\n"
        "    print(exc.message)\n"
        "print('httpx' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert done.stdout.splitlines() == [
        "http://kyso.invalid/o: not allowed: kyso.invalid is not a trusted host",
        "False",
    ]
