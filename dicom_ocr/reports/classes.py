"""Triage classes: what a scan concluded about a file, in the order a spot check looks at them."""
from __future__ import annotations

from ..store import FileFacts, FileRecord

TRIAGE_ORDER = ("phi", "technical-only", "error", "no-text", "not-read", "not-dicom")
TRIAGE_LABELS = {"phi": "PHI text", "technical-only": "technical text only", "error": "failed", "no-text": "no text",
                 "not-read": "not read (header triage)", "not-dicom": "not DICOM (skipped)"}
# Where a miss would be released unseen: a sample always holds some of these when the scan has any.
UNSEEN_RISK = ("no-text", "technical-only")


def triage(record: FileRecord | FileFacts) -> str:
    """A file's triage class: ``phi``, ``technical-only``, ``no-text``, ``error``, ``not-read`` (left unread by
    header triage) or ``not-dicom`` (skipped)."""
    if record.state == "skipped":
        return "not-dicom"
    if record.state == "not-read":
        return "not-read"
    if record.state != "done":
        return "error"
    if record.has_phi:
        return "phi"
    return "technical-only" if record.n_regions else "no-text"
