"""Redacted copies a safe haven can release: named fail-safe policies, pixels kept losslessly, marked as cleaned,
recorded per file and optionally verified by reading each copy again. Header de-identification is a separate step
(``--deid-header`` offers deid's default recipe)."""
from .copies import REFILL_ROUNDS, Redacted, Written, partial_path, redact_file, redact_scan, target_path
from .log import RedactionLog, RedactionRecord, redaction_summary
from .policy import Policy, RedactBox, boxes_to_redact
from .verify import Verification, Verifier

__all__ = ["REFILL_ROUNDS", "Policy", "RedactBox", "Redacted", "RedactionLog", "RedactionRecord", "Verification", "Verifier", "Written",
           "boxes_to_redact", "partial_path", "redact_file", "redact_scan", "redaction_summary", "target_path"]
