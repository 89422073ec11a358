"""Every folder and file docgen reads or writes, built once at the edge (cli.Ctx) from -r, -o and settings.yaml.

    registers/                  the office's registers (YAML), as given with -r
      ledger.jsonl              the ledger (record/ledger.py)
      reminders.jsonl           the SMS record (outputs/remind.py)
      templates/                the office's own templates (documents/templates.py)
      archive/                  the archive, by default (settings.yaml `archive:` names another; record/archive.py)
    output/                     -o
      slips/ documents/ drafts/ batches/ bulletins/ scores/ forms/ outbox/ site/ sample/

Nothing here touches the file system except `Paths.of`, which settles where the archive is (record/archive.py
`locate`: the default folder, or an existing ../archive this office already used).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LEDGER = "ledger.jsonl"
REMINDERS = "reminders.jsonl"


@dataclass(frozen=True)
class Paths:
    registers: Path
    output: Path
    archive: Path

    @classmethod
    def of(cls, registers: Path | str, output: Path | str, archive: Path | str | None = None) -> "Paths":
        """archive: the folder as settled (record.archive.locate); None: the default, inside the registers folder."""
        registers = Path(registers)
        return cls(registers, Path(output), Path(archive) if archive is not None else default_archive(registers))

    # ---- the office's own folder
    @property
    def ledger(self) -> Path:
        return self.registers / LEDGER

    @property
    def reminders(self) -> Path:
        return self.registers / REMINDERS

    @property
    def templates(self) -> Path:
        return self.registers / "templates"

    # ---- the output folder
    @property
    def slips(self) -> Path:
        return self.output / "slips"

    @property
    def documents(self) -> Path:
        """The standalone documents (提请协调单 …), a folder per kind (issuing/standalone.py)."""
        return self.output / "documents"

    @property
    def drafts(self) -> Path:
        return self.output / "drafts"

    @property
    def batches(self) -> Path:
        return self.output / "batches"

    @property
    def bulletins(self) -> Path:
        return self.output / "bulletins"

    @property
    def scores(self) -> Path:
        return self.output / "scores"

    @property
    def forms(self) -> Path:
        return self.output / "forms"

    @property
    def outbox(self) -> Path:
        return self.output / "outbox"

    @property
    def site(self) -> Path:
        return self.output / "site"

    @property
    def sample(self) -> Path:
        return self.output / "sample"


def default_archive(registers: Path | str) -> Path:
    """The archive when settings.yaml names none: inside the office's own registers folder, never shared."""
    return Path(registers) / "archive"
