"""A subject's look at their own score: a disclosure of their file, logged, then scored.

It lives with the file, not the score, because it reads through the file's disclosure path
(`bureau.file.service`), which itself scores the file: the score never imports the file.
Shared by GET /v1/me/score, POST /v1/me/score/what-if and the portal's score page, so each look
at one's score is the same soft inquiry and audit entry (`score.disclosed` or `score.what-if`,
naming the scorecard) whichever door it came through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from bureau.auth.service import SubjectPrincipal
from bureau.file.service import disclose_to_subject
from bureau.score.admissible import ScoringInput
from bureau.score.scorecard import load_scorecard
from bureau.score.scoring import admissible_input
from bureau.vault import Vault


def own_scoring_input(
    conn: psycopg.Connection[Any],
    vault: Vault,
    subject: SubjectPrincipal,
    event: str,
    now: datetime,
    channel: str = "api",
) -> ScoringInput:
    """Assemble the subject's file, log the access, and keep what the regime lets a score see."""
    file = disclose_to_subject(
        conn, vault, subject, channel=channel, at=now, event=event,
        details={"scorecard": load_scorecard().id},
    )  # fmt: skip
    return admissible_input(file, now.date())
