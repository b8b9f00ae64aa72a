"""The parsed form of a Terraform configuration file (native ``.tf`` or JSON ``.tf.json``): blocks with
attribute expression trees, shared by :mod:`.hcl` and :mod:`.tfjson`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..files import read_capped

MAX_FILE_BYTES = 20 * 1024 * 1024
#: a plan JSON of a large configuration is much bigger than any one source file
MAX_PLAN_BYTES = 200 * 1024 * 1024


def read_text(path: str, display: str, cap: int = MAX_FILE_BYTES, encoding: str = "utf-8") -> str:
    """The text of the regular file ``path`` through :func:`rdslink.sources.files.read_capped` (no FIFO, device or
    file over ``cap`` bytes).

    Raises:
        InputError: unreadable, not a regular file, larger than ``cap``, or not text in ``encoding``
            (``display`` names the file).
    """
    raw = read_capped(path, display, cap, "file")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(display, f"cannot read: {exc}") from None


@dataclass
class Block:
    """One HCL block: ``type`` (``resource``, ``ingress``...), ``labels``, attribute expression trees and
    nested blocks; ``line`` 1-based and ``file`` the display path of its file."""

    type: str
    labels: list[str]
    attrs: dict[str, Any]
    blocks: list[Block]
    line: int
    file: str
    attr_lines: dict[str, int] = field(default_factory=dict)


__all__ = ["MAX_FILE_BYTES", "MAX_PLAN_BYTES", "Block", "read_text"]
