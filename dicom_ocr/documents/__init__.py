"""Document planes (scanned paper: forms, letters, printed pages) and the ink on them that OCR did not read."""
from .forms import FormsMode, document_boxes
from .ink import ink_regions
from .page import PageTest, document_header, is_document, page_test

__all__ = ["FormsMode", "PageTest", "document_boxes", "document_header", "ink_regions", "is_document", "page_test"]
