"""Korean ships complete: every string translated, nothing fuzzy, the compiled catalogue current."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
KO = LOCALE / "ko" / "LC_MESSAGES"


def entries(po: str):
    """(flags, msgid, msgstrs) of every entry but the header."""
    for block in po.strip().split("\n\n")[1:]:
        if block.lstrip().startswith("#~"):
            continue
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        msgid = "".join(
            re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', block.split("msgstr")[0], re.M)
        )
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        yield flags, msgid, ["".join([a, *re.findall(r'"(.*)"', b)]) for a, b in msgstrs]


def test_every_korean_string_is_translated_and_none_is_fuzzy():
    po = (KO / "django.po").read_text(encoding="utf-8")
    found = list(entries(po))
    assert len(found) > 400
    untranslated = [msgid for _flags, msgid, strs in found if not all(strs)]
    fuzzy = [msgid for flags, msgid, _strs in found if "fuzzy" in flags]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_matches_the_po_file(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("msgfmt is missing: install gettext (.ci/run does)")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(KO / "django.po")], check=True)
    assert fresh.read_bytes() == (KO / "django.mo").read_bytes(), "run `make messages`"
