"""What a validation rule is: an id, what it checks, why it matters, how severe a breach is,
and (for consistency rules) the declarative predicate that finds a breach.

Severity decides what happens to the record: `reject` keeps it out of the credit file (format
and structure errors, and the few consistency rules whose record would mislead a reader of the
file); `review` lets it land and lists the finding for the furnisher to examine, which is how
the CFPB treats its evaluators' hits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from bureau.furnishing.metro2.predicates import Pred, Ref, is_cycle_rule, reads

Severity = Literal["reject", "review"]


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    fields: tuple[str, ...]
    why: str
    when: Pred | None = None  # None: applied by the engine in validate.py (structure, types)
    blame: Ref | None = None  # the field a finding is reported at (default: the first read)
    severity: Severity = "reject"
    cfpb: str | None = None  # the CFPB evaluator this rule implements, if any
    each: str | None = None  # evaluate once per appended segment of this kind (bound to `seg`)
    reason: str = ""  # the finding's reason; {field_name} is replaced by the text found

    # cached: a rule never changes, and explaining each finding asks again (its reason quotes
    # the values read), which walked the predicate tree once per finding
    @cached_property
    def reads(self) -> tuple[Ref, ...]:
        if self.when is None:
            return ()
        found = reads(self.when)
        if self.blame is not None and Ref(self.blame.name, self.blame.seg) not in found:
            found.insert(0, Ref(self.blame.name, self.blame.seg))
        return tuple(found)

    @property
    def blamed(self) -> Ref:
        assert self.when is not None, "only consistency rules blame a field"
        return self.blame or next(r for r in self.reads if r.cycle == "now")

    @cached_property
    def across_cycles(self) -> bool:
        return self.when is not None and is_cycle_rule(self.when)
