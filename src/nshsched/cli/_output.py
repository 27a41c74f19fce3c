"""Output files: checked before anything is computed, written whole or not at all.

The content goes to a temporary file beside the target (same directory, so the final
``os.replace`` is atomic); the target appears only when everything was written, and the
temporary file is removed on any failure.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from ..loading.quote import quote
from ._errors import CLIError, UsageError

__all__ = ["AtomicOutput", "check_output_path"]


def check_output_path(path: Path, suffixes: tuple[str, ...]) -> None:
    """Refuse an output path that cannot be written, before any work is done.

    Raises:
        UsageError: The extension is not one of ``suffixes``.
        CLIError: The directory is missing or not a directory, or the path is a directory.
    """
    if path.suffix.lower() not in suffixes:
        raise UsageError(f"--out must end in {' or '.join(suffixes)}, got {quote(str(path))}")
    parent = path.parent
    if not parent.exists():
        raise CLIError(f"cannot write {quote(str(path))}: no directory {quote(str(parent))}")
    if not parent.is_dir():
        raise CLIError(f"cannot write {quote(str(path))}: {quote(str(parent))} is not a directory")
    if path.is_dir():
        raise CLIError(f"cannot write {quote(str(path))}: it is a directory")


class AtomicOutput:
    """A file written through a temporary file beside it, renamed into place by :meth:`commit`.

    Entering creates the temporary file (so an unwritable directory is found before any
    output); leaving without :meth:`commit` (an error, an interrupt) removes it.

    Example:
        >>> import pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> with AtomicOutput(d / "x.csv") as out:
        ...     _ = out.file.write("step,lr\\n")
        ...     out.commit()
        >>> (d / "x.csv").read_text(), sorted(p.name for p in d.iterdir())
        ('step,lr\\n', ['x.csv'])
    """

    def __init__(self, path: Path, binary: bool = False) -> None:
        self.path = path
        self.binary = binary
        self.temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        self._file: IO[Any] | None = None
        self._done = False

    @property
    def file(self) -> IO[Any]:
        """The temporary file, open for writing bytes, or text (UTF-8, ``\\n`` line ends)."""
        if self._file is None:  # pragma: no cover - only after commit or outside `with`
            raise RuntimeError("AtomicOutput.file used outside its `with` block")
        return self._file

    def _error(self, e: OSError) -> CLIError:
        return CLIError(f"cannot write {quote(str(self.path))}: {e.strerror or e}")

    def __enter__(self) -> AtomicOutput:
        try:
            # O_EXCL: never follow or reuse an existing file; 0o666 & ~umask, as open() does.
            fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as e:
            raise self._error(e) from None
        if self.binary:
            self._file = os.fdopen(fd, "wb")
        else:
            self._file = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return self

    def commit(self) -> None:
        """Flush, close and rename the temporary file onto the target."""
        try:
            self.file.close()
            os.replace(self.temp, self.path)
        except OSError as e:
            raise self._error(e) from None
        self._done = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._done:
            return
        if self._file is not None:
            with contextlib.suppress(OSError):  # the write already failed; the file goes
                self._file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.temp)
        if isinstance(exc, OSError):
            raise self._error(exc) from None
