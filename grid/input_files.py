"""Read a file named on a command line: bounded, decoded, one-line errors (no Django import).

Only command-line tools name files. Uploaded or posted content is never a path: the readers
(grid.load_series.read_load_csv, grid.weather.read_weather) take the content itself, and the
command-line faces call :func:`read_input_bytes` / :func:`read_input_text` first.

The read stops one byte after ``max_bytes``, so ``/dev/zero`` or a 20 GB file is refused after
reading at most the limit, never read to the end.
"""

from __future__ import annotations

from pathlib import Path

MIB = 1024 * 1024


class InputFileError(ValueError):
    """A file given on a command line cannot be used; the message is one line naming the file."""


def read_input_bytes(path: str | Path, *, max_bytes: int, what: str = "file") -> bytes:
    """At most ``max_bytes`` of a regular file (or a pipe); larger is an error, not a truncation."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputFileError(f"{what}: no such file {str(path)!r}") from None
    except IsADirectoryError:
        raise InputFileError(f"{what}: {path} is a directory; give the path of a file") from None
    except OSError as error:
        raise InputFileError(f"{what}: cannot read {path}: {error.strerror or error}") from None
    if len(raw) > max_bytes:
        raise InputFileError(
            f"{what}: {path} is larger than the limit of {max_bytes:,} bytes ({max_bytes / MIB:g} MiB)"
        )
    return raw


def decode_utf8(raw: bytes, *, what: str) -> str:
    """UTF-8 text (a byte-order mark dropped); other bytes are an error naming the byte offset."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(
            f"{what}: not UTF-8 text (byte {error.start:,} is 0x{raw[error.start]:02x}); save the file as UTF-8"
        ) from None


def read_input_text(path: str | Path, *, max_bytes: int, what: str = "file") -> str:
    return decode_utf8(read_input_bytes(path, max_bytes=max_bytes, what=what), what=what)
