"""The published table as markdown: docs/score.md quotes this output, so docs follow the data."""

from __future__ import annotations

from bureau.score.scorecard import FAMILIES, Bin, Scorecard


def _range(b: Bin) -> str:
    if b.missing:
        return "does not apply"
    if b.high is None:
        return f"{b.low} or more"
    return f"{b.low}" if b.low == b.high else f"{b.low}\N{EN DASH}{b.high}"


def markdown(card: Scorecard) -> str:
    lines: list[str] = []
    family = None
    for a in card.attributes:
        if a.family != family:
            family = a.family
            total = sum(x.max_points for x in card.attributes if x.family == family)
            share = round(100 * total / card.max_points)
            lines += [f"### {FAMILIES[family]}: {total} of {card.max_points} points ({share}%)", ""]
        lines += [
            f"**`{a.name}`**: {a.title}. Reason code **{a.reason_code}**; "
            f"at most {a.max_points} points.",
            "",
            "| value | bin | points |",
            "|---|---|---|",
            *(f"| {_range(b)} | {b.label} | {b.points} |" for b in a.bins),
            "",
        ]
    lines += [
        "### Reason codes",
        "",
        "| code | attribute | text (and, where a bin has its own, that bin's text) |",
        "|---|---|---|",
    ]
    for a in card.attributes:
        extra = "".join(f" / *{b.label}*: {b.reason}" for b in a.bins if b.reason)
        lines.append(f"| {a.reason_code} | `{a.name}` | {a.reason}{extra} |")
    lines += ["", f"Table file SHA-256: `{card.sha256}`"]
    return "\n".join(lines)
