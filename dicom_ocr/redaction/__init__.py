"""Redacted copies a safe haven can release: named fail-safe policies, pixels kept losslessly, marked as cleaned,
recorded per file and optionally verified by reading each copy again. Header de-identification is a separate step
(``--deid-header`` offers deid's default recipe)."""
from .copies import Written, partial_path, redact_file, target_path
from .policy import Policy, RedactBox, boxes_to_redact
from .run import REFILL_ROUNDS, CopyTask, Redacted, make_copy, redact_scan
from .verify import Verification, Verifier

__all__ = ["REFILL_ROUNDS", "CopyTask", "Policy", "RedactBox", "Redacted", "Verification", "Verifier", "Written",
           "boxes_to_redact", "make_copy", "partial_path", "redact_file", "redact_scan", "target_path"]
