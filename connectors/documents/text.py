"""Text of plain-text documents, for the search index.

Only formats whose bytes are their text (plain text, Markdown, CSV, HTML with
its tags dropped) are read; office formats and PDFs are indexed by name, path,
title, people and tags only.
"""

from __future__ import annotations

from html.parser import HTMLParser

from .records import DocumentRecord

_TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/csv", "text/html", "text/x-markdown"})
_TEXT_SUFFIXES = frozenset({"txt", "md", "markdown", "csv", "html", "htm"})


def is_plain_text(record: DocumentRecord) -> bool:
    suffix = record.file_name.rsplit(".", 1)[-1].lower() if "." in record.file_name else ""
    return record.content_type in _TEXT_TYPES or suffix in _TEXT_SUFFIXES


def extract_text(record: DocumentRecord, data: bytes) -> str:
    """The words of a plain-text document (HTML without tags, scripts or styles)."""
    decoded = data.decode("utf-8", errors="replace")
    suffix = record.file_name.rsplit(".", 1)[-1].lower()
    if record.content_type == "text/html" or suffix in {"html", "htm"}:
        parser = _TextOnly()
        parser.feed(decoded)
        parser.close()
        return " ".join(parser.parts)
    return decoded


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())
