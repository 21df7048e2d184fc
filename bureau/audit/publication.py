"""When the access log publishes a new signed tree head: on a schedule, not on every read.

Signing a head whenever a read followed new entries made `audit_tree_heads` grow with reads: in
a busy bureau nearly every subject or auditor read signed one. Certificate Transparency logs
instead publish a signed head on a schedule and serve every proof against the latest published
one. Here a reader is served the newest signed head unless

- it is older than the interval and the log has grown since: so reads alone add at most one
  head per interval, and none at all while nothing new is logged; or
- the reader is a subject and the head does not cover their own newest entry. A subject sees
  every access to their file with its proof at once (nothing shows as "pending"), and the heads
  this signs are bounded by the subject's own activity: each covers at least one of their
  entries that no earlier head covered, so no subject causes more heads than they have entries,
  each of which already added a row to the log.

Pure rules; `bureau.audit.tree.current_head` reads the facts, serialises and signs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bureau.audit.merkle import TreeHead


def serves(
    head: TreeHead | None,
    now: datetime,
    interval: timedelta,
    owed_size: int,
    log_size: int | None,
) -> bool:
    """Whether `head` may be served to a reader at `now` instead of a newly signed one.

    `owed_size`: the tree size the reader must be shown (a subject: their newest numbered
    entry's index + 1; anyone else: 0). `log_size`: the entries numbered now, or None when the
    caller has not sequenced yet (then only a young head serves). A zero interval serves no
    head for its age: every read after new entries is served a new one.
    """
    if head is None or owed_size > head.tree_size:
        return False
    if interval > timedelta(0) and now - head.timestamp < interval:
        return True
    return log_size is not None and log_size <= head.tree_size


def next_head_due(head: TreeHead, interval: timedelta) -> datetime:
    """From when a read is served a head covering entries numbered after `head`."""
    return head.timestamp + interval
