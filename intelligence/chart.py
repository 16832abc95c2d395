"""The link chart: a case's child, or a person of concern, location or vehicle, and what is
linked to it two steps out, as nodes and edges, drawn with Debian's graphviz ``dot``.

Scoped as everything else in intelligence: only links ``Link.objects.visible_to(user)``
(which sees the link and every record it joins) and only live ones. A child node names the
child (case reference and name) only when the viewer may open the case; otherwise it is
"Another child (<area>)", with no id anywhere in the chart. Two link queries whatever the
size of the network (one per step), and the chart is capped at ``MAX_NODES`` nodes: the
page says how many more were not shown.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape

from cases.access import case_visible
from intelligence.models import Link, Location, PersonOfConcern, Vehicle

if TYPE_CHECKING:
    from cases.models import Case
    from panel.models import User

MAX_NODES = 40
STEPS = 2
DOT_TIMEOUT_SECONDS = 10

KIND_LABELS = {
    "child": "Child",
    "person": "Person of concern",
    "location": "Location",
    "vehicle": "Vehicle",
}
_SHAPES = {"child": "ellipse", "person": "box", "location": "house", "vehicle": "octagon"}
_FILL = {"child": "#ffffff", "person": "#f3f2f1", "location": "#ffffff", "vehicle": "#f3f2f1"}


@dataclass
class Node:
    key: str  # internal: "child:<id>", "person:<id>"; never shown on the page
    kind: str
    label: str
    url: str | None = None
    start: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class Edge:
    source: Node
    target: Node
    relationship: str
    grading: str


@dataclass
class Chart:
    start: Node
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    hidden: int = 0  # nodes within two steps not drawn (the cap)

    @property
    def link_count(self) -> int:
        return len(self.edges)


def _record_url(kind: str, pk: int) -> str:
    return reverse(f"intelligence:{kind}-chart", args=[pk])


def _record_node(kind: str, record) -> Node:
    if kind == "person":
        label = record.name
    elif kind == "location":
        label = f"{record.name} ({record.get_kind_display()})"
    else:
        described = " ".join(part for part in (record.colour, record.make, record.model) if part)
        label = f"{record.registration_key} {described}".strip()
    return Node(key=f"{kind}:{record.pk}", kind=kind, label=label, url=_record_url(kind, record.pk))


def _child_node(link: Link) -> Node:
    case = link.case
    if link.case_open:
        return Node(
            key=f"child:{case.child_id}",
            kind="child",
            label=f"{case.reference} {case.child.full_name}",
            url=reverse("cases:case-detail", args=[case.pk]),
        )
    return Node(key=f"child:{case.child_id}", kind="child", label=f"Another child ({case.area})")


def _ends(link: Link) -> list[tuple[str, object]]:
    """The two ends of a link: (kind, record) pairs, the child's first for a child's link."""
    ends: list[tuple[str, object]] = []
    if link.case_id is not None:
        ends.append(("child", link))
    for kind, attr in (
        ("person", "person"),
        ("person", "other_person"),
        ("location", "location"),
        ("vehicle", "vehicle"),
    ):
        record = getattr(link, attr)
        if record is not None:
            ends.append((kind, record))
    return ends


def _node_for(kind: str, value) -> Node:
    return _child_node(value) if kind == "child" else _record_node(kind, value)


def _touching(frontier: dict[str, set[int]]) -> Q:
    q = Q(pk__in=[])
    if frontier["child"]:
        q |= Q(case__child_id__in=frontier["child"])
    if frontier["person"]:
        q |= Q(person_id__in=frontier["person"]) | Q(other_person_id__in=frontier["person"])
    if frontier["location"]:
        q |= Q(location_id__in=frontier["location"])
    if frontier["vehicle"]:
        q |= Q(vehicle_id__in=frontier["vehicle"])
    return q


def _links(user: User) -> object:
    """Live links the user sees in full; a child's link only on a case (a link made at
    triage, before a case exists, is on the referral's pages, not in the chart)."""
    return (
        Link.objects.visible_to(user)
        .live()
        .filter(Q(case__isnull=False) | Q(case__isnull=True, referral__isnull=True))
        .select_related(
            "case", "case__child", "case__area", "person", "other_person", "location", "vehicle"
        )
        .annotate(case_open=case_visible(user, "case_id"))
        .order_by("pk")
    )


