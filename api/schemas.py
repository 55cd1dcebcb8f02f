"""JSON shapes of the API (pydantic): ``XCreate`` for input, ``XPublic`` for output."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class TokenCreate(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret


class UserCreate(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(min_length=10, max_length=256)
    full_name: str = Field(max_length=256)
    role: str
    agency: str | None = Field(default=None, max_length=256)


class UserPublic(BaseModel):
    id: str
    username: str
    role: str
    full_name: str
    agency: str | None


class EnrolmentCreate(BaseModel):
    full_name: str = Field(max_length=128)
    cccd: str = Field(max_length=12)
    phone: str | None = Field(default=None, max_length=16)


class EnrolmentDecision(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class EnrolmentPublic(BaseModel):
    id: str
    full_name: str
    cccd_masked: str
    status: str
    created_at: datetime
    decided_at: datetime | None
    serial: str | None


class CertificatePublic(BaseModel):
    serial: str
    profile: str
    issuer: str | None
    subject: str
    not_before: datetime
    not_after: datetime
    status: str
    revoked_at: datetime | None
    revocation_reason: str | None
    pem: str


class RevocationCreate(BaseModel):
    reason: str = "unspecified"


class JobPublic(BaseModel):
    id: str
    kind: str
    status: str
    done: int
    total: int
    result: dict[str, object] | None
    error: str | None


class AuditCreate(BaseModel):
    sample: float = Field(default=1.0, gt=0, le=1)
    resume: bool = False
