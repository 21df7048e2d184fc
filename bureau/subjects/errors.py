"""Errors about the state of a subject's file itself: closed at their request, or shredded.

Kept apart from consent's denials because every reader needs them (auth, ingest, the operator's
tools), and `bureau` may not import `consent`.
"""

from __future__ import annotations

from bureau.errors import Conflict, DomainError, NotFound


class SubjectNotFound(NotFound):
    type = "subject-not-found"
    title = "No such subject"


class FileClosed(Conflict):
    """The subject closed their file: nothing is added to it or released from it."""

    type = "file-closed"
    title = "The subject's file is closed"


class FileNotClosed(Conflict):
    """Shredding is irreversible, so it only follows a closure the subject asked for."""

    type = "file-not-closed"
    title = "Only a closed file can be shredded"


class FileShredded(DomainError):
    """The file's data keys are destroyed: nothing about the subject can be read any more."""

    status = 410
    type = "file-shredded"
    title = "The subject's file was erased"
