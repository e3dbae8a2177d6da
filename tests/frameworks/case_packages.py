"""Small CASE 1.1 packages written for the tests, from the CASE 1.1 rules.

``uid("name")`` gives a stable version-5 UUID, which passes the CASE 1.1 OpenAPI's identifier
pattern (lower-case hex, version 1-5, RFC 4122 variant). ``small_package()`` is a document
with a license, two definitions of each kind, three items in a hierarchy, a prerequisite and a
rubric: enough to reach every provider endpoint.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

NAMESPACE = uuid.UUID("6f1c0f5e-2b7e-5d7a-9c1e-3a4b5c6d7e8f")
WHEN = "2024-05-06T07:08:09+00:00"
BASE = "https://case.example.test/uri"


def uid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def link(name: str, title: str = "") -> dict[str, str]:
    return {"title": title or name, "identifier": uid(name), "uri": f"{BASE}/{uid(name)}"}


def item(name: str, code: str, statement: str, **fields: Any) -> dict[str, Any]:
    return {
        "identifier": uid(name),
        "uri": f"{BASE}/{uid(name)}",
        "fullStatement": statement,
        "humanCodingScheme": code,
        "lastChangeDateTime": WHEN,
        **fields,
    }


def association(
    name: str, kind: str, origin: str, destination: str, **fields: Any
) -> dict[str, Any]:
    return {
        "identifier": uid(name),
        "associationType": kind,
        "uri": f"{BASE}/{uid(name)}",
        "originNodeURI": link(origin),
        "destinationNodeURI": link(destination),
        "lastChangeDateTime": WHEN,
        **fields,
    }


def definition(name: str, title: str, **fields: Any) -> dict[str, Any]:
    return {
        "identifier": uid(name),
        "uri": f"{BASE}/{uid(name)}",
        "title": title,
        "lastChangeDateTime": WHEN,
        **fields,
    }


def small_package(prefix: str = "pkg") -> dict[str, Any]:
    """A fresh CASE 1.1 package; ``prefix`` keeps identifiers apart between packages."""

    def n(name: str) -> str:
        return f"{prefix}:{name}"

    doc = n("doc")
    return copy.deepcopy(
        {
            "CFDocument": {
                "identifier": uid(doc),
                "uri": f"{BASE}/{uid(doc)}",
                "creator": "Proficio tests",
                "title": f"Science ({prefix})",
                "lastChangeDateTime": WHEN,
                "caseVersion": "1.1",
                "officialSourceURL": "https://example.test/science",
                "licenseURI": link(n("license"), "CC BY 4.0"),
                "subject": ["Science"],
                "subjectURI": [link(n("subject"), "Science")],
            },
            "CFItems": [
                item(
                    n("comp"),
                    "SCI.1",
                    "Plans investigations",
                    CFItemType="Competency",
                    CFItemTypeURI=link(n("type-comp"), "Competency"),
                    conceptKeywordsURI=link(n("concept"), "Inquiry"),
                    licenseURI=link(n("license"), "CC BY 4.0"),
                ),
                item(n("t1"), "SCI.1.1", "Asks a testable question", CFItemType="Target"),
                item(n("t2"), "SCI.1.2", "Controls variables", CFItemType="Target"),
            ],
            "CFAssociations": [
                association(n("a1"), "isChildOf", n("comp"), doc, sequenceNumber=1),
                association(n("a2"), "isChildOf", n("t1"), n("comp"), sequenceNumber=1),
                association(n("a3"), "isChildOf", n("t2"), n("comp"), sequenceNumber=2),
                association(
                    n("a4"),
                    "precedes",
                    n("t1"),
                    n("t2"),
                    CFAssociationGroupingURI=link(n("grouping"), "Progression"),
                ),
            ],
            "CFDefinitions": {
                "CFConcepts": [
                    definition(n("concept"), "Inquiry", hierarchyCode="1", keywords="inquiry"),
                    definition(n("concept-2"), "Questions", hierarchyCode="1.1"),
                    definition(n("concept-3"), "Elsewhere", hierarchyCode="2"),
                ],
                "CFSubjects": [
                    definition(n("subject"), "Science", hierarchyCode="1"),
                    definition(n("subject-2"), "Physics", hierarchyCode="1.1"),
                    definition(n("subject-3"), "Mechanics", hierarchyCode="1.1.1"),
                ],
                "CFLicenses": [
                    definition(n("license"), "CC BY 4.0", licenseText="https://cc.example/by")
                ],
                "CFItemTypes": [
                    definition(n("type-comp"), "Competency", description="", hierarchyCode="1"),
                    definition(n("type-target"), "Target", description="", hierarchyCode="1.1"),
                ],
                "CFAssociationGroupings": [definition(n("grouping"), "Progression")],
            },
            "CFRubrics": [
                {
                    "identifier": uid(n("rubric")),
                    "uri": f"{BASE}/{uid(n('rubric'))}",
                    "title": "Investigation rubric",
                    "lastChangeDateTime": WHEN,
                    "CFRubricCriteria": [
                        {
                            "identifier": uid(n("criterion")),
                            "uri": f"{BASE}/{uid(n('criterion'))}",
                            "description": "Question",
                            "CFItemURI": link(n("t1")),
                            "position": 1,
                            "rubricId": uid(n("rubric")),
                            "lastChangeDateTime": WHEN,
                            "CFRubricCriterionLevels": [
                                {
                                    "identifier": uid(n(f"level-{k}")),
                                    "uri": f"{BASE}/{uid(n(f'level-{k}'))}",
                                    "quality": quality,
                                    "score": float(k),
                                    "position": k,
                                    "rubricCriterionId": uid(n("criterion")),
                                    "lastChangeDateTime": WHEN,
                                }
                                for k, quality in ((1, "Emerging"), (2, "Proficient"))
                            ],
                        }
                    ],
                }
            ],
        }
    )
