"""Korean ships complete: every string translated, nothing fuzzy, the compiled catalogue current."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
KO = LOCALE / "ko" / "LC_MESSAGES"


def test_every_korean_string_is_translated_and_none_is_fuzzy():
    po = (KO / "django.po").read_text(encoding="utf-8")
    found = list(blocks(po))
    assert len(found) > 400
    untranslated = [
        f["msgid"] for f in found if not all(v for k, v in f.items() if k.startswith("msgstr"))
    ]
    fuzzy = [f["msgid"] for f in found if "fuzzy" in f.get("flags", "")]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_matches_the_po_file(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("msgfmt is missing: install gettext (.ci/run does)")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(KO / "django.po")], check=True)
    assert fresh.read_bytes() == (KO / "django.mo").read_bytes(), "run `make messages`"


def blocks(po: str):
    """Each entry of a catalogue as {keyword: text}: msgctxt, msgid, msgid_plural, msgstr or
    msgstr[n], as written in the file (escapes kept, continuation lines joined), and its
    "flags" (the #, line). Obsolete (#~) entries are left out."""
    for block in po.strip().split("\n\n"):
        fields, current = {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                fields["flags"] = line
                continue
            start = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if start:
                current = start.group(1)
                fields[current] = start.group(2)
            elif current and re.match(r'^".*"$', line):
                fields[current] += line[1:-1]
        if "msgid" in fields and (fields["msgid"] or "msgctxt" in fields):  # not the header
            yield fields


def catalogue_keys(po: str) -> set[tuple[str, str, str]]:
    """(context, msgid, msgid_plural) of every live entry (obsolete `#~` ones are comments)."""
    return {(f.get("msgctxt", ""), f["msgid"], f.get("msgid_plural", "")) for f in blocks(po)}


def makemessages_ignores() -> list[str]:
    """The --ignore patterns of `make messages`: the Makefile is the one place they are listed."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^messages:.*\n((?:\t.*\n?)+)", makefile, re.M)
    assert recipe, "the Makefile has no `messages` target"
    line = next(x for x in recipe.group(1).splitlines() if "makemessages" in x)
    return re.findall(r"--ignore=(\S+)", line)


def test_every_translatable_string_in_the_source_is_in_the_catalogues(tmp_path):
    """Extract the strings afresh (Django's makemessages, as `make messages` runs it, on a copy
    of the sources, so nothing in the repository is written) and compare with the committed
    Korean catalogue: a string added, changed or removed without `make messages` fails here."""
    for tool in ("xgettext", "msguniq", "msgmerge"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: install gettext (.ci/run does)")
    ignores = makemessages_ignores()
    skipped = {*ignores, "locale", "__pycache__"}
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=lambda _dir, names: [n for n in names if n in skipped or n.startswith(".")],
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="nara.settings")
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ko", "--no-obsolete"]
        + [f"--ignore={pattern}" for pattern in ignores],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    fresh = catalogue_keys(
        (source / "locale" / "ko" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    )
    assert len(fresh) > 400, "makemessages found too few strings: is the copy complete?"
    committed = catalogue_keys((KO / "django.po").read_text(encoding="utf-8"))
    missing, stale = sorted(fresh - committed), sorted(committed - fresh)
    assert missing == [] and stale == [], (
        "run `make messages` and translate the new Korean entries.\n"
        f"missing from locale/ko: {missing}\nno longer in the source: {stale}"
    )
    english = (LOCALE / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert catalogue_keys(english) == committed, "run `make messages`: English is not current"


def test_korean_keeps_the_markup_of_every_string():
    """Links and emphasis inside a string (blocktranslate) survive translation: the same tags,
    with the same attributes, in the Korean text."""

    def tags(text):
        return sorted(re.findall(r"<[^>]*>", text))

    po = (KO / "django.po").read_text(encoding="utf-8")
    broken = [
        f["msgid"]
        for f in blocks(po)
        for keyword, text in f.items()
        if keyword.startswith("msgstr") and tags(text) != tags(f["msgid"])
    ]
    assert broken == []


def test_korean_keeps_every_placeholder():
    """%(name)s and {name} placeholders are filled in by the code: one the Korean text invents
    is an error at run time, one it drops loses information. (msgfmt only checks the entries
    flagged as formats; this checks every entry.) Korean has one plural form, so it must carry
    the plural's placeholders."""

    def placeholders(text):
        return set(re.findall(r"%\(\w+\)[sdfi]|\{\w+\}", text))

    po = (KO / "django.po").read_text(encoding="utf-8")
    wrong = [
        f["msgid"]
        for f in blocks(po)
        for keyword, text in f.items()
        if keyword.startswith("msgstr")
        and placeholders(text) != placeholders(f.get("msgid_plural", f["msgid"]))
    ]
    assert wrong == []


# words that end in 요 and are not the polite 해요체 ending
NOT_AN_ENDING = ("아니요", "필요", "중요", "주요", "개요", "수요", "요요")


def test_korean_speaks_in_one_register():
    """하십시오체 throughout (입력하십시오, 합니까?), never the polite 해요체 (입력하세요,
    하나요?) beside it in one form (issue #12)."""
    po = (KO / "django.po").read_text(encoding="utf-8")
    polite = []
    for entry in blocks(po):
        for key, text in entry.items():
            if not key.startswith("msgstr"):
                continue
            for word in re.findall(r"[가-힣]*요(?=[.?!…,\s)\"”]|\\n|$)", text):
                if not word.endswith(NOT_AN_ENDING):
                    polite.append((word, text))
    assert polite == []
