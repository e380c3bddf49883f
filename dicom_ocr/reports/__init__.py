"""Spot-check reports: HTML pages showing what a scan recorded, for people to look at (they contain PHI).

``classes`` (triage classes), ``signatures`` (scanner signatures), ``sampling`` (which files), ``grouping`` (frames
folded into plane groups), ``thumbnails`` (pictures with regions drawn), ``overview`` (the charts at the top),
``render`` (the Jinja2 template, one file or a folder).
"""
from .classes import TRIAGE_LABELS, TRIAGE_ORDER, triage
from .render import PHI_WARNING, ReportOutputError, ReportSummary, write_report

__all__ = ["PHI_WARNING", "TRIAGE_LABELS", "TRIAGE_ORDER", "ReportOutputError", "ReportSummary", "triage", "write_report"]
