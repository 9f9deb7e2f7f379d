"""Response headers built from what a client sent must stay valid headers.

A header value travels as Latin-1 without control characters: a name taken from
a path (a segment, a customer id) may hold neither, and a line break in it would
even start a header of the client's choosing.
"""

from __future__ import annotations

from urllib.parse import quote


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` offering the body as a file named ``filename``
    (RFC 6266: a plain ASCII name as is, any other percent-encoded as UTF-8)."""
    encoded = quote(filename, safe="")
    if encoded == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename*=UTF-8''{encoded}"
