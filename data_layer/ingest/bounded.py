"""Reading what is uploaded within limits: file size, rows, zip entries and sizes, JSON nesting.

A zip's headers are checked first (entry count, declared sizes, names that climb out of the
archive), and then nothing in them is trusted: every entry is read in chunks and the reading
stops as soon as it passes its limit, so a zip whose headers lie about a 4 GB entry costs
at most the limit in memory. JSON is parsed by a streaming parser (ijson's C backend) that
first walks the file's events counting the nesting depth, so a deeply nested file is refused
without recursion, and statements are then read one at a time.

Every refusal is an InvalidData with a sentence naming the limit and the setting to change.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import ijson

from data_layer.domain.config import LIMITS
from data_layer.domain.errors import InvalidData, Problem

MB = 1024 * 1024
_CHUNK = 1024 * 1024


def refuse(name: str, message: str) -> InvalidData:
    """A file-level refusal: one problem and a sentence."""
    return InvalidData([Problem("(file)", message, file=name)], f"{name} {message}.")


def check_size(name: str, size: int) -> None:
    """Refuse a file above the size limit."""
    if size > LIMITS.file_mb * MB:
        raise refuse(name, f"is {size / MB:,.0f} MB; the largest file allowed is {LIMITS.file_mb:,} MB "
                           f"(setting LEARNING_CULTURE_MAX_FILE_MB)")


def check_path_size(path: Path) -> None:
    """Refuse a file on disk above the size limit, before reading it."""
    check_size(path.name, path.stat().st_size)


def count_rows(name: str, data: bytes) -> None:
    """Refuse a delimited file with more lines than the row limit (a cheap count of line breaks)."""
    lines = data.count(b"\n")
    if lines > LIMITS.rows + 1:
        raise refuse(name, f"has {lines:,} lines; the most allowed in one file is {LIMITS.rows:,} rows "
                           f"(setting LEARNING_CULTURE_MAX_ROWS)")


def count_path_rows(path: Path) -> None:
    """`count_rows` for a file on disk, read in chunks."""
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(8 * _CHUNK):
            lines += chunk.count(b"\n")
    if lines > LIMITS.rows + 1:
        raise refuse(path.name, f"has {lines:,} lines; the most allowed in one file is {LIMITS.rows:,} rows "
                                f"(setting LEARNING_CULTURE_MAX_ROWS)")


class BoundedZip:
    """A zip archive read within the entry-count, entry-size and total-size limits."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError):
            raise refuse(name, "is not a zip file (a Slack export is the .zip Slack sends)") from None
        if len(infos) > LIMITS.zip_entries:
            raise refuse(name, f"holds {len(infos):,} entries; the most allowed is {LIMITS.zip_entries:,} "
                               f"(setting LEARNING_CULTURE_MAX_ZIP_ENTRIES)")
        declared = 0
        for info in infos:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if info.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise refuse(name, f"holds an entry whose name points outside the archive ({info.filename[:80]!r}); "
                                   "it is not a Slack export as Slack writes it")
            if info.file_size > LIMITS.zip_entry_mb * MB:
                raise refuse(name, self._entry_limit(info.filename))
            declared += info.file_size
        if declared > LIMITS.unzipped_mb * MB:
            raise refuse(name, self._total_limit())
        self.names = [i.filename for i in infos]
        self._read = 0

    def _entry_limit(self, entry: str) -> str:
        return (f"holds {entry[:80]!r}, larger than {LIMITS.zip_entry_mb:,} MB once unpacked; the limit per entry "
                f"is setting LEARNING_CULTURE_MAX_ZIP_ENTRY_MB")

    def _total_limit(self) -> str:
        return (f"unpacks to more than {LIMITS.unzipped_mb:,} MB; the limit is setting "
                f"LEARNING_CULTURE_MAX_UNZIPPED_MB")

    def read(self, entry: str) -> bytes:
        """One entry's bytes, read in chunks and stopped at the limits whatever its header says."""
        limit = LIMITS.zip_entry_mb * MB
        out = bytearray()
        try:
            with self._zip.open(entry) as handle:
                while chunk := handle.read(_CHUNK):
                    out += chunk
                    self._read += len(chunk)
                    if len(out) > limit:
                        raise refuse(self.name, self._entry_limit(entry))
                    if self._read > LIMITS.unzipped_mb * MB:
                        raise refuse(self.name, self._total_limit())
        except zipfile.BadZipFile:
            raise refuse(self.name, f"has an entry whose content does not match its header ({entry[:80]!r}); the "
                                    "file is damaged or altered") from None
        except (OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise refuse(self.name, f"has an entry that cannot be unpacked ({entry[:80]!r}: {type(exc).__name__})") \
                from None
        return bytes(out)


def check_depth(name: str, data: bytes) -> None:
    """Refuse JSON that is not valid or nests deeper than the limit (a streaming walk, no recursion)."""
    depth = 0
    try:
        for event, _value in ijson.basic_parse(io.BytesIO(data), use_float=True):
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > LIMITS.json_depth:
                    raise refuse(name, f"nests deeper than {LIMITS.json_depth} levels; the limit is setting "
                                       f"LEARNING_CULTURE_MAX_JSON_DEPTH")
            elif event in ("end_map", "end_array"):
                depth -= 1
    except ijson.JSONError as exc:
        raise refuse(name, f"is not valid JSON ({str(exc)[:80]})") from None
    except UnicodeDecodeError:
        raise refuse(name, "is not UTF-8 text") from None


def load_json(name: str, data: bytes) -> Any:
    """A small JSON document (Slack's users.json, a channel's day), within the depth limit."""
    check_depth(name, data)
    try:
        return next(ijson.items(io.BytesIO(data), "", use_float=True))
    except (ijson.JSONError, StopIteration):
        raise refuse(name, "is not valid JSON") from None


def top_level_keys(data: bytes) -> set[str]:
    """The keys of a top-level JSON object (empty for an array), read from the stream's start."""
    keys: set[str] = set()
    for prefix, event, value in ijson.parse(io.BytesIO(data)):
        if prefix == "" and event == "start_array":
            return keys
        if prefix == "" and event == "map_key":
            keys.add(str(value))
    return keys


def json_statements(name: str, data: bytes) -> Iterator[Any]:
    """xAPI statements one at a time: from an array, an LRS response's `statements`, one statement, or an LRS's
    stored documents (each statement inside a `statement` field: the reader unwraps them)."""
    check_depth(name, data.lstrip(b"\xef\xbb\xbf"))
    body = data.lstrip(b"\xef\xbb\xbf")
    first = body.lstrip()[:1]
    if first == b"[":
        path = "item"
    elif first == b"{":
        keys = top_level_keys(body)
        if "statements" in keys:
            path = "statements.item"
        elif "actor" in keys and "verb" in keys:
            path = ""
        elif "statement" in keys:  # one document as an LRS stores it (Learning Locker: the statement inside)
            path = ""
        elif "edges" in keys:  # Learning Locker's API: {"edges": [{"node": {"statement": ...}}]}
            path = "edges.item.node"
        else:
            raise refuse(name, 'must be a JSON array of xAPI statements or an LRS response ({"statements": [...]})')
    else:
        raise refuse(name, 'must be a JSON array of xAPI statements or an LRS response ({"statements": [...]})')
    try:
        yield from ijson.items(io.BytesIO(body), path, use_float=True)
    except ijson.JSONError as exc:
        raise refuse(name, f"is not valid JSON ({str(exc)[:80]})") from None


_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_line(path: Path) -> int | None:
    """The first line of a file holding a control character (NUL ...), read in chunks; None when clean."""
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(8 * _CHUNK):
            found = _CONTROL_BYTES.search(chunk)
            if found:
                return line + chunk.count(b"\n", 0, found.start())
            line += chunk.count(b"\n")
    return None
