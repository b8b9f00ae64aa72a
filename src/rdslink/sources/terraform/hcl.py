"""Read a Terraform root module folder (``*.tf``, tfvars, local and downloaded modules) and evaluate it
statically into resource instances with Terraform addresses.

Evaluated: input variables (``default``, ``terraform.tfvars``, ``*.auto.tfvars``, ``--var-file``, ``--var``,
also their ``.json`` forms), ``locals``, ``count``/``for_each`` (resources and modules), ``dynamic`` blocks,
references between resources, module outputs, and the functions in :mod:`.expr`. Modules: local paths
(``./x``, ``../x``) are read; registry/git modules are read from ``.terraform/modules/modules.json`` (written
by ``terraform init``) and otherwise reported RL003 with every value they output Unresolved.

Values a configuration does not determine (a variable without value, an attribute known only after apply, a
data source that reads the account) are :class:`~rdslink.model.Unresolved` naming what would decide them
(``var.db_host``, ``module.net.var.x``, ``aws_eip.nat.public_ip``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from lark import Token, Tree

from ...model import SourceIssue, Unresolved
from ..errors import InputError
from ..secrets import register_secret
from .blocks import MAX_FILE_BYTES, Block, read_text
from .expr import EvalError, Evaluator, Scope, first_unresolved, parse_expression, to_text
from .synth import computed

__all__ = ["MAX_FILE_BYTES", "Block", "Instance", "ModuleConfig", "ModuleInstance", "RootLoader", "Undeclared",
           "load_variables", "parse_file", "parse_tfvars"]


class Undeclared(EvalError):
    """A reference to a variable, local, resource or module the configuration does not declare."""


def _name_of(node: Any) -> str:
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(sub) for part in node.children if isinstance(part, Tree) for sub in part.children)
    return str(node.children[0])


def _body(body: Tree, file: str) -> tuple[dict[str, Any], dict[str, int], list[Block]]:
    attrs: dict[str, Any] = {}
    lines: dict[str, int] = {}
    blocks: list[Block] = []
    for item in body.children:
        if not isinstance(item, Tree):
            continue
        if item.data == "attribute":
            name = _name_of(item.children[0])
            attrs[name] = item.children[-1]
            lines[name] = item.meta.line
        elif item.data == "block":
            names: list[str] = []
            inner: Tree | None = None
            for c in item.children:
                if isinstance(c, Tree) and c.data == "body":
                    inner = c
                elif isinstance(c, Tree) and c.data in ("identifier", "string", "keyword", "literal_value"):
                    names.append(_name_of(c))
            a, al, b = _body(inner, file) if inner is not None else ({}, {}, [])
            blocks.append(Block(names[0], names[1:], a, b, item.meta.line, file, al))
    return attrs, lines, blocks


def parse_file(path: str, display: str) -> list[Block]:
    """Top-level blocks of one ``.tf`` file.

    Raises:
        InputError: unreadable file or HCL syntax error (file, line, reason).
    """
    import hcl2

    text = read_text(path, display)
    try:
        tree = hcl2.parses_to_tree(text)
    except Exception as exc:  # lark raises several exception classes for syntax errors
        line = getattr(exc, "line", None)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(display, f"HCL syntax error: {reason}", line if isinstance(line, int) and line > 0
                         else None) from None
    _, _, blocks = _body(tree.children[0], display)
    return blocks


def parse_tfvars(path: str, display: str) -> dict[str, Any]:
    """Values of a ``.tfvars`` (HCL) or ``.tfvars.json`` file (constant expressions only).

    Raises:
        InputError: unreadable file, syntax error, or a value that is not a constant.
    """
    if path.endswith(".json"):
        text = read_text(path, display)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(display, f"invalid JSON: {exc.msg}", exc.lineno) from None
        if not isinstance(data, dict):
            raise InputError(display, "top level is not an object")
        return data
    import hcl2

    text = read_text(path, display)
    try:
        tree = hcl2.parses_to_tree(text)
    except Exception as exc:
        line = getattr(exc, "line", None)
        raise InputError(display, "HCL syntax error", line if isinstance(line, int) and line > 0 else None) from None
    attrs, lines, _ = _body(tree.children[0], display)
    ev = Evaluator()
    scope = Scope(_no_names, os.path.dirname(path))
    out = {}
    for name, expr in attrs.items():
        try:
            out[name] = ev.eval(expr, scope)
        except (EvalError, KeyError):
            raise InputError(display, f"variable {name}: value is not a constant", lines.get(name)) from None
    return out


def _no_names(name: str) -> Any:
    raise KeyError(name)


class ModuleConfig:
    """The blocks of one module folder, by kind."""

    def __init__(self, directory: str, display: str) -> None:
        self.dir = directory
        self.display = display
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, tuple[Any, Block]] = {}
        self.resources: dict[tuple[str, str, str], Block] = {}
        self.modules: dict[str, Block] = {}
        self.outputs: dict[str, Block] = {}
        self.provider_region: Any = None
        self.types: dict[str, set[str]] = {"managed": set(), "data": set()}
        files = sorted(f for f in os.listdir(directory) if f.endswith((".tf", ".tf.json")) and os.path.isfile(
            os.path.join(directory, f)))
        for f in files:
            shown = os.path.normpath(os.path.join(display, f))
            if f.endswith(".tf.json"):
                from .tfjson import parse_json_file

                blocks = parse_json_file(os.path.join(directory, f), shown)
            else:
                blocks = parse_file(os.path.join(directory, f), shown)
            for b in blocks:
                self._add(b)

    def _add(self, b: Block) -> None:
        if b.type == "variable" and b.labels:
            self.variables[b.labels[0]] = b
        elif b.type == "locals":
            for name, expr in b.attrs.items():
                self.locals[name] = (expr, Block("local", [name], {}, [], b.attr_lines.get(name, b.line), b.file))
        elif b.type in ("resource", "data") and len(b.labels) >= 2:
            mode = "managed" if b.type == "resource" else "data"
            self.resources[(mode, b.labels[0], b.labels[1])] = b
            self.types[mode].add(b.labels[0])
        elif b.type == "module" and b.labels:
            self.modules[b.labels[0]] = b
        elif b.type == "output" and b.labels:
            self.outputs[b.labels[0]] = b
        elif b.type == "provider" and b.labels and b.labels[0] == "aws" and "alias" not in b.attrs:
            self.provider_region = b.attrs.get("region")


def _key_suffix(key: Any) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(key) + "]"


class _Namespace:
    """``var``, ``local``, ``module``, ``data`` and resource-type namespaces: ``get_attr(name)``."""

    def __init__(self, getter: Callable[[str], Any]) -> None:
        self._getter = getter

    def get_attr(self, name: str) -> Any:
        return self._getter(name)


class Instance:
    """One resource instance (``aws_subnet.private[0]``): configured attributes evaluated lazily, computed
    ones synthesised (:func:`.synth.computed`)."""

    def __init__(self, module: ModuleInstance, mode: str, rtype: str, name: str, block: Block, key: Any,
                 each_value: Any) -> None:
        self.module = module
        self.mode = mode
        self.type = rtype
        self.name = name
        self.block = block
        self.key = key
        self.address = module.prefix + ("data." if mode == "data" else "") + f"{rtype}.{name}{_key_suffix(key)}"
        self.input_name = module.root.input_name
        self.region = module.root.region
        self.line = block.line
        self.file = block.file
        extra: dict[str, Any] = {}
        if isinstance(key, int):
            extra["count"] = {"index": key}
        elif key is not None:
            extra["each"] = {"key": key, "value": each_value}
        extra["self"] = self
        self.scope = module.scope.child(extra)
        self._memo: dict[str, Any] = {}
        self._active: set[str] = set()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<{self.address}>"

    @property
    def ssm_writers(self) -> Any:
        """The run's :class:`~.ssm.SsmWriters` (None outside :func:`~rdslink.sources.terraform.load_terraform`)."""
        return self.module.root.ssm_writers

    def arg(self, name: str) -> Any:
        """The configured value of argument ``name`` (None when not set or null)."""
        if name in self._memo:
            return self._memo[name]
        expr = self.block.attrs.get(name)
        if expr is None:
            return None
        if name in self._active:
            return Unresolved(f"{self.address}.{name}", "self-referencing value")
        self._active.add(name)
        try:
            value = self.module.evaluate(expr, self.scope, f"{self.address}.{name}",
                                         self.file, self.block.attr_lines.get(name, self.line))
        finally:
            self._active.discard(name)
        self._memo[name] = value
        return value

    def arg_line(self, name: str) -> int:
        return self.block.attr_lines.get(name, self.line)

    def blocks(self, name: str) -> list[dict[str, Any]]:
        """Nested blocks ``name`` (also from ``dynamic "name"``) as dicts; ``__line__`` holds their line.
        An unresolved dynamic ``for_each`` gives one dict ``{"__unresolved__": Unresolved}``."""
        key = "__blocks__" + name
        if key in self._memo:
            return self._memo[key]
        out = self.module.eval_blocks(self.block.blocks, name, self.scope, self.address)
        self._memo[key] = out
        return out

    def get_attr(self, name: str) -> Any:
        """Value of ``<address>.<name>`` in an expression."""
        if name in self.block.attrs:
            v = self.arg(name)
            if v is not None:
                return v
        elif any(b.type == name or (b.type == "dynamic" and b.labels and b.labels[0] == name)
                 for b in self.block.blocks):
            return self.blocks(name)
        return computed(self, name)


