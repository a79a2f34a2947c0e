"""The gate's checks, one module each. A new check is a module with a ``BaseCheck`` subclass (see ``base``)
and an entry in ``DEFAULT_CHECKS``; its configurable action is a field of ``GovernanceActions``."""

from longloop.governance.checks.base import BaseCheck, Check, CheckResult, Finding, GateContext
from longloop.governance.checks.contamination_check import ContaminationCheck
from longloop.governance.checks.duplicates_check import DuplicatesCheck
from longloop.governance.checks.label_leakage_check import LabelLeakageCheck
from longloop.governance.checks.leakage_check import LeakageCheck
from longloop.governance.checks.license_check import LicenseCheck
from longloop.governance.checks.pii_check import PiiCheck

# In report order; a record that several checks would remove keeps the reason of the first.
DEFAULT_CHECKS: tuple[Check, ...] = (
    LicenseCheck(),
    LeakageCheck(),
    DuplicatesCheck(),
    ContaminationCheck(),
    LabelLeakageCheck(),
    PiiCheck(),
)
CHECK_NAMES: tuple[str, ...] = tuple(c.name for c in DEFAULT_CHECKS)

__all__ = ["BaseCheck", "Check", "CheckResult", "Finding", "GateContext", "DEFAULT_CHECKS", "CHECK_NAMES"]
