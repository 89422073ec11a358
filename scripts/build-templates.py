#!/usr/bin/env python3
"""Builds the shipped form templates (templates/*.docx) from the layout module (docgen/documents/forms.py).

The files are reproducible: the same code gives the same bytes, and tests/test_templates.py checks that the
committed files are what this script makes. Run it after changing a form or the layout module:
    .venv/bin/python scripts/build-templates.py
"""
from pathlib import Path

from docgen.documents.forms import FORMS, readme, template_bytes

out = Path(__file__).resolve().parents[1] / "templates"
for name in FORMS:
    p = out / f"{name}.docx"
    data = template_bytes(name)
    changed = not p.exists() or p.read_bytes() != data
    p.write_bytes(data)
    print(f"{p.relative_to(out.parent)}{'（已更新）' if changed else ''}")
(out / "README.md").write_text(readme(), encoding="utf-8")
print("templates/README.md")