class ModuleInstance:
    """One instance of a module (the root, ``module.x``, ``module.x[0]``) with its variable values."""

    def __init__(self, root: RootLoader, config: ModuleConfig, prefix: str, inputs: dict[str, Callable[[], Any]],
                 caller: str = "") -> None:
        self.root = root
        self.config = config
        self.prefix = prefix
        self.inputs = inputs
        self.caller = caller
        self._vars: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._resources: dict[tuple[str, str, str], Any] = {}
        self._modules: dict[str, Any] = {}
        self._active: set[str] = set()
        self.children: list[ModuleInstance] = []
        self.scope = Scope(self._lookup, config.dir)

    # ---- names -----------------------------------------------------------------------------------------

    def _lookup(self, name: str) -> Any:
        if name == "var":
            return _Namespace(self.var)
        if name == "local":
            return _Namespace(self.local)
        if name == "module":
            return _Namespace(self.module_value)
        if name == "data":
            return _Namespace(lambda t: self._type_ns("data", t))
        if name == "path":
            return {"module": self.config.dir, "root": self.root.config.dir, "cwd": os.getcwd()}
        if name == "terraform":
            return {"workspace": "default"}
        if name in self.config.types["managed"]:
            return self._type_ns("managed", name)
        if name in ("count", "each", "self"):
            raise Undeclared(f"{name} is not available here")
        raise Undeclared(f"reference to undeclared resource type or name {name!r}")

    def _type_ns(self, mode: str, rtype: str) -> Any:
        if rtype not in self.config.types[mode]:
            raise Undeclared(f"reference to undeclared {'data source' if mode == 'data' else 'resource'} type "
                             f"{rtype}")
        return _Namespace(lambda n: self.resource_value(mode, rtype, n))

    def var(self, name: str) -> Any:
        if name in self._vars:
            return self._vars[name]
        block = self.config.variables.get(name)
        if block is None:
            raise Undeclared(f"reference to undeclared input variable var.{name}")
        self._vars[name] = Unresolved(f"{self.prefix}var.{name}", "cyclic variable")
        if name in self.inputs:
            value = self.inputs[name]()
        elif "default" in block.attrs:
            value = self.evaluate(block.attrs["default"], Scope(_no_names, self.config.dir), f"var.{name}",
                                  block.file, block.line)
        elif self.prefix:
            self.root.issue("RL004", (self.caller,), f"{self.caller} does not set the required argument {name} "
                            f"(declared without default at {block.file}:{block.line}): terraform plan fails", "error")
            value = Unresolved(f"{self.prefix}var.{name}", f"required module argument {name} not set")
        else:
            value = Unresolved(f"{self.prefix}var.{name}", f"input variable {name} has no default and no value "
                               f"was given ({block.file}:{block.line}); pass --var {name}=VALUE")
        value = self._convert_var(block, value)
        if "sensitive" in block.attrs and self.evaluate(block.attrs["sensitive"], Scope(_no_names, self.config.dir),
                                                        f"var.{name}.sensitive", block.file, block.line) is True:
            register_secret(value if isinstance(value, (str, int, float, list)) else None)
        self._vars[name] = value
        return value

    def _convert_var(self, block: Block, value: Any) -> Any:
        """Apply the variable's declared type to string values (``--var`` gives strings, as Terraform's -var)."""
        tnode = block.attrs.get("type")
        if not isinstance(value, str) or tnode is None:
            return value
        tname = _type_name(tnode)
        if tname == "number":
            try:
                return int(value)
            except ValueError:
                try:
                    return float(value)
                except ValueError:
                    return value
        if tname == "bool" and value in ("true", "false"):
            return value == "true"
        if tname in ("list", "set", "map", "object", "tuple") and value.strip()[:1] in ("[", "{"):
            try:
                return Evaluator().eval(parse_expression(value), Scope(_no_names, self.config.dir))
            except Exception:  # noqa: BLE001 - a malformed --var value stays the raw string
                return value
        return value

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        if name not in self.config.locals:
            raise Undeclared(f"reference to undeclared local value local.{name}")
        if name in self._active:
            return Unresolved(f"{self.prefix}local.{name}", "cyclic local value")
        self._active.add(name)
        expr, b = self.config.locals[name]
        try:
            value = self.evaluate(expr, self.scope, f"{self.prefix}local.{name}", b.file, b.line)
        finally:
            self._active.discard(name)
        self._locals[name] = value
        return value

    # ---- resources -------------------------------------------------------------------------------------

    def expand(self, mode: str, rtype: str, name: str) -> list[Instance] | Unresolved:
        """Instances of one resource block (after count / for_each)."""
        key = (mode, rtype, name)
        if key in self._resources:
            return self._resources[key]
        block = self.config.resources[key]
        self._resources[key] = Unresolved(f"{self.prefix}{rtype}.{name}", "cyclic reference")
        address = self.prefix + ("data." if mode == "data" else "") + f"{rtype}.{name}"
        result: list[Instance] | Unresolved
        if "count" in block.attrs:
            n = self.evaluate(block.attrs["count"], self.scope, f"{address}.count", block.file,
                              block.attr_lines.get("count", block.line))
            if isinstance(n, Unresolved):
                self.root.issue("RL002", (n.name, address), f"count of {address} ({block.file}:{block.line}) is "
                                f"unresolved ({n.reason}): its instances are unknown")
                self.root.unexpanded.append((rtype, address, None))
                result = n
            else:
                try:
                    count = int(n) if n is not None else 1
                except (TypeError, ValueError):
                    self.root.issue("RL004", (address,), f"count of {address} ({block.file}:{block.line}) is not a "
                                    "number: terraform plan fails", "error")
                    count = 0
                result = [Instance(self, mode, rtype, name, block, i, None) for i in range(max(count, 0))]
        elif "for_each" in block.attrs:
            coll = self.evaluate(block.attrs["for_each"], self.scope, f"{address}.for_each", block.file,
                                 block.attr_lines.get("for_each", block.line))
            if isinstance(coll, Unresolved) or first_unresolved(coll) is not None and not isinstance(coll, dict):
                u = coll if isinstance(coll, Unresolved) else first_unresolved(coll)
                assert u is not None
                self.root.issue("RL002", (u.name, address), f"for_each of {address} ({block.file}:{block.line}) "
                                f"is unresolved ({u.reason}): its instances are unknown")
                self.root.unexpanded.append((rtype, address, None))
                result = u
            elif isinstance(coll, dict):
                result = [Instance(self, mode, rtype, name, block, str(k), v) for k, v in coll.items()]
            elif isinstance(coll, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                                for v in coll):
                result = [Instance(self, mode, rtype, name, block, to_text(v), v) for v in coll]
            elif coll is None or coll == []:
                result = []
            else:  # Terraform: for_each must be a map, or a set of strings
                self.root.issue("RL004", (address,), f"for_each of {address} ({block.file}:{block.line}) is not a map "
                                "or a set of strings: terraform plan fails", "error")
                self.root.unexpanded.append((rtype, address, None))
                result = Unresolved(address, "for_each is not a map or a set of strings")
        else:
            result = [Instance(self, mode, rtype, name, block, None, None)]
        self._resources[key] = result
        return result

    def resource_value(self, mode: str, rtype: str, name: str) -> Any:
        """Value of ``aws_x.name`` in an expression: the instance, a list (count) or a map (for_each)."""
        if (mode, rtype, name) not in self.config.resources:
            raise Undeclared(f"reference to undeclared {'data source' if mode == 'data' else 'resource'} "
                             f"{'data.' if mode == 'data' else ''}{rtype}.{name}")
        block = self.config.resources[(mode, rtype, name)]
        insts = self.expand(mode, rtype, name)
        if isinstance(insts, Unresolved):
            return insts
        if "count" in block.attrs:
            return list(insts)
        if "for_each" in block.attrs:
            return {i.key: i for i in insts}
        return insts[0] if insts else Unresolved(f"{rtype}.{name}", "resource has no instance")

    def all_instances(self) -> list[Instance]:
        out: list[Instance] = []
        for (mode, rtype, name) in self.config.resources:
            insts = self.expand(mode, rtype, name)
            if not isinstance(insts, Unresolved):
                out.extend(insts)
        return out

    # ---- modules ---------------------------------------------------------------------------------------

    def module_value(self, name: str) -> Any:
        if name not in self.config.modules:
            raise Undeclared(f"reference to undeclared module module.{name}")
        insts = self.module_instances(name)
        if isinstance(insts, Unresolved):
            return insts
        block = self.config.modules[name]
        if "count" in block.attrs:
            return [m for _, m in insts]
        if "for_each" in block.attrs:
            return {k: m for k, m in insts}
        return insts[0][1] if insts else Unresolved(f"module.{name}", "module has no instance")

    def module_instances(self, name: str) -> list[tuple[Any, Any]] | Unresolved:
        if name in self._modules:
            return self._modules[name]
        block = self.config.modules[name]
        self._modules[name] = Unresolved(f"{self.prefix}module.{name}", "cyclic module reference")
        addr = f"{self.prefix}module.{name}"
        keys: list[tuple[Any, Any]]
        if "count" in block.attrs:
            n = self.evaluate(block.attrs["count"], self.scope, f"{addr}.count", block.file, block.line)
            if isinstance(n, Unresolved):
                self.root.issue("RL002", (n.name, addr), f"count of {addr} ({block.file}:{block.line}) is unresolved")
                self._modules[name] = n
                return n
            keys = [(i, None) for i in range(int(n or 0))]
        elif "for_each" in block.attrs:
            coll = self.evaluate(block.attrs["for_each"], self.scope, f"{addr}.for_each", block.file, block.line)
            if isinstance(coll, Unresolved):
                self.root.issue("RL002", (coll.name, addr), f"for_each of {addr} ({block.file}:{block.line}) is "
                                "unresolved")
                self._modules[name] = coll
                return coll
            keys = list(coll.items()) if isinstance(coll, dict) else [(to_text(v), v) for v in coll]
        else:
            keys = [(None, None)]
        config = self.root.module_config(self, name, block)
        out: list[tuple[Any, Any]] = []
        for k, v in keys:
            prefix = f"{addr}{_key_suffix(k)}."
            if config is None:
                passed: set[str] = set()
                for arg, expr in block.attrs.items():
                    if arg not in ("source", "version", "count", "for_each", "providers", "depends_on"):
                        _strings(self.evaluate(expr, self.scope, f"{addr}.{arg}", block.file, block.line), passed)
                self.root.unexpanded.append(("module", prefix.rstrip("."), passed))
                out.append((k, _MissingModule(prefix.rstrip("."))))
                continue
            extra: dict[str, Any] = {}
            if isinstance(k, int):
                extra["count"] = {"index": k}
            elif k is not None:
                extra["each"] = {"key": k, "value": v}
            scope = self.scope.child(extra)
            inputs: dict[str, Callable[[], Any]] = {}
            for arg, expr in block.attrs.items():
                if arg in ("source", "version", "count", "for_each", "providers", "depends_on"):
                    continue
                inputs[arg] = self._lazy(expr, scope, f"{addr}.{arg}", block.file, block.attr_lines.get(arg, block.line))
            child = ModuleInstance(self.root, config, prefix, inputs, addr)
            for arg in inputs:
                if arg not in config.variables:
                    self.root.issue("RL004", (addr,), f"{addr} ({block.file}:{block.attr_lines.get(arg, block.line)}) "
                                    f"passes argument {arg}, which the module does not declare: terraform plan "
                                    "fails", "error")
            self.children.append(child)
            out.append((k, _ModuleOutputs(child)))
        self._modules[name] = out
        return out

    # ---- evaluation --------------------------------------------------------------------------------------

    def _lazy(self, expr: Any, scope: Scope, what: str, file: str, line: int) -> Callable[[], Any]:
        def value() -> Any:
            return self.evaluate(expr, scope, what, file, line)

        return value

    def evaluate(self, expr: Any, scope: Scope, what: str, file: str, line: int) -> Any:
        """Evaluate ``expr``; an expression Terraform rejects becomes RL004 (undeclared reference) or a
        warning, and its value Unresolved."""
        try:
            return self.root.evaluator.eval(expr, scope)
        except Undeclared as exc:
            self.root.issue("RL004", (what,),
                            f"{what} ({file}:{line}): {exc}: terraform plan fails", "error")
            return Unresolved(what, str(exc))
        except (EvalError, KeyError) as exc:
            self.root.warnings.append(f"{file}:{line}: {what}: cannot be evaluated ({exc})")
            return Unresolved(what, f"cannot be evaluated: {exc}")
        except RecursionError:
            return Unresolved(what, "expression nested too deeply")

    def eval_blocks(self, blocks: list[Block], name: str, scope: Scope, owner: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for b in blocks:
            if b.type == name:
                out.append(self._block_dict(b, scope, owner))
            elif b.type == "dynamic" and b.labels and b.labels[0] == name:
                iterator = name
                if "iterator" in b.attrs:
                    it = b.attrs["iterator"]
                    iterator = _type_name(it)
                coll = self.evaluate(b.attrs.get("for_each"), scope, f"{owner}.dynamic.{name}", b.file, b.line) \
                    if "for_each" in b.attrs else []
                content = next((c for c in b.blocks if c.type == "content"), None)
                if isinstance(coll, Unresolved):
                    out.append({"__unresolved__": coll, "__line__": b.line, "__file__": b.file})
                    continue
                if content is None or coll is None:
                    continue
                items = list(coll.items()) if isinstance(coll, dict) else list(enumerate(coll))
                for k, v in items:
                    s = scope.child({iterator: {"key": k, "value": v}})
                    d = self._block_dict(content, s, owner)
                    d["__line__"] = b.line
                    out.append(d)
        return out

    def _block_dict(self, b: Block, scope: Scope, owner: str) -> dict[str, Any]:
        d: dict[str, Any] = {"__line__": b.line, "__file__": b.file}
        for k, expr in b.attrs.items():
            d[k] = self.evaluate(expr, scope, f"{owner}.{b.type}.{k}", b.file, b.attr_lines.get(k, b.line))
        for nested in {c.type if c.type != "dynamic" else (c.labels[0] if c.labels else "") for c in b.blocks}:
            if nested:
                d[nested] = self.eval_blocks(b.blocks, nested, scope, owner)
        return d


def _strings(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)


class _ModuleOutputs:
    def __init__(self, module: ModuleInstance) -> None:
        self.module = module

    def get_attr(self, name: str) -> Any:
        block = self.module.config.outputs.get(name)
        if block is None:
            raise Undeclared(f"module {self.module.prefix.rstrip('.')} has no output {name}")
        if "value" not in block.attrs:
            return None
        return self.module.evaluate(block.attrs["value"], self.module.scope,
                                    f"{self.module.prefix}output.{name}", block.file, block.line)


class _MissingModule:
    def __init__(self, address: str) -> None:
        self.address = address

    def get_attr(self, name: str) -> Any:
        return Unresolved(f"{self.address}.{name}", f"{self.address} is not available (run terraform init so its "
                          "source is downloaded to .terraform/modules)")


def _const(value: Any) -> Callable[[], Any]:
    def get() -> Any:
        return value

    return get


def _type_name(node: Any) -> str:
    """The leading identifier of a type expression (``list(string)`` -> ``list``)."""
    while isinstance(node, Tree):
        if node.data == "identifier":
            return str(node.children[0])
        kids = [c for c in node.children if isinstance(c, Tree)]
        if not kids:
            return ""
        node = kids[0]
    return ""


class RootLoader:
    """Loads and evaluates one root module folder.

    Args:
        path: the folder.
        input_name: display name of the input (as given on the command line).
        variables: ``--var``/tfvars values by name (applied over the folder's own tfvars).
        region: region assumed when the aws provider does not set one.
    """

    def __init__(self, path: str, input_name: str, variables: dict[str, Any], region: str) -> None:
        self.path = path
        self.input_name = input_name
        self.evaluator = Evaluator()
        self.issues: list[SourceIssue] = []
        self.warnings: list[str] = []
        self._issue_keys: set[tuple[str, tuple[str, ...]]] = set()
        self._configs: dict[str, ModuleConfig] = {}
        #: (type, address, ids) of resource blocks whose count/for_each is unresolved (ids None: may touch any
        #: object) and of modules not available (ids: the ids passed to them, which they may add rules to)
        self.unexpanded: list[tuple[str, str, set[str] | None]] = []
        self.region = region
        #: SSM Parameter Store wiring of the run (set by :func:`rdslink.sources.terraform.load_terraform`)
        self.ssm_writers: Any = None
        self._instances: list[Instance] | None = None
        self._expanding = False
        self.config = self._config(path, input_name)
        self.modules_json = self._modules_json()
        self.root = ModuleInstance(self, self.config, "", {k: _const(v) for k, v in variables.items()})
        for name in variables:
            if name not in self.config.variables:
                self.warnings.append(f"{input_name}: variable {name} given but not declared by the configuration")
        if self.config.provider_region is not None:
            r = self.root.evaluate(self.config.provider_region, self.root.scope, "provider.aws.region",
                                   input_name, 0)
            if isinstance(r, str):
                self.region = r

    def issue(self, check: str, resources: tuple[str, ...], evidence: str, severity: str = "warning") -> None:
        k = (check, resources)
        if k not in self._issue_keys:
            self._issue_keys.add(k)
            self.issues.append(SourceIssue(check, resources, evidence, self.input_name, severity))

    def _config(self, directory: str, display: str) -> ModuleConfig:
        key = os.path.realpath(directory)
        if key not in self._configs:
            self._configs[key] = ModuleConfig(directory, display)
        return self._configs[key]

    def _modules_json(self) -> dict[str, str]:
        path = os.path.join(self.path, ".terraform", "modules", "modules.json")
        try:
            data = json.loads(read_text(path, path))
        except (InputError, ValueError):
            return {}
        out = {}
        for m in data.get("Modules", []) if isinstance(data, dict) else []:
            if isinstance(m, dict) and isinstance(m.get("Key"), str) and isinstance(m.get("Dir"), str):
                out[m["Key"]] = m["Dir"]
        return out

    def module_config(self, parent: ModuleInstance, name: str, block: Block) -> ModuleConfig | None:
        """The configuration a ``module`` block calls, or None (RL003) when it is not available."""
        addr = f"{parent.prefix}module.{name}"
        src_v = parent.evaluate(block.attrs["source"], Scope(_no_names, parent.config.dir), f"{addr}.source",
                                block.file, block.line) if "source" in block.attrs else None
        if not isinstance(src_v, str):
            self.issue("RL003", (addr,), f"{addr} ({block.file}:{block.line}) has no literal source: not analysed")
            return None
        if src_v.startswith("./") or src_v.startswith("../"):
            directory = os.path.normpath(os.path.join(parent.config.dir, src_v))
            display = os.path.normpath(os.path.join(parent.config.display, src_v))
        else:
            key = ".".join(p.split("[")[0] for p in addr.split("module.") if p).replace("..", ".").strip(".")
            rel = self.modules_json.get(key)
            if rel is None:
                self.issue("RL003", (addr,), f"{addr} ({block.file}:{block.line}) uses module {src_v}, which is not "
                           "downloaded (.terraform/modules): its resources are not analysed and values it outputs "
                           "are unknown; run terraform init first")
                return None
            directory = os.path.join(self.path, rel)
            display = os.path.normpath(os.path.join(self.input_name, rel))
        if not os.path.isdir(directory):
            self.issue("RL003", (addr,), f"{addr} ({block.file}:{block.line}): module folder {display} does not exist")
            return None
        return self._config(directory, display)

    def instances(self) -> list[Instance]:
        """Every resource and data instance of the root and (recursively) of its module calls (computed once;
        ``[]`` for a re-entrant call while they are being expanded, e.g. a ``count`` that reads an SSM
        parameter)."""
        if self._instances is not None:
            return self._instances
        if self._expanding:
            return []
        self._expanding = True
        try:
            self._instances = self._expand_all()
        finally:
            self._expanding = False
        return self._instances

    def _expand_all(self) -> list[Instance]:
        out: list[Instance] = []
        todo = [self.root]
        seen = 0
        while todo:
            mod = todo.pop(0)
            seen += 1
            if seen > 10000:
                break
            out.extend(mod.all_instances())
            for name in mod.config.modules:
                mod.module_instances(name)
            todo.extend(c for c in mod.children if c not in todo)
            mod.children = []
        return out


def load_variables(root: str, input_name: str, cli_vars: list[str], var_files: list[str]) -> dict[str, Any]:
    """Variable values in Terraform's precedence: ``terraform.tfvars``(.json), ``*.auto.tfvars``(.json) in
    lexical order, then ``--var-file`` and ``--var`` in command-line order (later wins).

    Raises:
        InputError: a bad ``--var`` (not ``NAME=VALUE``) or an unreadable/invalid tfvars file.
    """
    values: dict[str, Any] = {}
    for name in ("terraform.tfvars", "terraform.tfvars.json"):
        p = os.path.join(root, name)
        if os.path.isfile(p):
            values.update(parse_tfvars(p, os.path.normpath(os.path.join(input_name, name))))
    for name in sorted(os.listdir(root)):
        if name.endswith(".auto.tfvars") or name.endswith(".auto.tfvars.json"):
            values.update(parse_tfvars(os.path.join(root, name), os.path.normpath(os.path.join(input_name, name))))
    for f in var_files:
        if not os.path.isfile(f):
            raise InputError(f, "--var-file: no such file")
        values.update(parse_tfvars(f, f))
    for item in cli_vars:
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise InputError("--var", f"{item!r} is not NAME=VALUE")
        name, value = item.split("=", 1)
        values[name.strip()] = value
    return values
