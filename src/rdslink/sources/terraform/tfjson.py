"""Read ``*.tf.json`` files (Terraform's JSON configuration syntax,
https://developer.hashicorp.com/terraform/language/syntax/json) into the same :class:`~.hcl.Block` structure as
``*.tf`` files, so one evaluator serves both (a module may mix the two).

Mapping (HCL JSON specification, as Terraform applies it):

* the top-level properties are block types; ``resource``/``data`` take two label levels, ``variable``,
  ``module``, ``output``, ``provider`` one, ``locals``/``terraform`` none; a body may be an array of bodies
  (several blocks with the same labels, e.g. provider aliases); ``"//"`` properties are comments;
* in a body, a property naming a nested block type (``vpc_config``, ``ingress``, ``statement``, ...: the
  provider schema decides, and this reader has none, so :data:`BLOCK_TYPES` lists the ones rdslink reads) is one
  block (an object) or several (an array of objects); ``dynamic`` holds ``{"<block>": {"for_each", "iterator",
  "content"}}``; every other property is an argument;
* argument values: JSON strings are string templates (``"${aws_vpc.main.id}"``, ``%{ }`` directives, ``$${``
  escapes), numbers, booleans and null are literals, arrays and objects are tuples and objects of such values;
  a variable's ``default`` (and ``description``) and a module's ``source``/``version`` are literal (no
  templates); a variable's ``type`` and a dynamic block's ``iterator`` are native-syntax expressions in a string.

Provenance: cfn-lint's public JSON decoder keeps the line of every property, so objects from ``.tf.json`` files
carry ``file:line`` like native files.
"""

from __future__ import annotations

from typing import Any

from lark import Tree

from ..errors import InputError
from .blocks import Block, read_text
from .expr import parse_expression

#: nested block types rdslink reads (a property of a resource/data body with one of these names and an object
#: or array-of-objects value is a block; any other property is an argument)
BLOCK_TYPES = frozenset({
    "vpc_config", "environment", "ingress", "egress", "route", "statement", "principals", "not_principals",
    "condition", "auth", "inline_policy", "timeouts", "lifecycle", "provisioner", "connection", "tracing_config",
    "dead_letter_config", "ephemeral_storage", "logging_config", "snap_start", "file_system_config",
    "image_config", "dns_options", "serverlessv2_scaling_configuration", "scaling_configuration",
    "restore_to_point_in_time", "s3_import", "rotation_rules", "replica", "options", "subnet_mapping",
    "validation", "precondition", "postcondition", "master_user_secret", "accepter", "requester",
    "connection_pool_config", "filter", "tags_all_block",
})

_LABELS = {"resource": 2, "data": 2, "variable": 1, "module": 1, "output": 1, "provider": 1, "check": 1,
           "locals": 0, "terraform": 0, "moved": 0, "import": 0, "removed": 0}
_LITERAL = {"variable": frozenset({"default", "description", "sensitive", "nullable", "ephemeral"}),
            "module": frozenset({"source", "version"})}
_NATIVE = {"variable": frozenset({"type"})}


def _line(node: Any) -> int:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else 0


def plain(v: Any) -> Any:
    """A decoded JSON value as plain Python types (the decoder's node subclasses removed)."""
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, str):
        return str(v)
    return v


def parse_json_file(path: str, display: str) -> list[Block]:
    """Top-level blocks of one ``.tf.json`` file.

    Raises:
        InputError: unreadable file, invalid JSON (with line), or a structure Terraform rejects (file, line,
            JSON path).
    """
    from cfnlint.decode import cfn_json

    text = read_text(path, display, encoding="utf-8-sig")
    try:
        data = cfn_json.loads(text)
    except Exception as exc:  # the decoder raises JSONDecodeError (also for duplicate keys) or ValueError
        msg = str(getattr(exc, "msg", exc)).splitlines()[0] if str(exc) else type(exc).__name__
        line = getattr(exc, "lineno", None)
        raise InputError(display, f"invalid JSON: {msg}", line if isinstance(line, int) and line > 0 else None
                         ) from None
    if not isinstance(data, dict):
        raise InputError(display, "a .tf.json file must hold a JSON object")
    blocks: list[Block] = []
    for btype_node, content in data.items():
        btype = str(btype_node)
        if btype == "//" or btype not in _LABELS:
            continue
        for labels, body, jpath, line in _label_levels(content, _LABELS[btype], [], btype, display,
                                                       _line(btype_node)):
            blocks.append(_block(btype, labels, body, display, jpath, block_line=line))
    return blocks


