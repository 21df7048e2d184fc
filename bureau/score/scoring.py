"""Score a file with a published scorecard, and explain it so the subject can check it.

The score is the scorecard's base plus the points of every attribute: no rounding, no hidden
step, so the points shown are the score. Reason codes (FCRA §609(f), §615; Reg B §1002.9) are the
attributes that lost the most points against their maximum, ranked, at most the regime's number
of key factors, with inquiries added as one more when they cost points and did not make the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bureau.model import CreditFile
from bureau.policy.regime import Regime, live_regime, live_rules
from bureau.score import attributes
from bureau.score.admissible import ScoringInput, scoring_input
from bureau.score.scorecard import FAMILIES, Scorecard, load_scorecard

UNSCORABLE_REASON = "The file holds no credit account, so there is nothing to score"


@dataclass(frozen=True)
class AttributeScore:
    attribute: str
    family: str
    title: str
    value: int | None
    bin: str
    points: int
    max_points: int

    @property
    def points_lost(self) -> int:
        return self.max_points - self.points


@dataclass(frozen=True)
class Reason:
    rank: int
    code: str
    attribute: str
    text: str
    points_lost: int


@dataclass(frozen=True)
class ScoreResult:
    version: str
    table_sha256: str
    as_of: date
    scorable: bool
    score: int | None
    range: tuple[int, int]
    base: int
    attributes: tuple[AttributeScore, ...]
    reasons: tuple[Reason, ...]
    unscorable_reason: str | None = None

    @property
    def points(self) -> int:
        return sum(a.points for a in self.attributes)

    def as_dict(self) -> dict[str, object]:
        """The JSON a subject (or a user, in a report) receives."""
        return {
            "version": self.version,
            "table_sha256": self.table_sha256,
            "as_of": self.as_of.isoformat(),
            "scorable": self.scorable,
            "score": self.score,
            "range": {"min": self.range[0], "max": self.range[1]},
            "unscorable_reason": self.unscorable_reason,
            "how_to_check": (
                f"score = {self.base} + the sum of 'points' over the attributes below "
                f"(each at most its 'max_points'); the full table is in docs/score.md"
            ),
            "base": self.base,
            "points_total": self.points if self.scorable else None,
            "attributes": [
                {
                    "attribute": a.attribute,
                    "family": FAMILIES[a.family],
                    "title": a.title,
                    "value": a.value,
                    "bin": a.bin,
                    "points": a.points,
                    "max_points": a.max_points,
                }
                for a in self.attributes
            ],
            "reasons": [
                {
                    "rank": r.rank,
                    "code": r.code,
                    "attribute": r.attribute,
                    "text": r.text,
                    "points_lost": r.points_lost,
                }
                for r in self.reasons
            ],
        }


def rank_reasons(
    card: Scorecard, scored: tuple[AttributeScore, ...], key_factors: int
) -> tuple[Reason, ...]:
    """Attributes by points lost (most first; table order breaks ties), plus inquiries."""
    order = {a.name: i for i, a in enumerate(card.attributes)}
    losing = sorted(
        (s for s in scored if s.points_lost > 0),
        key=lambda s: (-s.points_lost, order[s.attribute]),
    )
    chosen = losing[:key_factors]
    inquiry_names = {a.name for a in card.attributes if a.inquiries}
    if not any(s.attribute in inquiry_names for s in chosen):
        chosen += [s for s in losing[key_factors:] if s.attribute in inquiry_names][:1]

    def text(s: AttributeScore) -> str:
        attribute = card.attribute(s.attribute)
        return attribute.bin_for(s.value).reason or attribute.reason

    return tuple(
        Reason(
            rank=rank,
            code=card.attribute(s.attribute).reason_code,
            attribute=s.attribute,
            text=text(s),
            points_lost=s.points_lost,
        )
        for rank, s in enumerate(chosen, start=1)
    )


def score_input(
    data: ScoringInput, card: Scorecard | None = None, key_factors: int | None = None
) -> ScoreResult:
    """Score admissible data. A file with no credit account is unscorable, not scored low."""
    card = card or load_scorecard()
    factors = live_rules().adverse_action.key_factors if key_factors is None else key_factors
    values = attributes.compute(data)
    scored = tuple(
        AttributeScore(
            attribute=a.name,
            family=a.family,
            title=a.title,
            value=values[a.name],
            bin=(chosen := a.bin_for(values[a.name])).label,
            points=chosen.points,
            max_points=a.max_points,
        )
        for a in card.attributes
    )
    scorable = bool(attributes.accounts(data))
    return ScoreResult(
        version=card.id,
        table_sha256=card.sha256,
        as_of=data.as_of,
        scorable=scorable,
        score=card.base + sum(s.points for s in scored) if scorable else None,
        range=(card.base, card.max_score),
        base=card.base,
        attributes=scored if scorable else (),
        reasons=rank_reasons(card, scored, factors) if scorable else (),
        unscorable_reason=None if scorable else UNSCORABLE_REASON,
    )


def admissible_input(file: CreditFile, as_of: date, regime: Regime | None = None) -> ScoringInput:
    """The part of a file the live regime lets a score see (admitted, not obsolete)."""
    regime = regime or live_regime()
    retention = (regime.live or live_rules()).retention
    return scoring_input(file, as_of, regime.admissible, retention)


def score_file(
    file: CreditFile, as_of: date, card: Scorecard | None = None, regime: Regime | None = None
) -> ScoreResult:
    return score_input(admissible_input(file, as_of, regime), card)
