"""Read ``terraform show -json PLANFILE`` output: resource instances from ``planned_values`` (which also holds
unchanged resources, as ``prior_state`` has them), with values "known after apply" linked through the
``configuration`` section's expression references (``vpc_security_group_ids = [aws_security_group.db.id]``
still ties the DB to the group's planned id). A value with no usable reference stays Unresolved.

Format: Terraform's "JSON Output Format" (``format_version`` 1.x).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...model import Unresolved
from ..errors import InputError
from ..secrets import register_secret
from .blocks import MAX_PLAN_BYTES, read_text
from .ssm import is_secure
from .synth import computed

_INDEX = re.compile(r"\[[^\]]*\]")
#: list-valued arguments whose unknown value is built from references (``[aws_security_group.db.id]``)
_LIST_ATTRS = frozenset({"security_groups", "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids",
                         "vpc_security_group_ids", "subnet_ids", "security_group_ids", "vpc_subnet_ids",
                         "route_table_ids", "managed_policy_arns"})


def _leaves(refs: Any) -> list[str]:
    """The most specific references (``aws_x.y.id`` rather than ``aws_x.y``)."""
    refs = [r for r in refs or [] if isinstance(r, str)]
    return [r for r in refs if not any(o != r and (o.startswith(r + ".") or o.startswith(r + "[")) for o in refs)]


def is_plan(data: Any) -> bool:
    """True for a JSON document of ``terraform show -json`` of a plan."""
    return isinstance(data, dict) and "format_version" in data and (
        "planned_values" in data or "resource_changes" in data)


class PlanInstance:
    """One resource instance of a plan (interface of :class:`.hcl.Instance`)."""

    def __init__(self, plan: PlanLoader, res: dict[str, Any], unknown: Any, exprs: dict[str, Any], line: int | None
                 ) -> None:
        self.plan = plan
        self.address = str(res["address"])
        self.type = str(res.get("type", ""))
        self.mode = str(res.get("mode", "managed"))
        self.name = str(res.get("name", ""))
        values = res.get("values")
        self.values: dict[str, Any] = values if isinstance(values, dict) else {}
        self.unknown = unknown if isinstance(unknown, dict) else {}
        self.exprs = exprs
        self.input_name = plan.input_name
        self.region = plan.region
        self.file = plan.input_name
        self.line = line or 0
        self.module_prefix = self.address[:self.address.find(
            ("data." if self.mode == "data" else "") + self.type + ".")] if "module." in self.address else ""
        self._memo: dict[str, Any] = {}

    @property
    def ssm_writers(self) -> Any:
        return self.plan.ssm_writers

    def arg(self, name: str) -> Any:
        if name in self._memo:
            return self._memo[name]
        v = self.values.get(name)
        u = self.unknown.get(name)
        value = self._merge(v, u, self.exprs.get(name), name)
        if self.type == "aws_ssm_parameter" and name in ("value", "insecure_value") and value is not None and \
                is_secure(self.values.get("type")):
            # a SecureString is a secret: the plan holds it in clear text (sensitive values are not masked in
            # terraform show -json); it is never printed nor used
            register_secret(value)
            value = Unresolved(str(self.values.get("name") or self.address), "SSM parameter is a SecureString "
                               "(a secret): never resolved")
        self._memo[name] = value
        return value

    def _merge(self, v: Any, u: Any, expr: Any, what: str) -> Any:
        if u is True:
            return self.plan.from_references(self, expr, what)
        if isinstance(v, list) and isinstance(u, list):
            out = []
            for i, x in enumerate(v):
                ui = u[i] if i < len(u) else None
                ei = expr[i] if isinstance(expr, list) and i < len(expr) else (
                    expr[0] if isinstance(expr, list) and expr else None)
                out.append(self._merge(x, ui, ei, f"{what}[{i}]"))
            return out
        if isinstance(v, dict) and isinstance(u, dict):
            out_d = dict(v)
            for k, ui in u.items():
                if isinstance(expr, dict) and k in expr:
                    ek = expr[k]
                elif isinstance(expr, dict) and "references" in expr and ui is True:
                    # a map attribute (environment variables): its references are those of the whole map, so
                    # they decide one unknown key only when there is exactly one resource reference
                    if len(_leaves(expr["references"])) != 1:
                        out_d[k] = Unresolved(f"{self.address}.{what}.{k}", "known only after apply")
                        continue
                    ek = expr
                else:
                    ek = None
                out_d[k] = self._merge(v.get(k), ui, ek, f"{what}.{k}")
            return out_d
        return v

    def blocks(self, name: str) -> list[dict[str, Any]]:
        v = self.arg(name)
        if isinstance(v, Unresolved):
            return [{"__unresolved__": v}]
        return [dict(x, __line__=None) for x in v if isinstance(x, dict)] if isinstance(v, list) else []

    def get_attr(self, name: str) -> Any:
        v = self.arg(name)
        if v is not None:
            return v
        return computed(self, name)


class PlanLoader:
    """Loads one plan JSON file.

    Args:
        path: the file; ``input_name`` its display name; ``region`` assumed when the provider sets none.

    Raises:
        InputError: unreadable file, invalid JSON, or not a plan.
    """

    def __init__(self, path: str, input_name: str, region: str) -> None:
        self.input_name = input_name
        text = read_text(path, input_name, MAX_PLAN_BYTES)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(input_name, f"invalid JSON: {exc.msg}", exc.lineno) from None
        if not is_plan(data):
            raise InputError(input_name, "not a Terraform plan (terraform show -json): no format_version/planned_values")
        self.data = data
        self.region = region
        #: SSM Parameter Store wiring of the run (set by :func:`rdslink.sources.terraform.load_terraform`)
        self.ssm_writers: Any = None
        self.warnings: list[str] = []
        cfg = data.get("configuration") if isinstance(data.get("configuration"), dict) else {}
        region_expr = (((cfg.get("provider_config") or {}).get("aws") or {}).get("expressions") or {}).get("region")
        if isinstance(region_expr, dict) and isinstance(region_expr.get("constant_value"), str):
            self.region = region_expr["constant_value"]
        variables = data.get("variables") if isinstance(data.get("variables"), dict) else {}
        self.variables = {k: v.get("value") for k, v in variables.items() if isinstance(v, dict)}
        self.lines: dict[str, int] = {}
        for i, ln in enumerate(text.splitlines(), 1):
            mt = re.search(r'"address"\s*:\s*"([^"]+)"', ln)
            if mt and mt.group(1) not in self.lines:
                self.lines[mt.group(1)] = i
        unknown: dict[str, Any] = {}
        for rc in data.get("resource_changes") if isinstance(data.get("resource_changes"), list) else []:
            if isinstance(rc, dict) and isinstance(rc.get("change"), dict):
                unknown[str(rc.get("address"))] = rc["change"].get("after_unknown") or {}
        self.config_exprs: dict[str, dict[str, Any]] = {}
        self._walk_config(cfg.get("root_module") or {}, "")
        self.instances: list[PlanInstance] = []
        self.by_address: dict[str, PlanInstance] = {}
        planned = data.get("planned_values")
        root = planned.get("root_module") if isinstance(planned, dict) else {}
        self._walk_values(root, unknown)
        prior_state = data.get("prior_state")
        prior_values = prior_state.get("values") if isinstance(prior_state, dict) else None
        prior = prior_values.get("root_module") if isinstance(prior_values, dict) else {}
        self._walk_values(prior, {}, only_data=True)

    def _walk_config(self, module: Any, prefix: str) -> None:
        if not isinstance(module, dict):
            return
        for r in module.get("resources") or []:
            if isinstance(r, dict) and isinstance(r.get("address"), str):
                self.config_exprs[prefix + r["address"]] = r.get("expressions") or {}
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict):
                self._walk_config(call.get("module") or {}, f"{prefix}module.{name}.")

    def _walk_values(self, module: Any, unknown: dict[str, Any], only_data: bool = False) -> None:
        if not isinstance(module, dict):
            return
        for r in module.get("resources") or []:
            if not isinstance(r, dict) or not isinstance(r.get("address"), str):
                continue
            if only_data and (r.get("mode") != "data" or r["address"] in self.by_address):
                continue
            cfg_addr = _INDEX.sub("", r["address"])
            inst = PlanInstance(self, r, unknown.get(r["address"]), self.config_exprs.get(cfg_addr, {}),
                                self.lines.get(r["address"]))
            self.instances.append(inst)
            self.by_address[inst.address] = inst
        for child in module.get("child_modules") or []:
            if isinstance(child, dict):
                self._walk_values(child, unknown, only_data)

    # ---- known-after-apply values ------------------------------------------------------------------------

    def from_references(self, inst: PlanInstance, expr: Any, what: str) -> Any:
        """Value of an unknown attribute from its configuration expression's references."""
        refs = expr.get("references") if isinstance(expr, dict) else None
        if not refs:
            # a computed attribute: get_attr() synthesises it (ids, ARNs, endpoints); nested ones stay unknown
            return None if "." not in what and "[" not in what else Unresolved(f"{inst.address}.{what}",
                                                                              "known only after apply")
        values = [self._resolve(inst, ref) for ref in _leaves(refs)]
        plural = what.rsplit(".", 1)[-1].split("[")[0] in _LIST_ATTRS or what.endswith("_ids")
        if len(values) == 1 and not (plural and not isinstance(values[0], (list, Unresolved))):
            return values[0]
        flat: list[Any] = []
        for v in values:
            flat.extend(v if isinstance(v, list) else [v])
        return flat

    def _resolve(self, inst: PlanInstance, ref: str) -> Any:
        prefix = inst.module_prefix
        if ref.startswith("var.") and not prefix:
            name = ref[4:].split(".")[0].split("[")[0]
            return self.variables.get(name, Unresolved(ref, "variable value not in the plan"))
        if ref.startswith(("var.", "local.", "module.", "each.", "count.", "path.")):
            return Unresolved(prefix + ref, f"known only after apply (expression uses {prefix}{ref})")
        # <type>.<name>[<key>].<attr>  or  data.<type>.<name>.<attr>
        parts = ref.split(".")
        n = 3 if parts[0] == "data" else 2
        base = ".".join(parts[:n])
        attr = parts[n] if len(parts) > n else None
        full = prefix + base
        matches = [i for a, i in self.by_address.items() if a == full or (
            a.startswith(full + "[") and "[" not in base)]
        if not matches:
            return Unresolved(prefix + ref, "referenced resource not in the plan")
        if attr is None:
            attr = "id"
        vals = [m.get_attr(attr) for m in matches]
        if len(matches) == 1 and (matches[0].address == full or "[" in base):
            return vals[0]
        return vals
