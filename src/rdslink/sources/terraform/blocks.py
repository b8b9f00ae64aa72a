"""The parsed form of a Terraform configuration file (native ``.tf`` or JSON ``.tf.json``): blocks with
attribute expression trees, shared by :mod:`.hcl` and :mod:`.tfjson`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_FILE_BYTES = 20 * 1024 * 1024


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


__all__ = ["MAX_FILE_BYTES", "Block"]
