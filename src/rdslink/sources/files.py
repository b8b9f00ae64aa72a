"""Reading input files safely: regular files only, never more than a byte cap.

A FIFO would block ``open`` forever, ``/dev/zero`` (or a symlink to it) would grow memory without end, and a
``stat`` size says nothing about either; so a file is opened non-blocking, checked with ``fstat`` to be a
regular file, and read up to ``cap + 1`` bytes.
"""

from __future__ import annotations

import errno
import os
import stat

from .errors import InputError


def _why(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "no such file" + (" (dangling symbolic link)" if exc.filename and os.path.islink(exc.filename) else "")
    return exc.strerror or str(exc)


def read_capped(path: str, shown: str, cap: int, what: str = "file") -> bytes:
    """Return the bytes of the regular file ``path``.

    Args:
        path: file to read (symbolic links are followed).
        shown: the name used in errors (as the user gave it, or inside a folder).
        cap: largest accepted size in bytes.
        what: noun for errors ("template", "file").

    Raises:
        InputError: missing, unreadable, a symbolic link loop, a folder, not a regular file (FIFO, device,
            socket), or larger than ``cap``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except IsADirectoryError:
        raise InputError(shown, f"is a folder, not a {what}") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read {what}: {_why(exc)}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(shown, f"is a folder, not a {what}")
        if not stat.S_ISREG(st.st_mode):
            kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                    or stat.S_ISBLK(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "not regular")
            raise InputError(shown, f"is {kind}, not a regular file")
        chunks = []
        total = 0
        while total <= cap:
            try:
                chunk = os.read(fd, min(1 << 20, cap + 1 - total))
            except OSError as exc:
                raise InputError(shown, f"cannot read {what}: {_why(exc)}") from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > cap:
            raise InputError(shown, f"{what} is larger than {cap // 1048576} MB")
        return b"".join(chunks)
    finally:
        os.close(fd)
