"""Deploy: diff, dry-run, commit with rollback, canary and abort policy, over Nornir.

The library API the CLI wraps:

- `diff_fabric(targets, credentials, ...)`: per device, what would change (nothing sent);
- `deploy_fabric(targets, credentials, DeployOptions(...))`: dry run by default,
  `commit=True` applies; every run appends to the audit log;
- `build_targets(plan.devices, rendered, limit)` and `credentials_from_env()` prepare
  the inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

from netorch.deploy.progress import ConsoleReporter, Reporter, SilentReporter
from netorch.deploy.results import ConfigState, DeployResult, DeviceResult, Outcome
from netorch.deploy.runner import DeployOptions, run_fabric
from netorch.deploy.targets import DeviceTarget, UsageError, build_targets
from netorch.transport import CredentialError, Credentials
from netorch.transport import from_env as credentials_from_env

__all__ = ["ConfigState", "ConsoleReporter", "CredentialError", "Credentials", "DeployOptions",
           "DeployResult", "DeviceResult", "DeviceTarget", "Outcome", "Reporter",
           "SilentReporter", "UsageError", "build_targets", "credentials_from_env",
           "deploy_fabric", "diff_fabric"]


def deploy_fabric(targets: Sequence[DeviceTarget], credentials: Credentials,
                  options: DeployOptions | None = None,
                  reporter: Reporter | None = None) -> DeployResult:
    """Deploy (or, without `options.commit`, dry-run) and append to the audit log."""
    return run_fabric(targets, credentials, options or DeployOptions(), reporter, "deploy")


def diff_fabric(targets: Sequence[DeviceTarget], credentials: Credentials, *, workers: int = 10,
                timeout: float = 60.0, reporter: Reporter | None = None) -> DeployResult:
    """What a deploy would change on each device; nothing is sent, nothing is logged."""
    options = DeployOptions(commit=False, workers=workers, timeout=timeout)
    return run_fabric(targets, credentials, options, reporter, "diff")
