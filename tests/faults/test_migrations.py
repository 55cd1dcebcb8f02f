"""Schema migrations are atomic and serialised: the first command of a fresh data dir killed
(SIGKILL) inside the upgrade or at increasing delays, twenty first commands at once, and an
older install's upgrade killed half-way all leave a data dir that every later command opens,
with a clean fixity audit and audit chain."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from faulttools import KYSO, kyso_env, run_kyso

from api.database import alembic_config, current_heads, make_engine, script_heads, upgrade

pytestmark = [pytest.mark.faults, pytest.mark.slow]
HOOK = "KYSO_FAULT_MIGRATION_PAUSE"
#: an install made before the newest revisions of certs and api
OLD_REVISIONS = ("c0001", "s0001", "archive_0001", "a0001")


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [KYSO, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _kill_inside_upgrade(env: dict[str, str], revision: str, marker: Path, *args: str) -> None:
    """Run a command that stops right after ``revision`` was applied, then SIGKILL it."""
    proc = _start({**env, HOOK: f"{revision}:{marker}"}, *args)
    try:
        while not marker.exists():
            assert proc.poll() is None, f"the command ended before applying {revision}"
            time.sleep(0.05)
    finally:
        _kill(proc)


def _all_revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return sorted(r.revision for r in script.walk_revisions())


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"sqlite_sequence"}
    finally:
        engine.dispose()


def _heads(url: str) -> frozenset[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return current_heads(conn)
    finally:
        engine.dispose()


def _assert_data_dir_works(
    env: dict[str, str], folder: Path, dossier: str, *, pki: bool = True
) -> None:
    """The next commands work: the PKI, a put, a clean fixity audit and audit chain."""
    if pki:
        done = run_kyso(env, "pki", "init")
        assert done.returncode == 0, done.stderr
    document = folder / f"{dossier}.txt"
    document.write_text(f"Biên bản {dossier}")
    done = run_kyso(env, "archive", "put", str(document), "--dossier", dossier)
    assert done.returncode == 0, done.stderr
    done = run_kyso(env, "archive", "audit")
    assert done.returncode == 0 and ", OK" in done.stdout, done.stdout + done.stderr
    done = run_kyso(env, "archive", "log", "verify")
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr


def test_a_first_command_killed_inside_the_upgrade_leaves_no_half_schema(tmp_path: Path) -> None:
    revisions = _all_revisions()
    assert len(revisions) >= 7

    def kill_then_open(revision: str) -> None:
        data = tmp_path / f"data-{revision}"
        env = kyso_env(data)
        document = tmp_path / f"first-{revision}.txt"
        document.write_text("Tờ trình")
        marker = tmp_path / f"paused-{revision}"
        _kill_inside_upgrade(env, revision, marker, "archive", "put", str(document), "--dossier",
                             "HS-1")  # fmt: skip
        url = f"sqlite:///{(data / 'kyso.db').resolve()}"
        assert _tables(url) == set(), f"killed after {revision}: a half-migrated schema"
        _assert_data_dir_works(env, tmp_path, f"HS-{revision}", pki=False)
        assert _heads(url) == script_heads()

    # each revision has a data dir of its own and the kill waits for the hook, not a clock:
    # two at a time keep both cores busy (each command is one single-threaded process)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(kill_then_open, revisions))


def test_a_first_pki_init_killed_at_increasing_delays_leaves_a_data_dir_that_opens(
    tmp_path: Path,
) -> None:
    delay, finished = 0.2, False
    for attempt in range(12):
        data = tmp_path / f"data-{attempt}"
        env = kyso_env(data)
        proc = _start(env, "pki", "init")
        try:
            time.sleep(delay)  # where the kill lands varies; what must hold afterwards does not
            finished = proc.poll() is not None
        finally:
            _kill(proc)
        _assert_data_dir_works(env, tmp_path, f"HS-DELAY-{attempt}")
        if finished:
            break
        delay *= 1.5
    assert finished, "pki init never finished: the sweep did not reach the end of the command"


def _assert_pki_keys_match(env: dict[str, str]) -> None:
    """Each authority's certificate holds the public key of the key file with its label."""
    from asn1crypto import x509

    from api.settings import Settings
    from api.wiring import build_services

    settings = Settings(
        data_dir=Path(env["KYSO_DATA_DIR"]), database_url=env.get("KYSO_DATABASE_URL")
    )
    services = build_services(settings)
    with services.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, key_label, cert_der FROM certs_authority"))
        authorities = list(rows)
    assert len(authorities) == 3
    for name, label, der in authorities:
        public_key = x509.Certificate.load(der).public_key.dump()
        assert public_key == services.keystore.public_key(label).dump(), name
    services.engine.dispose()


