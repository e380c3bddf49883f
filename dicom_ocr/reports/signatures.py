"""Scanner signatures (Modality, ManufacturerModelName) of scanned files: from dcmaudit's DicomTags when a reviewer
has opened the file, else as the scan stored them, else (a DB of an older version) from the file's header, read only
for the files that need one."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import DicomOcrError
from ..planes import read_header

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Signature:
    """Which kind of scanner made a file; ``unreadable`` when its header cannot be read any more."""

    modality: str
    model: str

    @property
    def label(self) -> str:
        return "header unreadable" if self == UNREADABLE else f"{self.modality} · {self.model}"


UNREADABLE = Signature("header unreadable", "header unreadable")


def _clean(value: object, missing: str) -> str:
    text = str(value or "").strip()
    return text or missing


class SignatureLookup:
    """Signatures by filename, each header read at most once; counts how many headers it read."""

    def __init__(self, tagged: Mapping[str, tuple[str | None, str | None]] | None = None,
                 stored: Mapping[str, tuple[str, str]] | None = None):
        """``tagged``: what dcmaudit stored for files a reviewer opened; ``stored``: what the scan stored."""
        self._known = {name: Signature(_clean(modality, "no modality"), _clean(model, "no model"))
                       for name, (modality, model) in (stored or {}).items()}
        self._known.update({name: Signature(_clean(modality, "no modality"), _clean(model, "no model"))
                            for name, (modality, model) in (tagged or {}).items()
                            if modality not in (None, "", "NoModality")})
        self.headers_read = 0

    @property
    def known(self) -> dict[str, Signature]:
        """Every signature looked up or tagged so far, by filename."""
        return dict(self._known)

    def __call__(self, filename: str) -> Signature:
        if filename not in self._known:
            self._known[filename] = self._from_header(filename)
        return self._known[filename]

    def _from_header(self, filename: str) -> Signature:
        self.headers_read += 1
        try:
            ds = read_header(filename)
        except (DicomOcrError, OSError) as error:
            log.debug("%s: no signature (%s)", filename, error)
            return UNREADABLE
        return Signature(_clean(ds.get("Modality"), "no modality"), _clean(ds.get("ManufacturerModelName"), "no model"))
