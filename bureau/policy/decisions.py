"""Credit applications decided under a regime's access basis: consent as a mechanism.

Why model the applications at all: "consent" changes nothing unless someone asks for a file.
Each true inquiry of the month is one application. Under `consent` the subject is asked for a
grant and may abandon or refuse it; a frozen file must be lifted first. A lender without a
report still decides, on other information: it declines some applicants the file would have
approved (the exclusion cost) and approves some it would have declined (the error cost). A
grant shows the subject the access and the items used (`disclosure.each_access`), so a subject
who reads them learns of a false item then, which is what makes errors be noticed sooner under
consent; it is not a separate dispute rate per regime. Only an access leaves an inquiry on the
file, so refused and abandoned applications also make files thinner. An adverse-action notice
(FCRA §615(a)) likewise follows a decline made on a report, under either basis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import DOMAIN_BIT, Mask
from bureau.policy.population import Behaviour
from bureau.policy.schema import Lab
from bureau.policy.tracking import Counters

Idx = NDArray[np.int64]
CREDIT = DOMAIN_BIT["credit"]


class DecisionDesk:
    """Decides one month's applications and tells the caller whose file was accessed."""

    def __init__(
        self,
        lab: Lab,
        behaviour: Behaviour,
        frozen: NDArray[np.bool_],
        rng: np.random.Generator,
        counters: Counters,
    ) -> None:
        self.lab = lab
        self.b = behaviour
        self.frozen = frozen if lab.freeze_available else np.zeros(len(frozen), bool)
        self.rng = rng
        self.counters = counters
        # §615(a): the notice follows a decline *on a report*. A list regime's warning comes
        # before listing instead (engine.ListRun), so it is not given here.
        self.adverse_notice = lab.notice.before_adverse and lab.scoring.kind != "list"

    def decide(
        self,
        month: int,
        applicants: Idx,
        mask_all: Mask,
        mask_true: Mask,
        has_error: NDArray[np.bool_],
        notified_until: NDArray[np.int16],
    ) -> NDArray[np.bool_]:
        """Which applicants' files were accessed. `mask_all`/`mask_true` are each person's
        restricted domains with and without false records, as the file stands now."""
        b, c, n = self.b, self.counters, len(applicants)
        if not n:
            return np.zeros(0, bool)
        c.applications += n
        would_decline = (mask_all[applicants] & CREDIT) != 0
        truly_declined = (mask_true[applicants] & CREDIT) != 0
        frozen_out = self.frozen[applicants] & (self.rng.random(n) < b.freeze_abandon_share)
        accessed = ~frozen_out
        if self.lab.access_basis == "consent":
            abandoned = accessed & (self.rng.random(n) < b.grant_abandon_share)
            refuse_p = np.where(would_decline, b.refuse_share_if_declined, b.refuse_share)
            refused = accessed & ~abandoned & (self.rng.random(n) < refuse_p)
            accessed &= ~abandoned & ~refused
            c.abandoned += int(abandoned.sum())
            c.refused += int(refused.sum())
        c.frozen_out += int(frozen_out.sum())
        unseen = ~accessed
        declined_unseen = unseen & (self.rng.random(n) < b.no_report_decline_share)
        c.without_report += int(unseen.sum())
        c.declined += int((accessed & would_decline).sum() + declined_unseen.sum())
        c.declined_without_report_clear += int((declined_unseen & ~truly_declined).sum())
        c.approved_against_file += int((unseen & ~declined_unseen & truly_declined).sum())
        c.wrongly_declined += int((accessed & would_decline & ~truly_declined).sum())
        if self.adverse_notice:
            declined = applicants[accessed & would_decline]
            told = declined[self.rng.random(len(declined)) < self.lab.notice.compliance]
            notified_until[told] = month + 12
            c.notices += len(told)
        if self.lab.each_access_shown:
            shown = applicants[accessed]
            c.accesses_shown += len(shown)
            reads = shown[self.rng.random(len(shown)) < b.reads_items_share]
            learns = reads[has_error[reads]]
            notified_until[learns] = month + 12
            c.errors_noticed += len(learns)
        return accessed
