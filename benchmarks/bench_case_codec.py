"""Benchmark: the CASE codec on a framework of 20,000 items and 40,000 associations.

Times reading (``load_json`` + ``parse_package``) and writing (``build_package`` +
``json.dumps``), and divides each by a baseline measured in the same run on the same text:
a bare ``json.loads`` / ``json.dumps``. The ratio is the codec's overhead over doing nothing
but JSON (1.0 would be free). Also times ``package_graph_problems``, and with ``--validate``
the official 1.1 schema check (read from ../shared/fixtures/case; slow, off by default).

    python benchmarks/bench_case_codec.py                     # 20,000 items, 40,000 associations
    python benchmarks/bench_case_codec.py --items 2000 --repeat 1 --validate
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proficio.core.standards import case

SCHEMA = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "fixtures"
    / "case"
    / "case-v1p1-cfpackage-schema.json"
)
BASE = "https://case.example.org/ims/case/v1p1"


def generate(items: int, associations: int, seed: int) -> dict[str, Any]:
    """A CASE 1.1 package: an ``isChildOf`` tree of the items under the document, plus
    ``precedes`` / ``isRelatedTo`` / ``exactMatchOf`` links until ``associations``."""
    rng = random.Random(seed)

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def when() -> str:
        moment = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(10**8))
        return moment.isoformat()

    def link(kind: str, identifier: str, title: str) -> dict[str, str]:
        return {"title": title, "identifier": identifier, "uri": f"{BASE}/{kind}/{identifier}"}

    doc_id, type_id = uid(), uid()
    document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": f"{BASE}/CFDocuments/{doc_id}",
        "caseVersion": "1.1",
        "creator": "State Department of Education",
        "title": "Mathematics Standards",
        "lastChangeDateTime": when(),
        "description": "Adopted 2024.\r\nSee **notes**.",
        "subject": ["Mathematics"],
        "language": "en",
        "adoptionStatus": "Adopted",
    }
    codes: list[str] = []
    raw_items: list[dict[str, Any]] = []
    for n in range(items):
        identifier = uid()
        code = f"M.{n // 400}.{n // 20 % 20}.{n % 20}"
        codes.append(code)
        item: dict[str, Any] = {
            "identifier": identifier,
            "uri": f"{BASE}/CFItems/{identifier}",
            "fullStatement": f"Solve *problems* with $x^{n % 9}$ — item {n}.\r\nUse a model.",
            "CFItemType": "Standard",
            "CFItemTypeURI": link("CFItemTypes", type_id, "Standard"),
            "humanCodingScheme": code,
            "educationLevel": [f"{1 + n % 12:02d}"],
            "language": "en",
            "lastChangeDateTime": when(),
        }
        if n % 3 == 0:
            item["notes"] = "Clarification: émphasis on reasoning."
        if n % 5 == 0:
            item["abbreviatedStatement"] = f"Item {n}"
        raw_items.append(item)
    raw_associations: list[dict[str, Any]] = []

    def associate(kind: str, origin: int, destination: int, sequence: int | None) -> None:
        identifier = uid()
        o = raw_items[origin]
        d = document if destination < 0 else raw_items[destination]
        association: dict[str, Any] = {
            "identifier": identifier,
            "associationType": kind,
            "uri": f"{BASE}/CFAssociations/{identifier}",
            "originNodeURI": link("CFItems", o["identifier"], codes[origin]),
            "destinationNodeURI": link(
                "CFDocuments" if destination < 0 else "CFItems",
                d["identifier"],
                d["title"] if destination < 0 else codes[destination],
            ),
            "lastChangeDateTime": when(),
        }
        if sequence is not None:
            association["sequenceNumber"] = sequence
        raw_associations.append(association)

    for n in range(items):  # a tree: each item that starts a run of 20 holds the other 19
        associate("isChildOf", n, -1 if n % 20 == 0 else n - n % 20, n % 20 + 1)
    while len(raw_associations) < associations:
        a, b = sorted(rng.sample(range(items), 2))
        associate(rng.choice(["precedes", "isRelatedTo", "exactMatchOf"]), a, b, None)
    item_type = {
        "identifier": type_id,
        "uri": f"{BASE}/CFItemTypes/{type_id}",
        "title": "Standard",
        "description": "A standard",
        "hierarchyCode": "1",
        "lastChangeDateTime": when(),
    }
    return {
        "CFDocument": document,
        "CFItems": raw_items,
        "CFAssociations": raw_associations,
        "CFDefinitions": {"CFItemTypes": [item_type]},
    }


def best(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()  # start each run from the same heap: less noise from the collector
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--associations", type=int, default=None, help="default: 2 x items")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--validate", action="store_true", help="also time the 1.1 schema check")
    args = parser.parse_args()
    associations = args.associations or 2 * args.items

    data = generate(args.items, associations, args.seed)
    text = json.dumps(data, ensure_ascii=False)
    raw = text.encode("utf-8")
    package = case.parse_package(case.load_json(raw))
    assert package.warnings == [], package.warnings[:3]
    built = case.build_package(package)
    assert case.parse_package(built) == package

    print(
        f"CASE codec: {len(package.items):,} items, {len(package.associations):,} associations, "
        f"{len(raw) / 1e6:.1f} MB of JSON; best of {args.repeat}"
    )
    read_base = best(args.repeat, lambda: json.loads(raw))
    read = best(args.repeat, lambda: case.parse_package(case.load_json(raw)))
    write_base = best(args.repeat, lambda: json.dumps(data, ensure_ascii=False))
    write = best(args.repeat, lambda: json.dumps(case.build_package(package), ensure_ascii=False))
    graph = best(args.repeat, lambda: case.package_graph_problems(package))
    rows = [
        ("read   json.loads (baseline)", read_base, None),
        ("read   load_json + parse_package", read, read / read_base),
        ("write  json.dumps (baseline)", write_base, None),
        ("write  build_package + json.dumps", write, write / write_base),
        ("check  package_graph_problems", graph, None),
    ]
    if args.validate:
        if SCHEMA.is_file():
            schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
            seconds = best(1, lambda: case.validate(built, schema))
            rows.append(("check  validate (CASE 1.1 schema)", seconds, seconds / read_base))
        else:
            print(f"(no schema at {SCHEMA}: --validate skipped)")
    for name, seconds, ratio in rows:
        rate = (len(package.items) + len(package.associations)) / seconds
        overhead = f"{ratio:6.1f}x the baseline" if ratio is not None else ""
        print(f"  {name:36s} {seconds * 1000:8.1f} ms  {rate:12,.0f} objects/s  {overhead}")


if __name__ == "__main__":
    main()