def build_chart(user: User, start: Node, max_nodes: int = MAX_NODES) -> Chart:
    chart = Chart(start=start, nodes=[start])
    shown: dict[str, Node] = {start.key: start}
    seen: set[str] = {start.key}  # every node within reach, drawn or not
    edges: dict[int, Edge] = {}
    kind, pk = start.key.split(":")
    frontier: dict[str, set[int]] = {"child": set(), "person": set(), "location": set(),
                                     "vehicle": set()}  # fmt: skip
    frontier[kind].add(int(pk))
    for _step in range(STEPS):
        next_frontier: dict[str, set[int]] = {k: set() for k in frontier}
        for link in _links(user).filter(_touching(frontier)):
            ends = [_node_for(k, v) for k, v in _ends(link)]
            for node in ends:
                if node.key in seen:
                    continue
                seen.add(node.key)
                node_kind, node_pk = node.key.split(":")
                next_frontier[node_kind].add(int(node_pk))
                if len(chart.nodes) < max_nodes:
                    shown[node.key] = node
                    chart.nodes.append(node)
                else:
                    chart.hidden += 1
            if len(ends) == 2 and ends[0].key in shown and ends[1].key in shown:
                edges.setdefault(
                    link.pk,
                    Edge(
                        source=shown[ends[0].key],
                        target=shown[ends[1].key],
                        relationship=link.get_relationship_display(),
                        grading=link.grading,
                    ),
                )
        frontier = next_frontier
    chart.edges = list(edges.values())
    return chart


def chart_for_case(user: User, case: Case) -> Chart:
    """The chart around a case's child (the case as fetched for the user, with its child)."""
    start = Node(
        key=f"child:{case.child_id}",
        kind="child",
        label=f"{case.reference} {case.child.full_name}",
        url=reverse("cases:case-detail", args=[case.pk]),
        start=True,
    )
    return build_chart(user, start)


def chart_for_record(user: User, record: PersonOfConcern | Location | Vehicle) -> Chart:
    kind = {PersonOfConcern: "person", Location: "location", Vehicle: "vehicle"}[type(record)]
    start = _record_node(kind, record)
    start.start = True
    return build_chart(user, start)


# --- drawing ----------------------------------------------------------------------------


def dot_quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as \\n, so a
    label can never close the string or add an attribute."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


def to_dot(chart: Chart) -> str:
    ids = {node.key: f"n{index}" for index, node in enumerate(chart.nodes)}
    lines = [
        'digraph "chart" {',
        '  graph [rankdir=TB, bgcolor="transparent", fontname="Helvetica", nodesep=0.3,'
        " ranksep=0.6];",
        '  node [fontname="Helvetica", fontsize=14, style=filled, color="#0b0c0c"];',
        '  edge [fontname="Helvetica", fontsize=12, color="#505a5f", fontcolor="#0b0c0c"];',
    ]
    for node in chart.nodes:
        attrs = {
            "label": dot_quote(f"{node.kind_label}\n{node.label}"),
            "tooltip": dot_quote(node.label),
            "shape": _SHAPES[node.kind],
            "fillcolor": dot_quote("#ffdd00" if node.start else _FILL[node.kind]),
        }
        if node.start:
            attrs["penwidth"] = "2"
        if node.url:
            attrs["URL"] = dot_quote(node.url)
            attrs["target"] = '"_top"'
        rendered = ", ".join(f"{key}={value}" for key, value in attrs.items())
        lines.append(f"  {ids[node.key]} [{rendered}];")
    for edge in chart.edges:
        label = dot_quote(f"{edge.relationship} ({edge.grading})")
        lines.append(
            f"  {ids[edge.source.key]} -> {ids[edge.target.key]} [label={label}, dir=none];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_STYLE_ATTR = re.compile(r'\sstyle="[^"]*"')
_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")
_POINTS = re.compile(r'\b(width|height)="([0-9.]+)pt"')


def dot_available() -> bool:
    return shutil.which("dot") is not None


def render_svg(chart: Chart, title: str) -> str | None:
    """The chart as inline SVG (no XML prologue or doctype, no comments, no ``style``
    attribute the site's CSP would block), with ``role="img"`` and an accessible name; None
    if ``dot`` is absent or fails (the page then shows the table and says so)."""
    executable = shutil.which("dot")
    if executable is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603 (a fixed executable and arguments; the DOT on stdin)
            [executable, "-Tsvg"],
            input=to_dot(chart).encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    svg = result.stdout.decode("utf-8", errors="replace")
    svg = _COMMENT.sub("", _PROLOGUE.sub("", svg, count=1))
    svg = _STYLE_ATTR.sub("", svg)

    def _open(match: re.Match) -> str:
        # graphviz's width and height stay, its points read as CSS pixels (labels at 14 px):
        # the chart's own size, which the CSS scales down to fit a wide screen and keeps on
        # a phone, scrolling in its container (panel.css, app-link-chart).
        attrs = _POINTS.sub(r'\1="\2"', match.group(1))
        return (
            f'<svg{attrs} class="app-link-chart__svg" role="img" '
            f'aria-label="{escape(title)}" focusable="false">'
        )

    return _SVG_OPEN.sub(_open, svg, count=1).strip()
