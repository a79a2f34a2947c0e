import pytest

from longloop.governance.license_policy import judge_license, normalize_expression

ALLOW = ("MIT", "Apache-2.0", "BSD-3-Clause", "CC-BY-4.0", "CC0-1.0")
DENY = ("GPL-2.0-or-later", "GPL-3.0-only", "CC-BY-NC-4.0", "LicenseRef-Proprietary")


@pytest.mark.parametrize("raw, spdx", [
    ("Apache 2.0", "Apache-2.0"), ("MIT License", "MIT"), ("GPL-2+", "GPL-2.0-or-later"),
    ("BSD-3-clause", "BSD-3-Clause"), ("CC BY 4.0", "CC-BY-4.0"), ("The MIT License", "MIT"),
    ("Apache License, Version 2.0", "Apache-2.0"), ("CC0", "CC0-1.0"), ("", "NOASSERTION"),
    ("GPL", "NOASSERTION"), ("MIT OR GPL-3.0", "MIT OR GPL-3.0-only"),
    ("(MIT AND Apache 2.0)", "(MIT AND Apache-2.0)"),
])
def test_normalises_real_spellings(raw, spdx):
    assert normalize_expression(raw) == spdx


@pytest.mark.parametrize("raw, status", [
    ("MIT", "allowed"), ("GPL-3.0", "denied"), ("", "unknown"), ("WTFPL", "unknown"),
    ("MIT OR GPL-3.0", "allowed"), ("MIT AND GPL-3.0", "denied"), ("MIT AND WTFPL", "unknown"),
    ("Apache-2.0 WITH LLVM-exception", "allowed"), ("(MIT OR GPL-3.0) AND CC-BY-NC-4.0", "denied"),
    ("all rights reserved", "denied"), ("MIT AND", "unknown"),
])
def test_policy_understands_and_or_with(raw, status):
    assert judge_license(raw, ALLOW, DENY).status == status
