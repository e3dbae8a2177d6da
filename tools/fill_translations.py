"""Fill a gettext catalogue from a JSON dictionary of translations we wrote.

    python tools/fill_translations.py src/proficio/locale/es/LC_MESSAGES/django.po \
        src/proficio/locale/es/translations*.json

Each feature may keep its own dictionary (translations-<feature>.json); all are merged.

Entries whose msgstr is empty, or that makemessages marked fuzzy (a guess), are filled
from the dictionary; plural entries take a two-item list. Prints the msgids still
missing, so `make messages` shows what is left to translate.
"""

from __future__ import annotations

import json
import re
import sys


def _unquote(block: str) -> str:
    return "".join(re.findall(r'"(.*)"', block)).replace('\\"', '"').replace("\\n", "\n")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


ENTRY = re.compile(
    r"(?P<flags>(?:#,[^\n]*\n)?)(?P<prev>(?:#\|[^\n]*\n)*)"
    r"msgid (?P<id>(?:\"[^\n]*\"\n)+)(?:msgid_plural (?P<plural>(?:\"[^\n]*\"\n)+))?"
    r"(?P<strs>(?:msgstr(?:\[\d\])? (?:\"[^\n]*\"\n)+)+)"
)


def main(po_path: str, *dict_paths: str) -> int:
    with open(po_path, encoding="utf-8") as f:
        po = f.read()
    table: dict[str, str | list[str]] = {}
    for dict_path in dict_paths:
        with open(dict_path, encoding="utf-8") as f:
            table.update(json.load(f))
    missing: list[str] = []

    def fill(m: re.Match[str]) -> str:
        msgid = _unquote(m["id"])
        fuzzy = "fuzzy" in m["flags"]
        strs = re.findall(r"msgstr(?:\[\d\])? ((?:\"[^\n]*\"\n)+)", m["strs"])
        empty = all(_unquote(v) == "" for v in strs)
        if not msgid or (not empty and not fuzzy):
            return m.group(0)
        value = table.get(msgid)
        if value is None:
            missing.append(msgid)
            return m.group(0)
        flags = re.sub(r",? fuzzy", "", m["flags"])
        flags = "" if flags.strip() == "#," else flags
        head = f"{flags}msgid {m['id']}"
        if m["plural"]:
            one, many = value if isinstance(value, list) else (value, value)
            plural = f"msgid_plural {m['plural']}"
            return f"{head}{plural}msgstr[0] {_quote(one)}\nmsgstr[1] {_quote(many)}\n"
        return f"{head}msgstr {_quote(str(value))}\n"

    po = ENTRY.sub(fill, po)
    po = re.sub(r'"Plural-Forms: .*\\n"', r'"Plural-Forms: nplurals=2; plural=(n != 1);\\n"', po)
    with open(po_path, "w", encoding="utf-8") as f:
        f.write(po)
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], *sys.argv[2:]))
