"""What verify found, and the one versioned document it writes and report reads.

- `LiveSa`, `LiveBgp`, `LiveState`: one device's snapshot, as its platform's reader
  (`netorch.verify.reader`) builds it from show commands.
- `LiveCert`: a certificate a device holds as its own, as its platform shows it
  (`netorch.verify.reader.CertReader`).
- `TunnelCheck`, `BgpCheck`: the plan held against a snapshot (`netorch.verify.compare`),
  per tunnel end and per BGP session; `CertCheck`: on a certificate fabric, the
  certificate a device presents held against the inventory's PKI folder
  (`netorch.verify.certs`).
- `VerifyReport`: every check of one run, and the devices that could not be read.
- `VerifyResult`: a `VerifyReport` headed by where its state comes from
  (`netorch.verify.origin.StateOrigin`, with `schema_version`); `to_json()` is what
  `netorch verify --format json` (and `netorch lab verify`) print, `VerifyResult.read`
  what `netorch report --state` reads back, into these same types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from ipaddress import IPv4Address, IPv4Interface
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, computed_field
from pydantic import dataclasses as pydantic_dataclasses

from netorch.verify.origin import StateOrigin, read_origin


class TunnelStatus(str, Enum):
    ESTABLISHED = "ESTABLISHED"
    DOWN = "DOWN"
    MISSING = "MISSING"
    UNEXPECTED = "UNEXPECTED"


class PlanEnd(Protocol):
    """One tunnel end as the plan (`netorch.plan.model.TunnelEnd`) describes it."""

    @property
    def device(self) -> str: ...
    @property
    def address(self) -> IPv4Interface: ...
    @property
    def underlay_address(self) -> IPv4Address: ...
    @property
    def endpoint(self) -> IPv4Address: ...
    @property
    def asn(self) -> int: ...


class PlanTunnel(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def a(self) -> PlanEnd: ...
    @property
    def b(self) -> PlanEnd: ...


class PlanLike(Protocol):
    @property
    def tunnels(self) -> Sequence[PlanTunnel]: ...


@dataclass(frozen=True)
class LiveSa:
    local: str
    remote: str
    up: bool
    name: str = ""
    detail: str = ""  # what the device showed, e.g. "IKE_SA ESTABLISHED, CHILD_SA none"


@dataclass(frozen=True)
class LiveBgp:
    neighbor: str
    state: str
    prefixes: int | None


@dataclass
class LiveState:
    sas: list[LiveSa] = field(default_factory=list)
    bgp: list[LiveBgp] = field(default_factory=list)


@dataclass(frozen=True)
class LiveCert:
    """A certificate a device holds with its private key (its own, not a CA's), as shown.

    `serial`: upper-case hex as `netorch.pki.store.serial_hex` writes it; `not_after`:
    ISO 8601 UTC ("2026-01-31T12:00:00Z"), None when the platform does not show it in
    UTC; `name`: what the device calls it (trustpoint, certificate-id, file, name)."""

    subject: str
    serial: str
    not_after: str | None
    issuer: str = ""
    name: str = ""


_CHECKED = ConfigDict(extra="forbid")  # `VerifyResult.read` ignores keys it does not know


@pydantic_dataclasses.dataclass(frozen=True, config=_CHECKED)
class TunnelCheck:
    """One planned tunnel end as found on its device, or an SA the plan does not explain
    (UNEXPECTED, `tunnel` the SA's name or "-"). `local`, `remote`: the addresses the
    plan expects (or, for UNEXPECTED, the device shows), as text."""

    device: StrictStr
    tunnel: StrictStr
    status: TunnelStatus
    local: StrictStr
    remote: StrictStr
    detail: StrictStr = ""  # what the device showed, e.g. "IKE_SA ESTABLISHED, CHILD_SA none"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def id(self) -> str:
        """The tunnel again: schema 1.0 writes both keys; it is read back from `tunnel`."""
        return self.tunnel


@pydantic_dataclasses.dataclass(frozen=True, config=_CHECKED)
class BgpCheck:
    """The BGP session to a planned tunnel's far end, as its device shows it ("missing"
    when it has none)."""

    device: StrictStr
    tunnel: StrictStr
    neighbor: StrictStr
    state: StrictStr
    prefixes: StrictInt | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def up(self) -> bool:
        return self.state.lower() == "established"


class CertVerdict(str, Enum):
    OK = "OK"
    MISMATCH = "MISMATCH"      # another certificate than pki/certs/DEVICE.crt
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"        # the inventory's CRL revokes the certificate presented
    MISSING = "MISSING"        # the device presents no certificate of this fabric
    UNREAD = "UNREAD"          # its platform shows no certificate to verify: not a failure

    @property
    def failed(self) -> bool:
        return self not in (CertVerdict.OK, CertVerdict.UNREAD)


@pydantic_dataclasses.dataclass(frozen=True, config=_CHECKED)
class CertCheck:
    """On a certificate fabric with a PKI folder: the certificate a device presents, as
    read live (None where it presents none), and the inventory's (`expected`, its serial;
    None when pki/certs/DEVICE.crt does not exist). `detail` says what is wrong."""

    device: StrictStr
    status: CertVerdict
    expected: StrictStr | None
    serial: StrictStr | None = None
    subject: StrictStr | None = None
    issuer: StrictStr | None = None
    not_after: StrictStr | None = None
    detail: StrictStr = ""


class VerifyReport(BaseModel):
    """Every check of one verify run (sorted by device, then tunnel), and why each device
    that could not be read was not."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tunnels: list[TunnelCheck] = Field(default_factory=list)
    bgp: list[BgpCheck] = Field(default_factory=list)
    certs: list[CertCheck] = Field(
        default_factory=list, description="certificate fabrics: one per device read "
        "(schema 1.1; [] for PSK fabrics and documents of schema 1.0)")
    errors: dict[StrictStr, StrictStr] = Field(
        default_factory=dict, description="device -> why it was not read")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return (not self.errors and all(t.status is TunnelStatus.ESTABLISHED for t in self.tunnels)
                and all(b.up for b in self.bgp) and not any(c.status.failed for c in self.certs))

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def result(self, origin: StateOrigin) -> VerifyResult:
        """These checks headed by where the state comes from: the versioned document."""
        return VerifyResult(**origin.model_dump(), tunnels=self.tunnels, bgp=self.bgp,
                            certs=self.certs, errors=self.errors)

    def table(self) -> str:
        """Plain-text table, one row per tunnel end and BGP session, sorted."""
        rows = [f"{'DEVICE':<16} {'TUNNEL':<36} {'IKE/IPSEC':<12} {'BGP':<12} PREFIXES"]
        bgp = {(b.device, b.tunnel): b for b in self.bgp}
        for t in self.tunnels:
            session = bgp.get((t.device, t.tunnel))
            state = session.state if session else "-"
            count = "-" if session is None or session.prefixes is None else str(session.prefixes)
            rows.append(f"{t.device:<16} {t.tunnel:<36} {t.status.value:<12} {state:<12} {count}")
        rows += [f"{d:<16} {'(not read)':<36} {e}" for d, e in sorted(self.errors.items())]
        return "\n".join(rows) + "\n" + _cert_table(self.certs)


