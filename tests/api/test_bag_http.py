"""BagIt over HTTP against a running ``kyso serve`` (issue 14): a dossier's bag downloaded as a
zip validates with the Library of Congress ``bagit`` package, a bag ``bagit.make_bag`` made
uploads and imports, and a wrong one (checksum, extra file, a zip that escapes its folder, links,
a zip bomb, ...) is refused with its code and nothing is stored."""

from __future__ import annotations

import io
import json
import stat
import struct
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import bagit
import httpx
import pytest
from servetools import Served, kyso_served

from api.settings import Settings
from api.wiring_archive import build_archive
from tests.archive.bagtools import MINUTES, OCR, SCAN, put_sample_dossier

pytestmark = pytest.mark.slow
EXPORTED = "HS-XK-2026-07"
#: the upload limit of the server: a bag may unpack to 4 times it (20 MB)
UPLOAD_MB = 5


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with kyso_served(
        tmp_path_factory.mktemp("bag-http"),
        {"KYSO_MAX_UPLOAD_MB": str(UPLOAD_MB), "KYSO_VERIFY_WORKERS": "1"},
    ) as server:
        archive = build_archive(Settings(data_dir=server.data))
        put_sample_dossier(archive, EXPORTED, "Hồ sơ giao đất thửa 12", "Quyết định")
        archive.catalog.engine.dispose()
        yield server


def _archivist(served: Served) -> dict[str, str]:
    return served.kyso.headers("archivist")


def _payload(bag: Path) -> dict[str, bytes]:
    return {p.relative_to(bag).as_posix(): p.read_bytes() for p in bag.rglob("*") if p.is_file()}


def _download(served: Served, code: str, folder: Path) -> Path:
    answer = httpx.get(
        f"{served.url}/api/v1/archive/dossiers/{code}/bag", headers=_archivist(served), timeout=120
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"].startswith("attachment;")
    with zipfile.ZipFile(io.BytesIO(answer.content)) as zipped:
        [top] = {name.split("/", 1)[0] for name in zipped.namelist()}
        zipped.extractall(folder)
    return folder / top


def test_a_dossiers_bag_downloaded_over_http_validates_with_bagit(
    served: Served, tmp_path: Path
) -> None:
    path = _download(served, EXPORTED, tmp_path)
    assert path.name == EXPORTED
    bag = bagit.Bag(str(path))
    assert bag.validate() is True  # fixity and completeness
    assert sorted(bag.algorithms) == ["sha256", "sha512"]
    assert bag.info["External-Identifier"] == EXPORTED
    files = _payload(path / "data")
    assert sorted(data for name, data in files.items() if name != "kyso-metadata.json") == sorted(
        [SCAN, OCR, MINUTES]
    )
    for role in ("citizen", "auditor", "official"):
        refused = httpx.get(
            f"{served.url}/api/v1/archive/dossiers/{EXPORTED}/bag",
            headers=served.kyso.headers(role),
            timeout=60,
        )
        assert refused.status_code == 403, (role, refused.text)


def _prepared(folder: Path, code: str) -> Path:
    """A folder holding ``kyso-metadata.json`` and the documents, bagged by ``bagit``."""
    versions = {"scans/quyet-dinh.pdf": SCAN, "scans/quyet-dinh-ocr.pdf": OCR,
                "bien ban.txt": MINUTES}  # fmt: skip
    for rel, data in versions.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    metadata = {
        "format": "kyso-archive-bag/2",
        "dossier": {"code": code, "title": "Hồ sơ giao đất", "retention": "permanent"},
        "documents": [
            {"meta": {"title": "Quyết định giao đất", "number_notation": "123/QĐ-UBND"},
             "versions": [
                 {"number": 1, "kind": "original", "media_type": "application/pdf",
                  "path": "data/scans/quyet-dinh.pdf"},
                 {"number": 2, "kind": "ocr", "media_type": "application/pdf",
                  "path": "data/scans/quyet-dinh-ocr.pdf"},
             ]},
            {"meta": {"title": "Biên bản"},
             "versions": [{"number": 1, "kind": "original", "media_type": "text/plain",
                           "path": "data/bien ban.txt"}]},
        ],
    }  # fmt: skip
    text = json.dumps(metadata, ensure_ascii=False)
    (folder / "kyso-metadata.json").write_text(text, encoding="utf-8")
    bagit.make_bag(str(folder), {"External-Identifier": code}, checksums=["sha256", "sha512"])
    assert bagit.Bag(str(folder)).is_valid()
    return folder


def _zipped(bag: Path, top: str | None = "transfer") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(p for p in bag.rglob("*") if p.is_file()):
            rel = path.relative_to(bag).as_posix()
            zipped.write(path, f"{top}/{rel}" if top else rel)
    return out.getvalue()


def _upload(served: Served, data: bytes, role: str = "archivist") -> httpx.Response:
    return httpx.post(
        f"{served.url}/api/v1/archive/bags",
        files={"file": ("bag.zip", data, "application/zip")},
        headers=served.kyso.headers(role),
        timeout=120,
    )


@pytest.mark.parametrize("top", ["transfer", None], ids=["in-a-folder", "at-the-top"])
def test_a_bag_made_by_bagit_uploaded_over_http_imports_and_comes_back_the_same(
    served: Served, tmp_path: Path, top: str | None
) -> None:
    code = f"HS-NK-{top or 'top'}"
    bag = _prepared(tmp_path / "transfer", code)
    answer = _upload(served, _zipped(bag, top))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["dossier_code"], body["documents"], body["files"]) == (code, 2, 4)
    back = _download(served, code, tmp_path / "back")
    assert bagit.Bag(str(back)).validate() is True
    files = sorted(v for k, v in _payload(back / "data").items() if k != "kyso-metadata.json")
    assert files == sorted([SCAN, OCR, MINUTES])
    again = _upload(served, _zipped(bag, top))
    assert again.status_code == 409 and again.json()["error"]["code"] == "archive_dossier_exists"


