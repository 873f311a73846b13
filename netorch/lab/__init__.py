"""`netorch lab`: the fabric built for real in network namespaces (see docs/lab.md).

Every device of an inventory becomes a Linux router in its own namespace, with
strongSwan (userspace ESP), FRR and sshd; netorch renders and deploys its configs
over SSH like in production, then `lab_test` proves encryption, reachability and
failover.
"""

from __future__ import annotations

from netorch.lab.api import (
    DeviceSessions,
    DeviceStatus,
    LabDownResult,
    LabExecResult,
    LabStatusResult,
    LabTestResult,
    LabUpResult,
    LabVerifyResult,
    SiteStatus,
    lab_down,
    lab_exec,
    lab_status,
    lab_test,
    lab_up,
    lab_verify,
)
from netorch.lab.errors import LabError
from netorch.lab.labtest import CheckResult

__all__ = ["CheckResult", "DeviceSessions", "DeviceStatus", "LabDownResult", "LabError",
           "LabExecResult", "LabStatusResult", "LabTestResult", "LabUpResult", "LabVerifyResult",
           "SiteStatus", "lab_down", "lab_exec", "lab_status", "lab_test", "lab_up", "lab_verify"]
