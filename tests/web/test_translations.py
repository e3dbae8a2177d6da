"""Every interface string has a Spanish translation (no English left on Spanish pages)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "src" / "proficio" / "locale" / "es" / "LC_MESSAGES"
)


def test_spanish_catalogue_is_complete_and_compiled():
    po = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = re.findall(r'msgid "(.+)"\n(?:msgid_plural .*\n)?msgstr(?:\[0\])? "(.*)"', po)
    assert entries
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == []
    # The compiled catalogue the server reads says the same as the source.
    with (CATALOGUE / "django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for msgid, msgstr in entries:
        unescape = lambda text: text.replace('\\"', '"')  # noqa: E731
        assert compiled.gettext(unescape(msgid)) == unescape(msgstr), msgid
