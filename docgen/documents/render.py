"""Official documents to PDF: batched LibreOffice conversion (pdf.convert) with the repo's font map.

Nothing is measured and redone here any more: the 版记 sits in the footer of a last section that starts on an
even page (gbt9704.OfficialDocument.banji), so LibreOffice, Word and WPS all put it at the foot of that page, and
the PDF export keeps the blank page such a section may insert (pdf.PDF_FILTER, IsSkipEmptyPages false).
"""
from __future__ import annotations

from pathlib import Path

from ..pdf import Result, convert


def render_pdfs(docx_files: list[Path], workers: int | None = None, progress=None, alone: tuple = ()) -> list[Result]:
    """Convert official documents to PDF. Long documents named in `alone` are converted in a LibreOffice start
    of their own, first."""
    results = {r.docx: r for r in convert(docx_files, workers, progress=progress, alone=alone)}
    return [results[Path(p)] for p in docx_files]
