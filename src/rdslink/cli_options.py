"""Command-line option helpers shared by ``rdslink check``/``snapshot`` (:mod:`rdslink.cli`) and ``rdslink trace``
(:mod:`rdslink.trace_command`), kept apart so neither imports the other."""

from __future__ import annotations

import argparse
from typing import Any


class ProfileAction(argparse.Action):
    """``--profile`` (repeatable): ``args.profiles`` lists every profile given, ``args.profile`` is the first (the
    one the template-side look-ups such as ``--stack`` use). With ``--live`` every profile's account is read in
    every ``--live-region`` into one inventory."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        namespace.profiles = [*(getattr(namespace, "profiles", None) or []), values]
        if getattr(namespace, "profile", None) is None:
            namespace.profile = values
