"""Bodies of the Cloud Signature Consortium API (``/csc/v1``, ``/csc/v2``).

Requests take the field names of both versions (v1.0.4.0: ``hash``, ``hashAlgo``, ``PIN``,
``OTP``; v2.0.0.2: ``hashes``, ``hashAlgorithmOID``, ``authData``); answers carry the names of
the version asked. Unknown fields (``clientData``, ``lang``, ...) are ignored, as the
specification lets a server do.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

Certificates = Literal["none", "single", "chain"]
CertStatus = Literal["valid", "expired", "revoked", "suspended"]
CREDENTIAL_ID = Field(max_length=64)


class CscRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")


class InfoRequest(CscRequest):
    lang: str | None = Field(default=None, max_length=16)


class ListRequest(CscRequest):
    #: the signed-in user's own name, if given (kyso lists the bearer's credentials only)
    userID: str | None = Field(default=None, max_length=64)
    credentialInfo: bool = False
    certificates: Certificates = "single"
    certInfo: bool = False
    authInfo: bool = False
    #: kyso lists usable (enabled) credentials only
    onlyValid: bool = False


class CredentialRequest(CscRequest):
    credentialID: str = CREDENTIAL_ID
    certificates: Certificates = "single"
    certInfo: bool = False
    authInfo: bool = False


class AuthDatum(BaseModel):
    """v2 ``authData`` entry: ``{"id": "PIN", "value": ...}``, ``{"id": "OTP", ...}``."""

    id: str = Field(max_length=16)
    value: str = Field(max_length=16)


class AuthorizeRequest(CscRequest):
    credentialID: str = CREDENTIAL_ID
    numSignatures: int = Field(ge=1, le=500)
    hashes: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        validation_alias=AliasChoices("hashes", "hash"),
    )
    hashAlgorithmOID: str | None = Field(default=None, max_length=64)
    PIN: str | None = Field(default=None, max_length=12)
    OTP: str | None = Field(default=None, max_length=10)
    authData: list[AuthDatum] | None = Field(default=None, max_length=4)
    description: str | None = Field(default=None, max_length=500)

    def factor(self, name: str) -> str | None:
        """The PIN or the one-time code, as v1 (a field) or v2 (``authData``) sends it."""
        direct: str | None = getattr(self, name)
        if direct is not None:
            return direct
        given = [d.value for d in self.authData or [] if d.id == name]
        return given[0] if given else None


class SignHashRequest(CscRequest):
    credentialID: str = CREDENTIAL_ID
    SAD: str = Field(max_length=128)
    hashes: list[str] = Field(
        min_length=1, max_length=500, validation_alias=AliasChoices("hashes", "hash")
    )
    hashAlgorithmOID: str | None = Field(
        default=None, max_length=64, validation_alias=AliasChoices("hashAlgorithmOID", "hashAlgo")
    )
    signAlgo: str = Field(max_length=64)
    #: base64 DER parameters (RSASSA-PSS)
    signAlgoParams: str | None = Field(default=None, max_length=1024)
    #: v2: "S" (synchronous) is the only mode served
    operationMode: Literal["S"] = "S"


class ServiceInfo(BaseModel):
    specs: str
    name: str
    logo: str
    region: str
    lang: str
    description: str
    authType: list[str]
    methods: list[str]
    #: v2: every signature algorithm this service's keys may use
    signAlgorithms: dict[str, list[str]] | None = None


class KeyInfo(BaseModel):
    status: Literal["enabled", "disabled"]
    algo: list[str]
    len: int
    curve: str | None = None


class CertInfo(BaseModel):
    status: CertStatus
    certificates: list[str] | None = None
    issuerDN: str | None = None
    serialNumber: str | None = None
    subjectDN: str | None = None
    validFrom: str | None = None
    validTo: str | None = None


class FactorV1(BaseModel):
    """v1 ``PIN`` and ``OTP`` objects of ``credentials/info``."""

    presence: Literal["true"] = "true"
    format: Literal["N"] = "N"
    label: str
    description: str
    type: str | None = None
    ID: str | None = None
    provider: str | None = None


class AuthObject(BaseModel):
    type: str
    id: str
    format: Literal["N"] = "N"
    label: str
    description: str


class AuthInfo(BaseModel):
    """v2 ``auth``."""

    mode: Literal["explicit"] = "explicit"
    expression: str = "PIN AND OTP"
    objects: list[AuthObject]


class CredentialPublic(BaseModel):
    #: only in ``credentials/list`` answers (``credentialInfos``)
    credentialID: str | None = None
    description: str
    key: KeyInfo
    cert: CertInfo
    authMode: Literal["explicit"] = "explicit"
    PIN: FactorV1 | None = None
    OTP: FactorV1 | None = None
    auth: AuthInfo | None = None
    #: "2": an approval (SAD) is bound to the hashes it lists
    SCAL: Literal["2"] = "2"
    multisign: int
    lang: str = "vi-VN"


class CredentialList(BaseModel):
    credentialIDs: list[str]
    credentialInfos: list[CredentialPublic] | None = None


class Authorized(BaseModel):
    SAD: str
    expiresIn: int


class Signatures(BaseModel):
    signatures: list[str]
