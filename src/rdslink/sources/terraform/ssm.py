"""SSM Parameter Store wiring for Terraform inputs, the mechanism the template loader uses for
``AWS::SSM::Parameter`` (:meth:`rdslink.sources.cloudformation.loader.TemplateLoader.ssm_value`) seen from the
Terraform side.

* ``resource "aws_ssm_parameter"`` writes ``value`` (or ``insecure_value``) under ``name``;
* ``data "aws_ssm_parameter"`` reads ``value`` / ``insecure_value`` by ``name`` at plan time: the value an
  input of the same run writes under that name (any Terraform input, or a CloudFormation
  ``AWS::SSM::Parameter`` through ``external``), else Unresolved naming the parameter;
* a ``SecureString`` is a secret: its value is registered for redaction and never resolved (also when a plan
  holds it in clear text, as ``terraform show -json`` does for sensitive values).

Only String and StringList parameters are wired (as Parameter Store returns them: a StringList is the
comma-joined text).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...model import Unresolved
from ..secrets import register_secret

#: reason of an Unresolved SSM read (convert.py names ``?<parameter>`` targets from it)
READ_REASON = "SSM parameter read at plan time"


def is_secure(ptype: Any) -> bool:
    """Whether an ``aws_ssm_parameter`` ``type`` is SecureString (an unresolved type counts as secure)."""
    return isinstance(ptype, Unresolved) or (isinstance(ptype, str) and ptype.strip().lower() == "securestring")


def written_value(inst: Any) -> Any:
    """The value an ``aws_ssm_parameter`` instance writes: a string, or Unresolved (SecureString, unknown)."""
    name = inst.arg("name")
    shown = name if isinstance(name, str) else inst.address
    for attr in ("value", "insecure_value"):
        v = inst.arg(attr)
        if v is None:
            continue
        if is_secure(inst.arg("type")):
            register_secret(v)
            return Unresolved(str(shown), f"SSM parameter {shown} is a SecureString (a secret): never resolved")
        if isinstance(v, list):
            v = ",".join(str(x) for x in v)
        return v if isinstance(v, (str, Unresolved)) else str(v).lower() if isinstance(v, bool) else str(v)
    return Unresolved(str(shown), f"SSM parameter {shown}: value not set in the configuration")


class SsmWriters:
    """``aws_ssm_parameter`` instances of every Terraform input of a run, by name.

    Args:
        external: callable name -> value or None: parameters other inputs (CloudFormation) write.
    """

    def __init__(self, external: Callable[[str], Any] | None = None) -> None:
        self.external = external
        self.sources: list[Callable[[], list[Any]]] = []
        self._index: dict[str, Any] | None = None
        self._building = False
        #: names read by a data source that no Terraform input writes (another input may)
        self.misses: set[str] = set()

    def add(self, instances: Callable[[], list[Any]]) -> None:
        """Register a source of resource instances (called lazily, once)."""
        self.sources.append(instances)
        self._index = None

    def index(self) -> dict[str, Any]:
        """name -> ``aws_ssm_parameter`` instance (the first input that writes it wins)."""
        if self._index is not None:
            return self._index
        if self._building:  # a parameter name that depends on an SSM read: not resolved
            return {}
        self._building = True
        try:
            index: dict[str, Any] = {}
            for src in self.sources:
                for inst in src():
                    if inst.mode != "managed" or inst.type != "aws_ssm_parameter":
                        continue
                    name = inst.arg("name")
                    if isinstance(name, str):
                        index.setdefault(name, inst)
            self._index = index
        finally:
            self._building = False
        return index

    def written(self) -> dict[str, Any]:
        """name -> value (str or Unresolved) of every parameter the Terraform inputs write."""
        return {name: written_value(inst) for name, inst in self.index().items()}

    def lookup(self, name: Any, reader: str) -> Any:
        """The value of parameter ``name`` as ``data "aws_ssm_parameter"`` ``reader`` reads it."""
        if not isinstance(name, str):
            return name if isinstance(name, Unresolved) else Unresolved(reader, "parameter name unknown")
        inst = self.index().get(name)
        if inst is not None:
            return written_value(inst)
        if self.external is not None:
            value = self.external(name)
            if value is not None:
                return value
        self.misses.add(name)
        return Unresolved(name, f"{READ_REASON} ({reader}) and no input writes it (aws_ssm_parameter or "
                          "AWS::SSM::Parameter)")


__all__ = ["READ_REASON", "SsmWriters", "is_secure", "written_value"]
