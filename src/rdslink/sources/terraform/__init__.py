"""Terraform inputs: root-module folders (``*.tf``) evaluated statically (:mod:`.hcl`) and plans
(``terraform show -json``, :mod:`.plan`), mapped to the model by :mod:`.convert`.

Ids shown to users are Terraform addresses with module path and instance key
(``module.compute.aws_lambda_function.api``, ``aws_subnet.private[0]``); when two inputs define the same
address it is prefixed with the input (``vpc-rds-setup/aws_db_proxy.main``).
"""

from __future__ import annotations

import os
from typing import Any

from ...model import Inventory
from ..errors import InputError


def is_terraform_dir(path: str) -> bool:
    """True for a folder holding at least one ``*.tf`` or ``*.tf.json`` file."""
    try:
        return os.path.isdir(path) and any(f.endswith((".tf", ".tf.json")) and os.path.isfile(os.path.join(path, f))
                                           for f in os.listdir(path))
    except OSError:
        return False


def is_plan_file(path: str) -> bool:
    """True for a ``.json`` file that is a Terraform plan in JSON form (reads only its first 64 KB)."""
    if not path.endswith(".json") or not os.path.isfile(path):
        return False
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(65536)
    except (OSError, UnicodeDecodeError):
        return False
    return '"format_version"' in head and ('"planned_values"' in head or '"resource_changes"' in head
                                           or '"terraform_version"' in head)


def load_terraform(paths: list[str], cli_vars: list[str] | None = None, var_files: list[str] | None = None,
                   region: str = "us-east-1", ssm: Any = None) -> Inventory:
    """Load Terraform root folders and plan files into one Inventory.

    Args:
        paths: folders with ``*.tf`` and/or plan JSON files (display names as given).
        cli_vars: ``NAME=VALUE`` strings (``--var``), applied to every folder that declares NAME.
        var_files: ``.tfvars`` / ``.tfvars.json`` files (``--var-file``), likewise.
        region: region assumed when the configuration's aws provider sets none.
        ssm: the run's :class:`.ssm.SsmWriters` (SSM Parameter Store wiring with other inputs); after the call
            its ``written()`` holds the parameters these inputs write and ``misses`` the names they read that
            none writes. A new one (Terraform inputs only) when None.

    Raises:
        InputError: unreadable input, HCL/JSON syntax error, bad ``--var``.
    """
    from .convert import Converter
    from .hcl import RootLoader, load_variables
    from .plan import PlanLoader
    from .ssm import SsmWriters

    writers = ssm if ssm is not None else SsmWriters()
    loaded: list[tuple[str, str, Any]] = []  # (input, kind, loader)
    declared: set[str] = set()
    given: set[str] = set()
    for p in paths:
        shown = p.rstrip("/") or p
        if os.path.isdir(p):
            values = load_variables(p, shown, cli_vars or [], var_files or [])
            loader = RootLoader(p, shown, values, region)
            declared |= set(loader.config.variables)
            given |= set(values)
            loader.warnings = [w for w in loader.warnings if "given but not declared" not in w]
            loaded.append((shown, "terraform", loader))
        else:
            loaded.append((shown, "terraform-plan", PlanLoader(p, shown, region)))
    for _, kind, loader in loaded:
        loader.ssm_writers = writers
        writers.add(loader.instances if kind == "terraform" else _plan_instances(loader))
    instances: dict[str, list[Any]] = {}
    for shown, kind, loader in loaded:
        try:
            instances[shown] = loader.instances() if kind == "terraform" else loader.instances
        except RecursionError:
            raise InputError(shown, "configuration nested too deeply") from None
    counts: dict[str, int] = {}
    for insts in instances.values():
        for a in {i.address for i in insts}:
            counts[a] = counts.get(a, 0) + 1
    inv = Inventory()
    for shown, kind, loader in loaded:
        def display(address: str, prefix: str = shown) -> str:
            return f"{prefix}/{address}" if counts.get(address, 0) > 1 else address

        conv = Converter(shown, display, loader.region)
        conv.unexpanded = list(getattr(loader, "unexpanded", []))
        conv.add(instances[shown])
        tinv = conv.finish()
        tinv.issues.extend(getattr(loader, "issues", []))
        tinv.warnings.extend(loader.warnings)
        unknown_fns: set[str] = getattr(getattr(loader, "evaluator", None), "unknown_functions", set())
        if unknown_fns:
            tinv.warnings.append(f"{shown}: functions not evaluated (values Unresolved): {', '.join(sorted(unknown_fns))}")
        tinv.inputs.append({"kind": kind, "location": shown})
        _rekey_collisions(inv, tinv, shown)
        inv.merge(tinv)
        inv.region = loader.region
    for name in sorted(given - declared):
        inv.warnings.append(f"variable {name} given but not declared by any Terraform input")
    inv.index()
    return inv


def _plan_instances(loader: Any) -> Any:
    def get() -> list[Any]:
        return list(loader.instances)

    return get


def _rekey_collisions(inv: Inventory, new: Inventory, input_name: str) -> None:
    """Two roots may define the same function/database names (two environments of one configuration): their
    synthetic ARNs then collide. Objects of ``new`` whose key is already taken get ``<key>#<input>``."""
    import dataclasses

    for name in ("functions", "db_instances", "db_clusters", "db_proxies", "db_proxy_endpoints", "roles"):
        old_table, new_table = getattr(inv, name), getattr(new, name)
        for key in [k for k in new_table if k in old_table]:
            obj = new_table.pop(key)
            new_key = f"{key}#{input_name}"
            new_table[new_key] = dataclasses.replace(obj, id=new_key)


def ssm_writers(external: Any = None) -> Any:
    """A new :class:`.ssm.SsmWriters` for :func:`load_terraform` (``external``: name -> value or None of the
    SSM parameters other inputs write)."""
    from .ssm import SsmWriters

    return SsmWriters(external)


__all__ = ["is_plan_file", "is_terraform_dir", "load_terraform", "ssm_writers"]
