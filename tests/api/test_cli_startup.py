"""Start-up of the ``kyso`` command: ``--help`` imports no command, ``kyso verify`` opens no
database where there is none and never migrates one already at head."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli.app import load_command
from api.cli.commands import COMMANDS, GROUPS
from api.database import make_engine, migrate, script_heads
from api.schema_peek import HEADS, schema_at_heads, sqlite_at_heads
from api.settings import Settings
from api.wiring import build_services

HEAVY = ("pyhanko", "sqlalchemy", "fastapi", "alembic", "pydantic_settings", "numpy", "pikepdf")
#: runs kyso's main with the given arguments and, at exit (``kyso verify`` ends without the
#: interpreter's teardown, its exit handlers run), says which heavy packages it imported
_PROBE = """
import atexit, sys
def report():
    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(%r))
    print("LOADED", ",".join(loaded), file=sys.stderr)
atexit.register(report)
from api.cli.main import main
sys.argv = ["kyso", *sys.argv[1:]]
main()
"""


def _kyso(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    code = _PROBE % (HEAVY,)
    return subprocess.run([sys.executable, "-c", code, *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def _loaded(done: subprocess.CompletedProcess[str]) -> set[str]:
    line = [x for x in done.stderr.splitlines() if x.startswith("LOADED")][-1]
    return set(filter(None, line.removeprefix("LOADED ").split(",")))


def test_help_imports_no_command_and_no_heavy_package(tmp_path: Path) -> None:
    done = _kyso({"KYSO_DATA_DIR": str(tmp_path / "data")}, "--help")
    assert done.returncode == 0, done.stderr
    assert "verify" in done.stdout and "archive" in done.stdout
    assert _loaded(done) == set()
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("name", [*COMMANDS, *GROUPS])
def test_each_help_line_is_the_command_s_own(name: str) -> None:
    command = load_command(name)
    first = " ".join((command.help or "").split("\n\n")[0].split())
    assert {**COMMANDS, **GROUPS}[name][2] == first


def test_the_declared_heads_are_alembic_s() -> None:
    assert script_heads() == HEADS


def test_verify_without_a_database_creates_none(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = _kyso({"KYSO_DATA_DIR": str(data)}, "verify", "--offline", str(tmp_path / "x.pdf"))
    assert done.returncode == 4 and "verify_file_missing" in done.stderr
    assert not data.exists()


def _database(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    engine = make_engine(f"sqlite:///{data / 'kyso.db'}")
    migrate(engine)
    engine.dispose()
    return data


def test_a_database_at_head_is_read_without_alembic(tmp_path: Path) -> None:
    data = _database(tmp_path)
    (tmp_path / "x.pdf").write_bytes(b"not a pdf")
    done = _kyso({"KYSO_DATA_DIR": str(data)}, "verify", str(tmp_path / "x.pdf"))
    assert done.returncode == 3, done.stderr  # unreadable, verified without kyso's PKI
    assert "alembic" not in _loaded(done)


def test_an_older_schema_is_migrated_first(tmp_path: Path) -> None:
    from alembic import command

    from api.database import alembic_config

    data = _database(tmp_path)
    engine = make_engine(f"sqlite:///{data / 'kyso.db'}")
    with engine.begin() as conn:  # the api branch one revision back, whichever its head is
        command.downgrade(alembic_config(conn), "api@-1")
    assert not schema_at_heads(engine) and not sqlite_at_heads(data / "kyso.db")
    (tmp_path / "x.pdf").write_bytes(b"not a pdf")
    done = _kyso({"KYSO_DATA_DIR": str(data)}, "verify", str(tmp_path / "x.pdf"))
    assert done.returncode == 3, done.stderr
    assert "alembic" in _loaded(done)
    assert schema_at_heads(engine) and sqlite_at_heads(data / "kyso.db")
    engine.dispose()


def test_a_verifier_process_keeps_other_responders_answers_not_kyso_s(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path, public_url="http://kyso.example"))
    cache = services.revocation_cache
    assert cache is services.revocation_cache  # one per process, shared by every request
    assert cache.uncached_prefixes == ("http://kyso.example/",)
    assert cache.max_age == Settings().revocation_cache_seconds


#: runs ``kyso verify`` as the command does and, at exit, names what it imported of these
_SPY = """
import atexit, sys
WATCH = %r
def report():  # a name blocked with None (httpx's CLI) was not imported
    loaded = [m for m in WATCH if sys.modules.get(m) is not None]
    print("IMPORTED", ",".join(loaded), file=sys.stderr)
