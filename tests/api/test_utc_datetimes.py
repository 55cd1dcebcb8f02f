"""Moments are stored as UTC and read back aware on SQLite and PostgreSQL (``UtcDateTime``).

Before: SQLite dropped the offset of ``promised_at`` 17:00+07:00 and the dossier read back
17:00Z, seven hours late.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from apitools import Kyso, make_kyso
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from api.accounts.models import ApiBase, DossierRow
from api.database import alembic_config, migrate
from api.dossiers import dossier_desk
from api.settings import Settings
from archive.catalog.tables import metadata as archive_metadata
from certs.catalog import CertsBase
from common.clock import VN_TZ
from common.sqltypes import UtcDateTime
from onestop.model import promised_date
from signing.remote_models import SigningBase

PROMISED = datetime(2026, 11, 30, 17, 0, tzinfo=VN_TZ)
SUBMITTED = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kyso_on(request: pytest.FixtureRequest, tmp_path: Path) -> Kyso:
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    kyso = make_kyso(tmp_path, Settings(data_dir=tmp_path / "data", database_url=url))
    request.addfinalizer(kyso.services.close)
    return kyso


def _dossier(code: str, promised: datetime = PROMISED) -> DossierRow:
    return DossierRow(
        code=code,
        service="Cấp giấy phép xây dựng",
        agency="UBND Quận Hoàn Kiếm",
        owner="citizen1",
        status="submitted",
        submitted_at=SUBMITTED,
        promised_at=promised,
        submission_document="doc_1",
        submission_indication="TOTAL_PASSED",
    )


def test_promised_at_with_its_offset_reads_back_as_the_same_moment(kyso_on: Kyso) -> None:
    engine = kyso_on.services.engine
    with Session(engine) as db:
        db.add(_dossier("HS-UTC-1"))
        db.commit()
    dossier = dossier_desk(kyso_on.services).public("HS-UTC-1")
    assert dossier.promised_at == PROMISED
    assert dossier.promised_at.utcoffset() == timedelta(0) and dossier.promised_at.hour == 10
    assert dossier.submitted_at == SUBMITTED

    answer = kyso_on.client.get("/api/v1/dossiers/HS-UTC-1", headers=kyso_on.headers("citizen"))
    assert answer.status_code == 200, answer.text
    assert datetime.fromisoformat(answer.json()["promised_at"]) == PROMISED

    with Session(engine) as db:  # comparisons in SQL agree with the moments
        due = sa.select(DossierRow.code).where(
            DossierRow.promised_at < datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
        )
        assert db.scalars(due).all() == ["HS-UTC-1"]
        early = sa.select(DossierRow.code).where(
            DossierRow.promised_at < datetime(2026, 11, 30, 16, 30, tzinfo=VN_TZ)
        )
        assert db.scalars(early).all() == []


def test_a_naive_moment_is_refused_not_stored_hours_off(kyso_on: Kyso) -> None:
    with Session(kyso_on.services.engine) as db:
        db.add(_dossier("HS-NAIVE", promised=datetime(2026, 11, 30, 17, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            db.commit()


def test_every_datetime_column_in_the_database_is_a_utc_column(tmp_path: Path) -> None:
    kyso = make_kyso(tmp_path)
    models = {
        table.name: table
        for meta in (ApiBase.metadata, CertsBase.metadata, SigningBase.metadata, archive_metadata)
        for table in meta.tables.values()
    }
    found = 0
    inspector = sa.inspect(kyso.services.engine)
    for name in inspector.get_table_names():
        for column in inspector.get_columns(name):
            if isinstance(column["type"], sa.DateTime):
                found += 1
                assert name in models, f"{name} has a datetime column but no table definition"
                model_type = models[name].columns[column["name"]].type
                assert isinstance(model_type, UtcDateTime), (name, column["name"], model_type)
    assert found > 20
    kyso.services.close()


def test_promises_stored_by_the_old_code_on_sqlite_move_to_utc(tmp_path: Path) -> None:
    from alembic import command

    kyso = make_kyso(tmp_path)
    engine = kyso.services.engine
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "a0003")
    with engine.begin() as conn:  # what SQLAlchemy wrote for 17:00+07:00 before: 17:00
        conn.execute(
            sa.text(
                "INSERT INTO api_dossier (code, service, agency, owner, status, submitted_at,"
                " promised_at, submission_document, submission_indication) VALUES ('HS-OLD',"
                " 's', 'a', 'citizen1', 'submitted', '2026-11-23 02:15:00.000000',"
                " '2026-11-30 17:00:00.000000', 'doc_1', 'TOTAL_PASSED')"
            )
        )
    migrate(engine)
    old = dossier_desk(kyso.services).public("HS-OLD")
    assert old.promised_at == promised_date(SUBMITTED, 5) == PROMISED
    kyso.services.close()
