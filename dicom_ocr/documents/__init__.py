"""Document planes (scanned paper: forms, letters, printed pages) and the ink on them that OCR did not read."""
from .page import PageTest, document_header, is_document, page_test

__all__ = ["PageTest", "document_header", "is_document", "page_test"]