atexit.register(report)
from api.cli.main import main
sys.argv = ["kyso", *sys.argv[1:]]
main()
"""
UNNEEDED = ("typer", "click", "rich", "pydantic", "pydantic_settings", "httpx._main", "httpx",
            "yaml", "importlib.metadata")  # fmt: skip


def _imported(env: dict[str, str], *args: str, also: tuple[str, ...] = ()) -> tuple[int, set[str]]:
    watch = (*UNNEEDED, *also, "sqlalchemy", "pyhanko")
    done = subprocess.run([sys.executable, "-c", _SPY % (watch,), *args],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    line = [x for x in done.stderr.splitlines() if x.startswith("IMPORTED")][-1]
    return done.returncode, set(filter(None, line.removeprefix("IMPORTED ").split(",")))


def _pki(data: Path) -> str:
    """Initialises kyso's PKI in ``data`` (a migrated database); its roots as PEM."""
    from certs.keystore_file import FileKeyStore
    from certs.pki import Pki, PkiOptions
    from certs.records import to_pem

    engine = make_engine(f"sqlite:///{data / 'kyso.db'}")
    pki = Pki(engine, FileKeyStore(data / "keys", b"p" * 24), PkiOptions("http://kyso.invalid"))
    pki.init()
    roots = "".join(to_pem(root) for root in pki.trust_anchors())
    engine.dispose()
    return roots


def test_verify_without_kyso_s_database_imports_no_orm_cli_framework_or_settings_model(
    tmp_path: Path,
) -> None:
    (tmp_path / "x.pdf").write_bytes(b"not a pdf")
    (tmp_path / "elsewhere").mkdir()  # kyso's PKI on another machine: only its root here
    (tmp_path / "root.pem").write_text(_pki(_database(tmp_path / "elsewhere")))
    env = {"KYSO_DATA_DIR": str(tmp_path / "data")}
    status, imported = _imported(env, "verify", "--trust", str(tmp_path / "root.pem"),
                                 str(tmp_path / "x.pdf"), also=("sqlite3",))  # fmt: skip
    assert status == 3  # not a PDF: verified (in the child) and refused as unreadable
    assert imported == {"pyhanko"}  # no database here: not even sqlite3


def test_verify_with_kyso_s_pki_in_sqlite_at_head_reads_it_without_the_orm(
    tmp_path: Path,
) -> None:
    data = _database(tmp_path)
    _pki(data)
    (tmp_path / "x.pdf").write_bytes(b"not a pdf")
    env = {"KYSO_DATA_DIR": str(data), "KYSO_KEY_PASSPHRASE": "p" * 24}
    status, imported = _imported(env, "verify", str(tmp_path / "x.pdf"))
    assert status == 3
    assert imported == {"pyhanko"}  # kyso's roots and answers read with sqlite3


def test_verify_with_kyso_s_pki_in_an_older_sqlite_schema_goes_through_the_orm(
    tmp_path: Path,
) -> None:
    from alembic import command

    from api.database import alembic_config

    data = _database(tmp_path)
    _pki(data)
    engine = make_engine(f"sqlite:///{data / 'kyso.db'}")
    with engine.begin() as conn:  # the api branch one revision back, whichever its head is
        command.downgrade(alembic_config(conn), "api@-1")
    engine.dispose()
    (tmp_path / "x.pdf").write_bytes(b"not a pdf")
    env = {"KYSO_DATA_DIR": str(data), "KYSO_KEY_PASSPHRASE": "p" * 24}
    status, imported = _imported(env, "verify", str(tmp_path / "x.pdf"))
    assert status == 3
    # migrated first (Alembic, which reads package metadata), then read by the ORM
    assert imported == {"pyhanko", "sqlalchemy", "importlib.metadata"}
    assert sqlite_at_heads(data / "kyso.db")
