"""Showing what people wrote: as text, never as HTML, links or images."""

from __future__ import annotations

from data_layer.book.library import escape_markdown


def as_markdown(text: object) -> str:
    """People's text ready for st.markdown: every Markdown and HTML character escaped, line breaks kept."""
    return escape_markdown(text)