def _label_levels(content: Any, n: int, labels: list[str], jpath: str, display: str, line: int
                  ) -> list[tuple[list[str], Any, str, int]]:
    """(labels, body, JSON path, line of the last label) of every block under a top-level property."""
    if n == 0:
        bodies = content if isinstance(content, list) else [content]
        out = []
        for i, body in enumerate(bodies):
            if not isinstance(body, dict):
                raise InputError(display, f"{jpath}: a block body must be a JSON object", _line(body) or None)
            out.append((labels, body, jpath if len(bodies) == 1 else f"{jpath}[{i}]",
                        line if len(bodies) == 1 else _line(body) or line))
        return out
    if not isinstance(content, dict):
        raise InputError(display, f"{jpath}: expected an object of block labels", _line(content) or None)
    out = []
    for label, inner in content.items():
        if str(label) == "//":
            continue
        out.extend(_label_levels(inner, n - 1, [*labels, str(label)], f"{jpath}.{label}", display,
                                 _line(label) or line))
    return out


def _value_tree(btype: str, key: str, value: Any) -> Any:
    if key in _NATIVE.get(btype, ()) and isinstance(value, str):
        return parse_expression(str(value))
    if key in _LITERAL.get(btype, ()):
        return Tree("json_literal", [plain(value)])
    return Tree("json", [plain(value)])


def _block(btype: str, labels: list[str], body: dict[str, Any], display: str, jpath: str,
           nested: bool = False, block_line: int = 0) -> Block:
    attrs: dict[str, Any] = {}
    lines: dict[str, int] = {}
    blocks: list[Block] = []
    for key_node, value in body.items():
        key = str(key_node)
        line = _line(key_node) or _line(value)
        if key == "//":
            continue
        where = f"{jpath}.{key}"
        if key == "dynamic" and btype not in ("locals", "variable", "output", "module") and isinstance(value, dict):
            for name, specs in value.items():
                for spec in specs if isinstance(specs, list) else [specs]:
                    if not isinstance(spec, dict):
                        raise InputError(display, f"{where}.{name}: a dynamic block must be a JSON object",
                                         _line(spec) or line or None)
                    d_attrs: dict[str, Any] = {}
                    d_lines: dict[str, int] = {}
                    for k, v in spec.items():
                        if str(k) in ("for_each", "labels"):
                            d_attrs[str(k)] = Tree("json", [plain(v)])
                        elif str(k) == "iterator" and isinstance(v, str):
                            try:
                                d_attrs["iterator"] = parse_expression(str(v))
                            except Exception:  # lark's syntax errors
                                raise InputError(display, f"{where}.{name}.iterator: not an identifier",
                                                 _line(k) or None) from None
                        d_lines[str(k)] = _line(k)
                    content = spec.get("content")
                    inner = [_block("content", [], content, display, f"{where}.{name}.content", True)] \
                        if isinstance(content, dict) else []
                    blocks.append(Block("dynamic", [str(name)], d_attrs, inner, _line(spec) or line, display,
                                        d_lines))
            continue
        is_block = (btype in ("resource", "data") or nested) and key in BLOCK_TYPES and (
            isinstance(value, dict) or (isinstance(value, list) and value and all(isinstance(x, dict)
                                                                                   for x in value)))
        if btype == "terraform" or (btype in ("variable", "output") and key in ("validation", "precondition")):
            continue
        if is_block:
            for i, v in enumerate(value if isinstance(value, list) else [value]):
                blocks.append(_block(key, [], v, display, f"{where}[{i}]" if isinstance(value, list) else where,
                                     True, line if not isinstance(value, list) else 0))
            continue
        try:
            attrs[key] = _value_tree(btype, key, value)
        except Exception:  # a native-syntax type/iterator expression that does not parse
            raise InputError(display, f"{where}: not a valid expression", line or None) from None
        lines[key] = line
    return Block(btype, labels, attrs, blocks, block_line or _line(body), display, lines)


__all__ = ["BLOCK_TYPES", "parse_json_file", "plain"]