def _twenty_first_commands(tmp_path: Path, env: dict[str, str]) -> None:
    procs = []
    for i in range(20):
        if i % 2:
            document = tmp_path / f"doc-{i}.txt"
            document.write_text(f"Quyết định số {i}")
            args = ["archive", "put", str(document), "--dossier", f"HS-PAR-{i}"]
        else:
            args = ["pki", "init"]
        procs.append(
            subprocess.Popen([KYSO, *args], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        )  # fmt: skip
    results = [(p.wait(timeout=240), p.stderr.read() if p.stderr else "") for p in procs]
    assert [rc for rc, _ in results] == [0] * 20, [err for rc, err in results if rc]
    done = run_kyso(env, "archive", "audit")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checked 10 of 10 versions, OK" in done.stdout
    done = run_kyso(env, "archive", "log", "verify")
    assert done.returncode == 0, done.stdout + done.stderr
    _assert_pki_keys_match(env)


def test_twenty_parallel_first_commands_all_succeed_on_sqlite(tmp_path: Path) -> None:
    _twenty_first_commands(tmp_path, kyso_env(tmp_path / "data"))


@pytest.mark.postgres
def test_twenty_parallel_first_commands_all_succeed_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    _twenty_first_commands(tmp_path, kyso_env(tmp_path / "data", postgres_url))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'kyso.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


def _old_install(url: str) -> None:
    """Schema of an older kyso (before c0002, a0002, a0003) holding an account and a token:
    a0002 rebuilds the api_user table that api_token refers to."""
    engine = make_engine(url)
    upgrade(engine, *OLD_REVISIONS)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO api_user (id, username, password_hash, role, full_name, created_at)"
                " VALUES ('u1', 'vanthu', 'x', 'archivist', 'Nguyễn Văn A', '2026-01-05')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO api_token (token_hash, user_id, kind, created_at)"
                " VALUES ('t1', 'u1', 'session', '2026-01-05')"
            )
        )
    engine.dispose()


def test_an_upgrade_killed_half_way_keeps_the_previous_schema(
    tmp_path: Path, database_url: str
) -> None:
    _old_install(database_url)
    env = kyso_env(tmp_path / "data", database_url)
    for revision in ("c0002", "a0002", "a0003"):
        marker = tmp_path / f"paused-{revision}"
        _kill_inside_upgrade(env, revision, marker, "archive", "log", "verify")
        assert _heads(database_url) == frozenset(OLD_REVISIONS), revision
        engine = make_engine(database_url)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("api_user")}
        assert "cert_serial" not in columns
        assert "api_notification" not in sa.inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM api_token")) == 1
        engine.dispose()

    done = run_kyso(env, "archive", "log", "verify")
    assert done.returncode == 0, done.stderr
    assert _heads(database_url) == script_heads()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        user = conn.execute(sa.text("SELECT username, cert_serial FROM api_user")).one()
        assert tuple(user) == ("vanthu", None)
        assert conn.scalar(sa.text("SELECT user_id FROM api_token")) == "u1"
    engine.dispose()
    _assert_data_dir_works(env, tmp_path, "HS-UPGRADED")
