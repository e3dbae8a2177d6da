"""A picture of a prerequisite graph as inline SVG, with a text alternative beside it.

The layout is layered by longest path (``core.progression.graph.layers``): each target
sits one column to the right of its deepest prerequisite. Drawn server-side so it needs
no script and obeys the Content-Security-Policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from proficio.core.progression.graph import layers

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 150, 44, 60, 16, 10


@dataclass(frozen=True)
class Node:
    key: int
    label: str
    title: str
    focus: bool = False


def render(nodes: list[Node], edges: list[tuple[int, int]], caption: str) -> str:
    if not nodes:
        return ""
    keys = [n.key for n in nodes]
    known = set(keys)
    edges = [(a, b) for a, b in edges if a in known and b in known]
    layer = layers(keys, edges)
    columns: dict[int, list[Node]] = {}
    for node in nodes:
        columns.setdefault(layer[node.key], []).append(node)
    pos: dict[int, tuple[int, int]] = {}
    for col, members in columns.items():
        for row, node in enumerate(sorted(members, key=lambda n: n.label)):
            pos[node.key] = (PAD + col * (NODE_W + GAP_X), PAD + row * (NODE_H + GAP_Y))
    width = PAD * 2 + (max(columns) + 1) * (NODE_W + GAP_X) - GAP_X
    height = PAD * 2 + max(len(m) for m in columns.values()) * (NODE_H + GAP_Y) - GAP_Y
    parts = [
        f'<svg class="prereq-graph" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="graph-title" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="graph-title">{escape(caption)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" class="edge-head"/></marker></defs>',
    ]
    for a, b in edges:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        parts.append(
            f'<line class="edge" x1="{x1 + NODE_W}" y1="{y1 + NODE_H // 2}" '
            f'x2="{x2}" y2="{y2 + NODE_H // 2}" marker-end="url(#arrow)"/>'
        )
    for node in nodes:
        x, y = pos[node.key]
        css = "node node-focus" if node.focus else "node"
        parts.append(
            f'<g class="{css}"><title>{escape(node.title)}</title>'
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
            f'<text x="{x + NODE_W // 2}" y="{y + NODE_H // 2 + 5}" text-anchor="middle">'
            f"{escape(node.label[:22])}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
