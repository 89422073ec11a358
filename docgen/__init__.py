"""docgen: the paperwork engine of a supervision office (督导工作专班).

Data flows one way:
registers (YAML) -> load (validated model) -> engine (pure) -> documents (.docx) -> pdf -> archive.
"""

__version__ = "0.1.0"