def _cert_table(certs: Sequence[CertCheck]) -> str:
    """The certificate rows (none for a PSK fabric: the table stays as it was)."""
    if not certs:
        return ""
    rows = ["", f"{'DEVICE':<16} {'CERTIFICATE':<12} {'SERIAL':<42} {'NOT AFTER':<21} DETAIL"]
    rows += [f"{c.device:<16} {c.status.value:<12} {c.serial or '-':<42} "
             f"{c.not_after or '-':<21} {c.detail}".rstrip() for c in certs]
    return "\n".join(rows) + "\n"


class VerifyResult(VerifyReport, StateOrigin):
    """What `netorch verify --format json` and `netorch lab verify --format json` write and
    `netorch report --state` reads back: the header (`StateOrigin`: `schema_version`,
    `source`, `generated_at`, `inventory_sha256`, `fabric`) and the checks, side by side
    at the top level. `read` refuses another major version and ignores the keys it does
    not know (a later minor version only adds some; `id`, `up` and `ok` are derived)."""


    @property
    def origin(self) -> StateOrigin:
        return StateOrigin(**{name: getattr(self, name) for name in StateOrigin.model_fields})

    @classmethod
    def read(cls, document: Mapping[str, object]) -> VerifyResult:
        """A parsed JSON document as a result.

        Raises:
            OriginError: no header, another schema major version, or a malformed header
                (`read_origin`'s messages).
            ValidationError: a check has the wrong type or misses a field.
        """
        read_origin(document)
        return cls.model_validate(document, extra="ignore")  # later minors, `id`, `up`, `ok`

    def to_json(self) -> str:
        """The document as `--format json` prints it: indented, keys sorted."""
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"