REFUSED_CODE = "HS-TC-2026-01"


def _entry(name: str, data: bytes, mode: int | None = None) -> Callable[[zipfile.ZipFile], None]:
    def add(zipped: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        if mode is not None:
            info.create_system = 3
            info.external_attr = mode << 16
        zipped.writestr(info, data)

    return add


def _with(bag: Path, *extra: Callable[[zipfile.ZipFile], None]) -> bytes:
    """The bag zipped under ``transfer/``, then the ``extra`` entries."""
    out = io.BytesIO(_zipped(bag))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: it is the point
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zipped:
            for add in extra:
                add(zipped)
    return out.getvalue()


def _lying_sizes(bag: Path) -> bytes:
    """A 2 MB entry whose local header and directory entry say 1000 bytes."""
    data = bytearray(_with(bag, _entry("transfer/data/zeros.bin", bytes(2 << 20))))
    at = data.rfind(b"PK\x01\x02")  # the last directory entry is the zeros
    struct.pack_into("<I", data, at + 24, 1000)
    (local,) = struct.unpack_from("<I", data, at + 42)
    struct.pack_into("<I", data, local + 22, 1000)
    return bytes(data)


def _flip_a_byte(bag: Path) -> bytes:
    path = bag / "data" / "scans" / "quyet-dinh.pdf"
    path.write_bytes(path.read_bytes().replace(b"%PDF-1.7", b"%PDF-1.6"))
    return _zipped(bag)


ESCAPED = f"kyso-escaped-{uuid.uuid4().hex}.txt"
DEFECTS: dict[str, tuple[Callable[[Path], bytes], str]] = {
    "wrong-checksum": (_flip_a_byte, "archive_bag_fixity_failed"),
    "extra-file": (
        lambda bag: _with(bag, _entry("transfer/data/scans/extra.pdf", b"%PDF smuggled")),
        "archive_bag_incomplete",
    ),
    "path-traversal": (
        lambda bag: _with(bag, _entry(f"transfer/../../{ESCAPED}", b"x")),
        "archive_bag_unsafe_path",
    ),
    "absolute-path": (
        lambda bag: _with(bag, _entry(f"/tmp/{ESCAPED}", b"x")),
        "archive_bag_unsafe_path",
    ),
    "backslash-path": (
        lambda bag: _with(bag, _entry(f"transfer\\..\\..\\{ESCAPED}", b"x")),
        "archive_bag_unsafe_path",
    ),
    "duplicate-entry": (
        lambda bag: _with(bag, _entry("transfer/data/bien ban.txt", b"the other minutes")),
        "archive_bag_unsafe_path",
    ),
    "symbolic-link": (
        lambda bag: _with(
            bag, _entry("transfer/data/passwd", b"/etc/passwd", stat.S_IFLNK | 0o777)
        ),
        "archive_bag_link",
    ),
    "fifo": (
        lambda bag: _with(bag, _entry("transfer/data/pipe", b"", stat.S_IFIFO | 0o600)),
        "archive_bag_link",
    ),
    "zip-bomb": (
        lambda bag: _with(bag, _entry("transfer/data/zeros.bin", bytes(30 << 20))),
        "archive_bag_too_large",
    ),
    "lying-sizes": (_lying_sizes, "archive_bag_zip_invalid"),
    "too-many-entries": (
        lambda bag: _with(bag, *(_entry(f"transfer/data/n/{i}", b"") for i in range(10_001))),
        "archive_bag_too_large",
    ),
    "not-a-zip": (lambda bag: SCAN, "archive_bag_zip_invalid"),
    "no-bag-in-it": (
        lambda bag: _zipped(bag / "data", "transfer"),
        "archive_bag_invalid",
    ),
}


def _leftovers(served: Served) -> tuple[list[str], list[str]]:
    """Objects in the store; uploads and work folders in the data dir's tmp."""
    objects = sorted(str(p) for p in (served.data / "archive").rglob("*") if p.is_file())
    tmp = served.data / "tmp"
    found = tmp.iterdir() if tmp.exists() else iter(())
    kept = [p.name for p in found if p.name.startswith("tmp") or p.is_dir()]
    return objects, kept


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_a_wrong_bag_upload_is_refused_with_its_code_and_nothing_is_stored(
    served: Served, tmp_path: Path, defect: str
) -> None:
    make, code = DEFECTS[defect]
    data = make(_prepared(tmp_path / "transfer", REFUSED_CODE))
    assert len(data) < UPLOAD_MB << 20  # refused for what it holds, not for its size
    before = _leftovers(served)
    answer = _upload(served, data)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == code, answer.text
    assert _leftovers(served) == before
    assert before[1] == []
    looked_up = httpx.get(
        f"{served.url}/api/v1/archive/dossiers/{REFUSED_CODE}",
        headers=_archivist(served),
        timeout=60,
    )
    assert looked_up.status_code == 404, looked_up.text
    assert not (Path("/tmp") / ESCAPED).exists()
    assert list(served.data.parent.rglob(ESCAPED)) == []  # nowhere near the data dir either


def test_only_archivists_may_import_a_bag(served: Served, tmp_path: Path) -> None:
    bag = _prepared(tmp_path / "transfer", "HS-QL-1")
    for role in ("citizen", "auditor", "official"):
        answer = _upload(served, _zipped(bag), role)
        assert answer.status_code == 403, (role, answer.text)
    assert (
        httpx.get(
            f"{served.url}/api/v1/archive/dossiers/HS-QL-1", headers=_archivist(served), timeout=60
        ).status_code
        == 404
    )
