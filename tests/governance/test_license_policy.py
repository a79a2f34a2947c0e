import glob
from collections import defaultdict

import pytest

from longloop.governance.license_policy import (
    PUBLIC_DOMAIN,
    dep5_license_names,
    is_valid_expression,
    judge_license,
    normalize_expression,
)

ALLOW = ("MIT", "Apache-2.0", "BSD-3-Clause", "CC-BY-4.0", "CC0-1.0", "ISC", "0BSD", "Unlicense", "MIT-0", "BSL-1.0")
DENY = ("GPL-2.0-or-later", "GPL-3.0-only", "CC-BY-NC-4.0", "LicenseRef-Proprietary")


@pytest.mark.parametrize(
    "raw, spdx",
    [
        ("Apache 2.0", "Apache-2.0"),
        ("MIT License", "MIT"),
        ("BSD-3-clause", "BSD-3-Clause"),
        ("CC BY 4.0", "CC-BY-4.0"),
        ("The MIT License", "MIT"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("CC0", "CC0-1.0"),
        ("", "NOASSERTION"),
        (None, "NOASSERTION"),
        ("   ", "NOASSERTION"),
        ("MIT OR GPL-3.0", "MIT OR GPL-3.0-only"),
        ("(MIT AND Apache 2.0)", "MIT AND Apache-2.0"),
        ("mit or isc", "MIT OR ISC"),
        # Debian's spellings, as maintainers write them in copyright files
        ("GPL-2+", "GPL-2.0-or-later"),
        ("GPL-2", "GPL-2.0-only"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("LGPL-2+", "LGPL-2.0-or-later"),
        ("GPLv3+", "GPL-3.0-or-later"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("Expat", "MIT"),
        ("MIT/X11", "MIT"),
        ("Apache-2", "Apache-2.0"),
        ("BOOST-1.0", "BSL-1.0"),
        ("public domain", PUBLIC_DOMAIN),
        ("public-domain", PUBLIC_DOMAIN),
        ("LicenseRef-public-domain", PUBLIC_DOMAIN),
        # an unversioned GPL lets the licensee choose any version ever published (GPL-2.0 section 9)
        ("GPL", "GPL-1.0-or-later"),
        ("BSD-3-clause or GPL", "BSD-3-Clause OR GPL-1.0-or-later"),
        ("Artistic or GPL-1+", "Artistic-1.0-Perl OR GPL-1.0-or-later"),
        ("GPL-1+ or Artistic, and Expat", "(GPL-1.0-or-later OR Artistic-1.0-Perl) AND MIT"),
        ("BSD-3-clause and/or GPL-3+", "BSD-3-Clause OR GPL-3.0-or-later"),
        ("LGPLv3+_or_GPLv2+", "LGPL-3.0-or-later OR GPL-2.0-or-later"),
        ("GPL-2+ with Autoconf exception", "GPL-2.0-or-later WITH Autoconf-exception-2.0"),
        ("GPL-3+ with autoconf exception", "GPL-3.0-or-later WITH Autoconf-exception-3.0"),
        ("GPL-3+ with Bison exception", "GPL-3.0-or-later WITH Bison-exception-2.2"),
        ("GPL-2 with Linux-syscall-note exception", "GPL-2.0-only WITH Linux-syscall-note"),
        ("APACHE-2-LLVM-EXCEPTIONS", "Apache-2.0 WITH LLVM-exception"),
        ("GFDL-NIV-1.3+", "GFDL-1.3-no-invariants-or-later"),
        ("OpenLDAP-2.8", "OLDAP-2.8"),
        # SPDX syntax: ids of the list, "+", LicenseRef-*, exceptions
        ("ISC", "ISC"),
        ("0BSD", "0BSD"),
        ("Unlicense", "Unlicense"),
        ("MIT-0", "MIT-0"),
        ("BSL-1.0", "BSL-1.0"),
        ("MPL-1.1+", "MPL-1.1+"),
        ("LicenseRef-Acme-1.0 OR MIT", "LicenseRef-Acme-1.0 OR MIT"),
        ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"),
        # nothing known: no guess
        ("MIT WITH Made-Up-exception", "MIT WITH NOASSERTION"),
        ("Apache", "NOASSERTION"),
        ("MITT", "NOASSERTION"),
        ("custom license, see LICENSE.txt", "NOASSERTION"),
        ("MIT AND", "NOASSERTION"),
        ("(MIT", "NOASSERTION"),
        ("Permission to use, copy, modify, and distribute this software", "NOASSERTION"),
    ],
)
def test_normalises_real_spellings(raw, spdx):
    assert normalize_expression(raw) == spdx


@pytest.mark.parametrize(
    "raw, status",
    [
        ("MIT", "allowed"),
        ("GPL-3.0", "denied"),
        ("", "unknown"),
        (None, "unknown"),
        ("WTFPL", "unknown"),
        ("ISC", "allowed"),
        ("0BSD", "allowed"),
        ("Unlicense", "allowed"),
        ("MIT-0", "allowed"),
        ("BSL-1.0", "allowed"),
        ("Expat", "allowed"),
        ("public domain", "unknown"),  # on neither list
        ("MIT OR GPL-3.0", "allowed"),
        ("GPL-3.0 OR CC-BY-NC-4.0", "denied"),
        ("GPL-3.0 OR WTFPL", "unknown"),
        ("MIT AND GPL-3.0", "denied"),
        ("MIT AND WTFPL", "unknown"),
        ("MIT AND ISC", "allowed"),
        ("(MIT OR GPL-3.0) AND CC-BY-NC-4.0", "denied"),
        ("MIT OR (GPL-3.0 AND WTFPL)", "allowed"),
        ("Apache-2.0 WITH LLVM-exception", "allowed"),
        ("MIT WITH Made-Up-exception", "unknown"),
        ("GPL-2+ with Autoconf exception", "denied"),  # the exception adds permissions; GPL-2.0-or-later decides
        ("all rights reserved", "denied"),
        ("MIT AND", "unknown"),
        ("MIT junk (", "unknown"),
        ("GPL-2+", "denied"),
        ("BSD-3-clause or GPL", "allowed"),
        ("MIT+", "allowed"),  # "or later" lets the licensee take MIT itself
        ("GPL-1+", "unknown"),  # GPL-1.0 is on neither list
    ],
)
def test_policy_understands_and_or_with(raw, status):
    assert judge_license(raw, ALLOW, DENY).status == status


def test_policy_entries_are_compared_in_canonical_form():
    # "GPL-2.0" on a deny list denies the GPL-2.0-only that data spelled "GPL-2"
    assert judge_license("GPL-2", ("MIT",), ("GPL-2.0",)).status == "denied"
    assert judge_license("Expat", ("mit",), ()).status == "allowed"
    # a whole combination can be allowed while its license alone is denied
    policy = (("GPL-2.0-only WITH Classpath-exception-2.0",), ("GPL-2.0-only",))
    assert judge_license("GPL-2 with Classpath exception", *policy).status == "allowed"
    assert judge_license("GPL-2", *policy).status == "denied"
    assert judge_license("MIT WITH LLVM-exception", ("MIT",), ("LLVM-exception",)).status == "denied"


def test_a_name_the_document_defines_becomes_a_license_ref():
    assert normalize_expression("OldBoost2") == "NOASSERTION"
    assert normalize_expression("BSL-1.0 and OldBoost2", defined={"OldBoost2"}) == "BSL-1.0 AND LicenseRef-OldBoost2"
    assert (
        normalize_expression("GPL-2+ with distribution exception", defined={"GPL-2+ with distribution exception"})
        == "LicenseRef-GPL-2plus-with-distribution-exception"
    )
    assert judge_license("OldBoost2", ("LicenseRef-OldBoost2",), (), defined={"OldBoost2"}).status == "allowed"


def test_reads_dep5_fields_and_the_names_a_file_defines():
    text = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: 2020 A\nLicense: GPL-2+ or Frob\n\n"
        "Files: x.c\nLicense: MIT\n\n"
        "License: Frob\n Permission is granted to frob.\n .\n Frob freely.\n"
    )
    assert dep5_license_names(text) == (["GPL-2+ or Frob", "MIT", "Frob"], {"Frob"})
    assert dep5_license_names("This package was debianized by ...\nLicense: GPL\n") is None


def _debian_license_values():
    """Each distinct License: value of the machine-readable copyright files here, with the names defined in
    each file it appears in."""
    seen = defaultdict(list)
    for path in glob.glob("/usr/share/doc/*/copyright"):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                parsed = dep5_license_names(f.read())
        except OSError:
            continue
        if parsed:
            for value in parsed[0]:
                seen[value].append(parsed[1])
    return seen


def test_debian_license_fields_normalise_to_spdx():
    values = _debian_license_values()
    # a Debian system carries hundreds; fewer means the corpus is missing, which must not pass quietly
    assert len(values) >= 30, f"only {len(values)} distinct License: values under /usr/share/doc/*/copyright"
    valid = [
        v
        for v, files in values.items()
        if all(is_valid_expression(normalize_expression(v, defined)) for defined in files)
    ]
    share = len(valid) / len(values)
    # without the file's own definitions only SPDX ids and the alias layer count
    plain = sum(is_valid_expression(normalize_expression(v)) for v in values) / len(values)
    print(
        f"\n{len(values)} distinct Debian License: values; valid SPDX {share:.1%} "
        f"(names defined in the file as LicenseRef-*), {plain:.1%} from the SPDX list and aliases alone"
    )
    missed = sorted(set(values) - set(valid))[:20]
    assert share >= 0.9, f"{share:.1%} normalised; not: {missed}"
    assert plain >= 0.3, f"only {plain:.1%} of the values are read without the file's definitions"
