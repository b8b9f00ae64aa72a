"""HCL expression evaluation over python-hcl2's raw Lark parse tree (``hcl2.parses_to_tree``, public API).

Values are plain Python (``str``, ``int``/``float``, ``bool``, ``None`` for ``null``, ``list``, ``dict``) plus
:class:`~rdslink.model.Unresolved` for anything the configuration does not determine. Operations on an
Unresolved give an Unresolved (the first one met, so findings name the variable that would decide it); nothing
is guessed. Resource instances are objects with a ``get_attr(name)`` method (see :mod:`.hcl`).
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lark import Token, Tree

from ...model import Unresolved
from ..errors import InputError
from .blocks import read_text


class EvalError(Exception):
    """An expression Terraform itself would reject (type error, missing key, unknown attribute)."""


@dataclass(frozen=True, slots=True)
class PartialText(Unresolved):
    """A string template with unresolved parts: ``parts`` are ``str`` or Unresolved in order. Behaves as an
    Unresolved everywhere; policy documents (JSON text) use ``parts`` to keep their known statements."""

    parts: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Encoded:
    """``jsonencode(value)`` whose value contains Unresolved parts: the structure is kept (policies)."""

    value: Any


def first_unresolved(*values: Any) -> Unresolved | None:
    """The first Unresolved among ``values`` (searching inside lists/dicts), else None."""
    for v in values:
        if isinstance(v, Unresolved):
            return v
        if isinstance(v, list):
            u = first_unresolved(*v)
            if u is not None:
                return u
        elif isinstance(v, dict):
            u = first_unresolved(*v.values())
            if u is not None:
                return u
        elif isinstance(v, Encoded):
            u = first_unresolved(v.value)
            if u is not None:
                return u
    return None


def to_text(v: Any) -> Any:
    """HCL string conversion: numbers without a trailing ``.0``, booleans ``true``/``false``."""
    if isinstance(v, Unresolved) or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float)):
        return str(v)
    if v is None:
        raise EvalError("null value in a string template")
    if isinstance(v, Encoded):
        u = first_unresolved(v.value)
        return u if u is not None else json.dumps(v.value)
    raise EvalError(f"cannot convert {type(v).__name__} to string")


def _num(v: Any) -> Any:
    if isinstance(v, Unresolved):
        return v
    if isinstance(v, bool):
        raise EvalError("a bool is not a number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                raise EvalError(f"{v!r} is not a number") from None
    raise EvalError(f"{type(v).__name__} is not a number")


def _bool(v: Any) -> Any:
    if isinstance(v, (bool, Unresolved)):
        return v
    if v == "true":
        return True
    if v == "false":
        return False
    raise EvalError(f"{v!r} is not a bool")


def _seq(v: Any) -> list[Any]:
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, (list, tuple)):
        return list(v)
    raise EvalError(f"{type(v).__name__} is not a collection")


def _unescape(text: str) -> str:
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            mapping = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
            if n in mapping:
                out.append(mapping[n])
                i += 2
                continue
            if n == "u" and i + 5 < len(text) + 1:
                try:
                    out.append(chr(int(text[i + 2:i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
        out.append(c)
        i += 1
    return "".join(out).replace("$${", "${").replace("%%{", "%{")


class Scope:
    """Names visible to an expression.

    Args:
        lookup: resolves a root name (``var``, ``local``, ``aws_vpc``, ``module``, ``data``, ``count``,
            ``each``, ``path``...) to a value; raises KeyError when the name is not declared.
        locals_: for-expression and dynamic-block iterator variables, which shadow ``lookup``.
        base_dir: folder of the module (``file()`` and ``path.module``).
    """

    def __init__(self, lookup: Callable[[str], Any], base_dir: str, locals_: dict[str, Any] | None = None) -> None:
        self.lookup = lookup
        self.base_dir = base_dir
        self.vars = locals_ or {}

    def child(self, extra: dict[str, Any]) -> Scope:
        return Scope(self.lookup, self.base_dir, {**self.vars, **extra})

    def get(self, name: str) -> Any:
        if name in self.vars:
            return self.vars[name]
        return self.lookup(name)


def get_attr(obj: Any, name: str) -> Any:
    """``obj.name`` with HCL semantics (objects/maps by key, resource instances by attribute)."""
    if isinstance(obj, Unresolved):
        return obj
    if hasattr(obj, "get_attr"):
        return obj.get_attr(name)
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        raise EvalError(f"object has no attribute {name!r}")
    if obj is None:
        raise EvalError(f"attempt to get attribute {name!r} from a null value")
    if isinstance(obj, list):
        raise EvalError(f"a list has no attribute {name!r} (use a splat [*].{name})")
    raise EvalError(f"{type(obj).__name__} has no attribute {name!r}")


def index(obj: Any, key: Any) -> Any:
    """``obj[key]``."""
    if isinstance(key, Unresolved):
        return key
    if isinstance(obj, PartialText):
        return Unresolved(obj.name, obj.reason)
    if isinstance(obj, Unresolved):
        if isinstance(key, int) and obj.index is None:
            return Unresolved(obj.name, obj.reason, key)
        return obj
    if isinstance(obj, dict):
        k = to_text(key)
        if k in obj:
            return obj[k]
        raise EvalError(f"the map has no key {k!r}")
    if isinstance(obj, (list, tuple)):
        i = _num(key)
        if isinstance(i, float) and i.is_integer():
            i = int(i)
        if not isinstance(i, int) or i < 0 or i >= len(obj):
            raise EvalError(f"index {key} out of range (length {len(obj)})")
        return obj[i]
    if obj is None:
        raise EvalError("attempt to index a null value")
    raise EvalError(f"cannot index a {type(obj).__name__}")


class Evaluator:
    """Evaluates Lark expression trees of python-hcl2's grammar.

    Args:
        functions: extra functions by name (overriding the built-ins), each ``f(evaluator, args) -> value``.
    """

    def __init__(self) -> None:
        self.unknown_functions: set[str] = set()

    # ---- entry -----------------------------------------------------------------------------------------

    def eval(self, node: Any, scope: Scope) -> Any:
        """Evaluate one expression node. Raises EvalError for expressions Terraform rejects."""
        if isinstance(node, Token):
            return self._token(node)
        data = node.data
        method = getattr(self, "_e_" + str(data), None)
        if method is None:
            raise EvalError(f"unsupported expression {data}")
        return method(node, scope)

    def _kids(self, node: Tree) -> list[Any]:
        return [c for c in node.children
                if not (isinstance(c, Tree) and c.data == "new_line_or_comment")
                and not (isinstance(c, Token) and c.type in ("LPAR", "RPAR", "LSQB", "RSQB", "LBRACE", "RBRACE",
                                                             "COMMA", "NL_OR_COMMENT"))]

    def _token(self, tok: Token) -> Any:
        raise EvalError(f"unexpected token {tok.type}")

    # ---- literals --------------------------------------------------------------------------------------

    def _e_expr_term(self, node: Tree, scope: Scope) -> Any:
        kids = self._kids(node)
        return self.eval(kids[0], scope)

    def _e_int_lit(self, node: Tree, scope: Scope) -> Any:
        return int(str(node.children[0]))

    def _e_float_lit(self, node: Tree, scope: Scope) -> Any:
        return float(str(node.children[0]))

    def _e_literal_value(self, node: Tree, scope: Scope) -> Any:
        text = str(node.children[0])
        return {"true": True, "false": False, "null": None}[text]

    def _e_identifier(self, node: Tree, scope: Scope) -> Any:
        name = str(node.children[0])
        return scope.get(name)

    def _e_keyword(self, node: Tree, scope: Scope) -> Any:
        return scope.get(str(node.children[0]))

    def _e_string(self, node: Tree, scope: Scope) -> Any:
        items: list[tuple[Any, ...]] = []
        for part in node.children:
            if isinstance(part, Token):
                continue  # quotes
            for sub in part.children:
                if isinstance(sub, Token):
                    if sub.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                        items.append(("text", str(sub)[1:]))
                    else:
                        items.append(("text", _unescape(str(sub))))
                else:
                    items.append(_tree_item(sub))
        return self.render(items, scope)

    # ---- templates: ``${ }`` interpolations and ``%{ if }`` / ``%{ for }`` directives ----------------------

    def render(self, items: list[tuple[Any, ...]], scope: Scope) -> Any:
        """Evaluate a template given as items ``("text", s)``, ``("interp", expr, strip_left, strip_right)``,
        ``("if"|"for"|"else"|"endif"|"endfor", payload, strip_left, strip_right)`` (HCL native syntax
        specification, "Template Expressions"). A template that is one interpolation gives that value
        unconverted; a directive whose condition or collection is unknown makes the whole value Unresolved
        (never guessed).

        Raises:
            EvalError: unbalanced or unknown directives.
        """
        if len(items) == 1 and items[0][0] == "interp":
            return self.eval(items[0][1], scope)
        items = list(items)
        for i, it in enumerate(items):  # strip markers: ``~`` trims the adjacent literal's whitespace
            if it[0] == "text":
                continue
            if it[2] and i > 0 and items[i - 1][0] == "text":
                items[i - 1] = ("text", items[i - 1][1].rstrip())
            if it[3] and i + 1 < len(items) and items[i + 1][0] == "text":
                items[i + 1] = ("text", items[i + 1][1].lstrip())
        nodes, i = _template_tree(items, 0, ())
        if i != len(items):
            raise EvalError(f"unexpected %{{ {items[i][0]} }} in template")
        try:
            parts = self._render_nodes(nodes, scope)
        except _TemplateUnknown as exc:
            return exc.value
        return self._join(parts)

    def _render_nodes(self, nodes: list[tuple[Any, ...]], scope: Scope) -> list[Any]:
        out: list[Any] = []
        for n in nodes:
            if n[0] == "text":
                out.append(n[1])
            elif n[0] == "interp":
                out.append(self.eval(n[1], scope))
            elif n[0] == "if":
                cond = self.eval(n[1], scope)
                if isinstance(cond, Unresolved):
                    raise _TemplateUnknown(Unresolved(cond.name, f"%{{ if }} condition unknown ({cond.reason})"))
                if cond in ("true", "false"):
                    cond = cond == "true"
                if not isinstance(cond, bool):
                    raise EvalError("%{ if } condition is not a bool")
                out.extend(self._render_nodes(n[2] if cond else n[3], scope))
            elif n[0] == "for":
                key_name, value_name, expr, body = n[1], n[2], n[3], n[4]
                coll = self.eval(expr, scope)
                if isinstance(coll, Unresolved):
                    raise _TemplateUnknown(Unresolved(coll.name, f"%{{ for }} collection unknown ({coll.reason})"))
                if isinstance(coll, dict):
                    pairs = [(k, coll[k]) for k in sorted(coll)]
                elif isinstance(coll, (list, tuple)):
                    pairs = list(enumerate(coll))
                else:
                    raise EvalError("%{ for } over a value that is not a collection")
                for k, v in pairs:
                    names = {value_name: v}
                    if key_name:
                        names[key_name] = k
                    out.extend(self._render_nodes(body, scope.child(names)))
        return out

    def _join(self, parts: list[Any]) -> Any:
        texts = [to_text(p) for p in parts]
        if any(isinstance(t, Unresolved) for t in texts):
            first = next(t for t in texts if isinstance(t, Unresolved))
            if len(texts) == 1:
                return first
            flat: list[Any] = []
            for t in texts:
                flat.extend(t.parts if isinstance(t, PartialText) else [t])
            return PartialText(first.name, first.reason, None, tuple(flat))
        return "".join(texts)

    def _e_template_string(self, node: Tree, scope: Scope) -> Any:
        return _unescape(str(node.children[0])[2:-2])

    def _heredoc(self, text: str, trim: bool, scope: Scope) -> Any:
        first_nl = text.index("\n")
        marker = text[3 if trim else 2:first_nl].strip()
        body = text[first_nl + 1:]
        body = body[:body.rstrip().rfind(marker)] if body.rstrip().endswith(marker) else body
        lines = body.split("\n")
        if trim:
            indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
            cut = min(indents) if indents else 0
            lines = [ln[cut:] for ln in lines]
        return self.template("\n".join(lines), scope)

    def _e_heredoc_template(self, node: Tree, scope: Scope) -> Any:
        return self._heredoc(str(node.children[0]), False, scope)

    def _e_heredoc_template_trim(self, node: Tree, scope: Scope) -> Any:
        return self._heredoc(str(node.children[0]), True, scope)

    def template(self, text: str, scope: Scope) -> Any:
        """Evaluate a template body (heredoc or ``templatefile``): ``${expr}`` interpolations and
        ``%{ if }``/``%{ for }`` directives (see :meth:`render`)."""
        return self.render(_text_items(text), scope)

    # ---- JSON syntax (``*.tf.json``): strings are templates, the rest literal ------------------------------

    def _e_json(self, node: Tree, scope: Scope) -> Any:
        return self._json_value(node.children[0], scope)

    def _json_value(self, v: Any, scope: Scope) -> Any:
        if isinstance(v, str):
            return self.template(v, scope)
        if isinstance(v, list):
            return [self._json_value(x, scope) for x in v]
        if isinstance(v, dict):
            return {k: self._json_value(x, scope) for k, x in v.items()}
        return v

    def _e_json_literal(self, node: Tree, scope: Scope) -> Any:
        return node.children[0]

    # ---- collections -----------------------------------------------------------------------------------

    def _e_tuple(self, node: Tree, scope: Scope) -> Any:
        return [self.eval(k, scope) for k in self._kids(node)]

    def _e_object(self, node: Tree, scope: Scope) -> Any:
        out: dict[str, Any] = {}
        for elem in self._kids(node):
            kids = [c for c in elem.children if not isinstance(c, Token)]
            key_node, value_node = kids[0], kids[-1]
            key = self._object_key(key_node, scope)
            if isinstance(key, Unresolved):
                return key
            out[key] = self.eval(value_node, scope)
        return out

    def _object_key(self, node: Tree, scope: Scope) -> Any:
        inner = [c for c in node.children if not isinstance(c, Token)]
        if not inner:
            return str(node.children[0])
        expr = inner[0]
        # a bare identifier key is the literal name (``{ Name = "x" }``)
        if expr.data == "expr_term":
            kids = self._kids(expr)
            if len(kids) == 1 and isinstance(kids[0], Tree) and kids[0].data == "identifier":
                return str(kids[0].children[0])
            if len(kids) == 1 and isinstance(kids[0], Tree) and kids[0].data == "literal_value":
                return str(kids[0].children[0])
        if expr.data in ("identifier", "keyword"):
            return str(expr.children[0])
        return to_text(self.eval(expr, scope))

    # ---- operators -------------------------------------------------------------------------------------

    def _e_conditional(self, node: Tree, scope: Scope) -> Any:
        kids = [c for c in self._kids(node) if not isinstance(c, Token)]
        cond = _bool(self.eval(kids[0], scope))
        if isinstance(cond, Unresolved):
            a, b = self.eval(kids[1], scope), self.eval(kids[2], scope)
            return a if a == b and not isinstance(a, Unresolved) else cond
        return self.eval(kids[1] if cond else kids[2], scope)

    def _e_unary_op(self, node: Tree, scope: Scope) -> Any:
        op = str(node.children[0])
        v = self.eval(node.children[1], scope)
        if isinstance(v, Unresolved):
            return v
        if op == "-":
            return -_num(v)
        return not _bool(v)

    def _e_binary_op(self, node: Tree, scope: Scope) -> Any:
        kids = [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        left_node, term = kids[0], kids[1]
        tk = [c for c in term.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        op = str(tk[0].children[0])
        left = self.eval(left_node, scope)
        if op == "&&" and left is False:
            return False
        if op == "||" and left is True:
            return True
        right = self.eval(tk[1], scope)
        if op in ("==", "!="):
            u = first_unresolved(left, right)
            if u is not None:
                return u
            eq = _norm(left) == _norm(right)
            return eq if op == "==" else not eq
        if op in ("&&", "||"):
            lb, rb = _bool(left), _bool(right)
            if op == "&&":
                if rb is False:
                    return False
                return lb if isinstance(lb, Unresolved) else rb
            if rb is True:
                return True
            return lb if isinstance(lb, Unresolved) else rb
        a, b = _num(left), _num(right)
        if isinstance(a, Unresolved) or isinstance(b, Unresolved):
            return a if isinstance(a, Unresolved) else b
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                raise EvalError("division by zero")
            r = a / b
            return int(r) if isinstance(r, float) and r.is_integer() else r
        if op == "%":
            return a % b
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]

    # ---- traversal -------------------------------------------------------------------------------------

    def _e_get_attr_expr_term(self, node: Tree, scope: Scope) -> Any:
        base = self.eval(node.children[0], scope)
        return self._apply(base, node.children[1], scope)

    def _e_index_expr_term(self, node: Tree, scope: Scope) -> Any:
        base = self.eval(node.children[0], scope)
        return self._apply(base, node.children[1], scope)

    def _apply(self, base: Any, op: Tree, scope: Scope) -> Any:
        if op.data == "get_attr":
            name = str([c for c in op.children if isinstance(c, Tree)][0].children[0])
            return get_attr(base, name)
        if op.data == "braces_index":
            key = self.eval(self._kids(op)[0], scope)
            return index(base, key)
        if op.data == "short_index":
            return index(base, int(str(op.children[1])))
        raise EvalError(f"unsupported traversal {op.data}")

    def _splat(self, node: Tree, scope: Scope) -> Any:
        base = self.eval(node.children[0], scope)
        if isinstance(base, Unresolved):
            return base
        if base is None:
            return []
        items = list(base.values()) if isinstance(base, dict) and not hasattr(base, "get_attr") else (
            base if isinstance(base, list) else [base])
        ops = [c for c in node.children[1].children if isinstance(c, Tree)]
        out = []
        for item in items:
            v = item
            for op in ops:
                v = self._apply(v, op, scope)
            out.append(v)
        return out

    _e_attr_splat_expr_term = _splat
    _e_full_splat_expr_term = _splat

    # ---- for expressions -------------------------------------------------------------------------------

    def _for_parts(self, node: Tree) -> tuple[list[str], Tree, list[Tree], Tree | None]:
        intro = next(c for c in node.children if isinstance(c, Tree) and c.data == "for_intro")
        names = [str(c.children[0]) for c in intro.children if isinstance(c, Tree) and c.data == "identifier"]
        coll = [c for c in intro.children if isinstance(c, Tree) and c.data not in ("identifier", "new_line_or_comment")][0]
        cond = next((c for c in node.children if isinstance(c, Tree) and c.data == "for_cond"), None)
        body = [c for c in node.children if isinstance(c, Tree)
                and c.data not in ("for_intro", "for_cond", "new_line_or_comment")]
        cond_expr = [c for c in cond.children if isinstance(c, Tree) and c.data != "new_line_or_comment"][0] if cond else None
        return names, coll, body, cond_expr

    def _iterate(self, names: list[str], coll: Any) -> list[dict[str, Any]]:
        if isinstance(coll, dict) and not hasattr(coll, "get_attr"):
            pairs = list(coll.items())
        else:
            pairs = list(enumerate(_seq(coll)))
        out = []
        for k, v in pairs:
            out.append({names[0]: v} if len(names) == 1 else {names[0]: k, names[1]: v})
        return out

    def _e_for_tuple_expr(self, node: Tree, scope: Scope) -> Any:
        names, coll_node, body, cond = self._for_parts(node)
        coll = self.eval(coll_node, scope)
        if isinstance(coll, Unresolved):
            return coll
        out = []
        for binding in self._iterate(names, coll):
            s = scope.child(binding)
            if cond is not None:
                c = _bool(self.eval(cond, s))
                if isinstance(c, Unresolved):
                    return c
                if not c:
                    continue
            out.append(self.eval(body[0], s))
        return out

    def _e_for_object_expr(self, node: Tree, scope: Scope) -> Any:
        names, coll_node, body, cond = self._for_parts(node)
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        coll = self.eval(coll_node, scope)
        if isinstance(coll, Unresolved):
            return coll
        out: dict[str, Any] = {}
        for binding in self._iterate(names, coll):
            s = scope.child(binding)
            if cond is not None:
                c = _bool(self.eval(cond, s))
                if isinstance(c, Unresolved):
                    return c
                if not c:
                    continue
            key = to_text(self.eval(body[0], s))
            if isinstance(key, Unresolved):
                return key
            value = self.eval(body[1], s)
            if grouping:
                out.setdefault(key, []).append(value)
            else:
                out[key] = value
        return out

    # ---- functions -------------------------------------------------------------------------------------

    def _e_function_call(self, node: Tree, scope: Scope) -> Any:
        idents = [c for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
        name = str(idents[-1].children[0])
        args_node = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        arg_nodes = self._kids(args_node) if args_node is not None else []
        expand = args_node is not None and any(isinstance(c, Token) and c.type == "ELLIPSIS"
                                               for c in args_node.children)
        arg_nodes = [a for a in arg_nodes if not isinstance(a, Token)]
        if name in ("try", "can"):
            for a in arg_nodes:
                try:
                    v = self.eval(a, scope)
                except (EvalError, KeyError):
                    if name == "can":
                        return False
                    continue
                if name == "can":
                    return v if isinstance(v, Unresolved) else True
                return v
            if name == "can":
                return False
            raise EvalError("try(): no argument could be evaluated")
        args = [self.eval(a, scope) for a in arg_nodes]
        if expand and args:
            last = args.pop()
            if isinstance(last, Unresolved):
                return last
            args.extend(_seq(last))
        if name == "file":
            return self._file(args, scope)
        if name == "templatefile":
            return self._templatefile(args, scope)
        fn = FUNCTIONS.get(name)
        if fn is None:
            self.unknown_functions.add(name)
            return Unresolved(f"{name}()", f"function {name}() is not evaluated by rdslink")
        if name == "element" and len(args) == 2 and isinstance(args[0], Unresolved) and isinstance(args[1], int):
            return index(args[0], args[1])  # element(<unknown AZ list>, i): the i-th unknown value
        if name in _ACCEPTS_UNRESOLVED:
            u = None if name in ("coalesce", "coalescelist", "jsonencode") else next(
                (a for a in args if isinstance(a, Unresolved)), None)
        else:
            u = first_unresolved(*args)
        if u is not None:
            return Unresolved(u.name, u.reason, u.index) if isinstance(u, PartialText) else u
        try:
            return fn(*args)
        except EvalError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError) as exc:
            raise EvalError(f"{name}(): {exc}") from None

    def _file(self, args: list[Any], scope: Scope) -> Any:
        if isinstance(args[0], Unresolved):
            return args[0]
        path = os.path.join(scope.base_dir, args[0]) if not os.path.isabs(args[0]) else args[0]
        try:
            return read_text(path, str(args[0]))
        except InputError:
            return Unresolved(f"file({args[0]})", "file not readable")

    def _templatefile(self, args: list[Any], scope: Scope) -> Any:
        text = self._file(args[:1], scope)
        if isinstance(text, Unresolved):
            return text
        extra = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        return self.template(text, Scope(lambda n: (_ for _ in ()).throw(KeyError(n)), scope.base_dir, extra))


class _TemplateUnknown(Exception):
    """Aborts a template whose directive condition/collection is unknown."""

    def __init__(self, value: Unresolved) -> None:
        super().__init__(value.name)
        self.value = value


_DIRECTIVES = {"template_if_start": "if", "template_else": "else", "template_endif": "endif",
               "template_for_start": "for", "template_endfor": "endfor", "interpolation": "interp"}


def _tree_item(sub: Tree) -> tuple[Any, ...]:
    """One ``string_part`` tree of python-hcl2 (interpolation or directive) as a template item."""
    kind = _DIRECTIVES.get(str(sub.data))
    if kind is None:
        raise EvalError(f"unsupported template part {sub.data}")
    toks = [str(c) for c in sub.children if isinstance(c, Token)]
    strip_l = len(toks) > 1 and toks[1] == "~"
    strip_r = len(toks) > 1 and toks[-2] == "~"
    trees = [c for c in sub.children if isinstance(c, Tree)]
    if kind in ("interp", "if"):
        return (kind, trees[-1], strip_l, strip_r)
    if kind == "for":
        names = [str(t.children[0]) for t in trees[:-1]]
        key_name, value_name = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return ("for", (key_name, value_name, trees[-1]), strip_l, strip_r)
    return (kind, None, strip_l, strip_r)


_FOR_RE = re.compile(r"^for\s+([A-Za-z_][\w-]*)(?:\s*,\s*([A-Za-z_][\w-]*))?\s+in\s+(.+)$", re.S)


def _parse_template_expr(text: str) -> Any:
    try:
        return parse_expression(text)
    except RecursionError:
        raise
    except Exception as exc:  # lark raises several exception classes for syntax errors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EvalError(f"invalid expression in template: {first}") from None


def _text_items(text: str) -> list[tuple[Any, ...]]:
    """Split a template text (heredoc body, ``templatefile`` file) into template items.

    Raises:
        EvalError: an unterminated ``${``/``%{`` or an unknown directive.
    """
    items: list[tuple[Any, ...]] = []
    buf: list[str] = []
    i = 0
    while i < len(text):
        two = text[i:i + 2]
        if text[i:i + 3] in ("$${", "%%{"):
            buf.append(text[i + 1:i + 3])
            i += 3
            continue
        if two not in ("${", "%{"):
            buf.append(text[i])
            i += 1
            continue
        depth, p, in_str = 1, i + 2, False
        while p < len(text) and depth:
            c = text[p]
            if c == '"' and text[p - 1] != "\\":
                in_str = not in_str
            elif not in_str and c == "{":
                depth += 1
            elif not in_str and c == "}":
                depth -= 1
            p += 1
        if depth:
            raise EvalError("unterminated template sequence")
        if buf:
            items.append(("text", "".join(buf)))
            buf = []
        inner = text[i + 2:p - 1]
        strip_l = inner.startswith("~")
        strip_r = inner.endswith("~")
        inner = inner[1 if strip_l else 0:len(inner) - (1 if strip_r else 0)].strip()
        if two == "${":
            items.append(("interp", _parse_template_expr(inner), strip_l, strip_r))
        elif inner.startswith("if ") or inner.startswith("if("):
            items.append(("if", _parse_template_expr(inner[2:]), strip_l, strip_r))
        elif inner in ("else", "endif", "endfor"):
            items.append((inner, None, strip_l, strip_r))
        elif (mt := _FOR_RE.match(inner)) is not None:
            key_name, value_name = (mt.group(1), mt.group(2)) if mt.group(2) else (None, mt.group(1))
            items.append(("for", (key_name, value_name, _parse_template_expr(mt.group(3))), strip_l, strip_r))
        else:
            raise EvalError(f"unknown template directive %{{{inner}}}")
        i = p
    if buf:
        items.append(("text", "".join(buf)))
    return items


def _template_tree(items: list[tuple[Any, ...]], i: int, stops: tuple[str, ...]
                   ) -> tuple[list[tuple[Any, ...]], int]:
    """Nest template items: ``("if", cond, then, else)`` and ``("for", key, value, expr, body)``; returns the
    nodes and the index of the stop item (``len(items)`` at the end)."""
    nodes: list[tuple[Any, ...]] = []
    while i < len(items):
        kind = items[i][0]
        if kind in stops:
            return nodes, i
        if kind in ("text", "interp"):
            nodes.append(items[i][:2])
            i += 1
        elif kind == "if":
            then, j = _template_tree(items, i + 1, ("else", "endif"))
            other: list[tuple[Any, ...]] = []
            if j < len(items) and items[j][0] == "else":
                other, j = _template_tree(items, j + 1, ("endif",))
            if j >= len(items) or items[j][0] != "endif":
                raise EvalError("%{ if } without %{ endif }")
            nodes.append(("if", items[i][1], then, other))
            i = j + 1
        elif kind == "for":
            body, j = _template_tree(items, i + 1, ("endfor",))
            if j >= len(items):
                raise EvalError("%{ for } without %{ endfor }")
            key_name, value_name, expr = items[i][1]
            nodes.append(("for", key_name, value_name, expr, body))
            i = j + 1
        else:
            raise EvalError(f"unexpected %{{ {kind} }} in template")
    if stops:
        raise EvalError(f"template directive without %{{ {stops[-1]} }}")
    return nodes, i


def _attribute_expr(tree: Tree) -> Any:
    """The expression of the single ``x = <expr>`` attribute of a parsed body."""
    body = tree.children[0]
    attr = next(c for c in body.children if isinstance(c, Tree) and c.data == "attribute")
    return attr.children[-1]


def parse_expression(text: str) -> Any:
    """Parse one HCL expression (``--var`` values of complex types)."""
    import hcl2

    return _attribute_expr(hcl2.parses_to_tree(f"x = {text}"))


def _norm(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_norm(x) for x in v]
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    return v


# ---- built-in functions (Terraform's names and semantics; those that matter for network/IAM values) -----


def _cidrsubnet(prefix: str, newbits: Any, netnum: Any) -> str:
    net = ipaddress.ip_network(prefix, strict=False)
    newbits, netnum = int(newbits), int(netnum)
    new_prefix = net.prefixlen + newbits
    if new_prefix > net.max_prefixlen:
        raise EvalError(f"cidrsubnet: insufficient address space to extend prefix of {net.prefixlen} by {newbits}")
    if netnum >= 2 ** newbits:
        raise EvalError(f"cidrsubnet: prefix extension of {newbits} does not accommodate a subnet numbered {netnum}")
    size = 2 ** (net.max_prefixlen - new_prefix)
    base = int(net.network_address) + netnum * size
    return str(ipaddress.ip_network((base, new_prefix)))


def _cidrsubnets(prefix: str, *bits: Any) -> list[str]:
    net = ipaddress.ip_network(prefix, strict=False)
    out = []
    current = int(net.network_address)
    for b in bits:
        plen = net.prefixlen + int(b)
        size = 2 ** (net.max_prefixlen - plen)
        if current % size:
            current += size - current % size
        out.append(str(ipaddress.ip_network((current, plen))))
        current += size
    return out


def _cidrhost(prefix: str, num: Any) -> str:
    net = ipaddress.ip_network(prefix, strict=False)
    n = int(num)
    addr = (net.broadcast_address + 1 + n) if n < 0 else net.network_address + n
    return str(addr)


def _element(lst: Any, i: Any) -> Any:
    lst = _seq(lst)
    if not lst:
        raise EvalError("element(): empty list")
    return lst[int(i) % len(lst)]


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if isinstance(m, dict) and key in m:
        return m[key]
    if default:
        return default[0]
    raise EvalError(f"lookup(): no key {key!r}")


def _merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for mp in maps:
        if mp is None:
            continue
        if not isinstance(mp, dict):
            raise EvalError("merge(): arguments must be maps or objects")
        out.update(mp)
    return out


def _flatten(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in _seq(v):
        if isinstance(x, list):
            out.extend(_flatten(x))
        else:
            out.append(x)
    return out


def _distinct(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in _seq(v):
        if x not in out:
            out.append(x)
    return out


def _coalesce(*args: Any) -> Any:
    for a in args:
        if isinstance(a, Unresolved):
            return a
        if a is not None and a != "":
            return a
    raise EvalError("coalesce(): no non-null argument")


def _coalescelist(*args: Any) -> Any:
    for a in args:
        if isinstance(a, Unresolved):
            return a
        if a:
            return a
    return []


def _jsonencode(v: Any) -> Any:
    if first_unresolved(v) is not None:
        return Encoded(v)
    return json.dumps(_plain(v), separators=(",", ":"))


def _plain(v: Any) -> Any:
    if isinstance(v, Encoded):
        return _plain(v.value)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _jsondecode(v: Any) -> Any:
    if isinstance(v, Encoded):
        return v.value
    try:
        return json.loads(v)
    except ValueError as exc:
        raise EvalError(f"jsondecode(): {exc}") from None


def _tonumber(v: Any) -> Any:
    return None if v is None else _num(v)


def _tobool(v: Any) -> Any:
    return None if v is None else _bool(v)


def _format(fmt: str, *args: Any) -> str:
    out: list[str] = []
    i = 0
    ai = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            j = i + 1
            while j < len(fmt) and fmt[j] in "0123456789.-+# ":
                j += 1
            verb = fmt[j] if j < len(fmt) else ""
            if verb == "%":
                out.append("%")
            else:
                spec = fmt[i + 1:j]
                arg = args[ai] if ai < len(args) else ""
                ai += 1
                if verb == "d":
                    out.append(("%" + spec + "d") % int(_num(arg)))
                elif verb in "fFeEgG" and verb:
                    out.append(("%" + spec + verb) % float(_num(arg)))
                elif verb == "q":
                    out.append(json.dumps(to_text(arg)))
                else:
                    out.append(("%" + spec + "s") % to_text(arg) if spec else to_text(arg))
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _replace(s: str, old: str, new: str) -> str:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        import re

        return re.sub(old[1:-1], new.replace("$", "\\"), s)
    return s.replace(old, new)


def _range(*args: Any) -> list[Any]:
    nums = [int(_num(a)) for a in args]
    return list(range(*nums))


def _one(v: Any) -> Any:
    items = _seq(v)
    if not items:
        return None
    if len(items) > 1:
        raise EvalError("one(): more than one element")
    return items[0]


def _index(lst: Any, v: Any) -> int:
    items = _seq(lst)
    if v not in items:
        raise EvalError("index(): value not in list")
    return items.index(v)


def _substr(s: str, offset: Any, length: Any) -> str:
    o, n = int(offset), int(length)
    return s[o:] if n == -1 else s[o:o + n]


def _length(v: Any) -> int:
    if isinstance(v, str):
        return len(v)
    if hasattr(v, "get_attr"):
        raise EvalError("length() of a resource instance")
    return len(_seq(v)) if not isinstance(v, dict) else len(v)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "cidrsubnet": _cidrsubnet,
    "cidrsubnets": _cidrsubnets,
    "cidrhost": _cidrhost,
    "cidrnetmask": lambda p: str(ipaddress.ip_network(p, strict=False).netmask),
    "element": _element,
    "length": _length,
    "concat": lambda *ls: [x for lst in ls for x in _seq(lst)],
    "merge": _merge,
    "lookup": _lookup,
    "values": lambda m: list(m.values()) if isinstance(m, dict) else _seq(m),
    "keys": lambda m: sorted(m.keys()) if isinstance(m, dict) else (_ for _ in ()).throw(EvalError("keys()")),
    "flatten": _flatten,
    "distinct": _distinct,
    "compact": lambda v: [x for x in _seq(v) if x not in (None, "")],
    "join": lambda sep, *ls: sep.join(to_text(x) for lst in ls for x in _seq(lst)),
    "split": lambda sep, s: s.split(sep),
    "format": _format,
    "formatlist": lambda fmt, *ls: [_format(fmt, *row) for row in zip(*[_seq(x) for x in ls], strict=True)],
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "title": lambda s: s.title(),
    "trimspace": lambda s: s.strip(),
    "trim": lambda s, chars: s.strip(chars),
    "trimprefix": lambda s, p: s[len(p):] if s.startswith(p) else s,
    "trimsuffix": lambda s, p: s[:-len(p)] if p and s.endswith(p) else s,
    "startswith": lambda s, p: s.startswith(p),
    "endswith": lambda s, p: s.endswith(p),
    "replace": _replace,
    "substr": _substr,
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "tostring": lambda v: None if v is None else to_text(v),
    "tonumber": _tonumber,
    "tobool": _tobool,
    "tolist": lambda v: _seq(v),
    "toset": lambda v: _distinct(v),
    "tomap": lambda v: dict(v),
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "contains": lambda lst, v: _norm(v) in [_norm(x) for x in _seq(lst)],
    "slice": lambda lst, a, b: _seq(lst)[int(a):int(b)],
    "zipmap": lambda ks, vs: dict(zip([to_text(k) for k in _seq(ks)], _seq(vs), strict=True)),
    "range": _range,
    "min": lambda *a: min(_num(x) for x in a),
    "max": lambda *a: max(_num(x) for x in a),
    "sum": lambda v: sum(_num(x) for x in _seq(v)),
    "abs": lambda v: abs(_num(v)),
    "ceil": lambda v: math.ceil(_num(v)),
    "floor": lambda v: math.floor(_num(v)),
    "one": _one,
    "index": _index,
    "sort": lambda v: sorted(to_text(x) for x in _seq(v)),
    "reverse": lambda v: list(reversed(_seq(v))),
    "chunklist": lambda v, n: [_seq(v)[i:i + int(n)] for i in range(0, len(_seq(v)), int(n))],
    "setunion": lambda *ls: _distinct([x for lst in ls for x in _seq(lst)]),
    "setintersection": lambda a, *ls: [x for x in _distinct(a) if all(x in _seq(o) for o in ls)],
    "setsubtract": lambda a, b: [x for x in _distinct(a) if x not in _seq(b)],
    "transpose": lambda m: {v: sorted(k for k in m if v in m[k]) for vs in m.values() for v in vs},
    "alltrue": lambda v: all(_bool(x) for x in _seq(v)),
    "anytrue": lambda v: any(_bool(x) for x in _seq(v)),
    "regex": lambda pat, s: __import__("re").search(pat, s).group(0),
    "regexall": lambda pat, s: [m.group(0) for m in __import__("re").finditer(pat, s)],
    "strcontains": lambda s, sub: sub in s,
    "setproduct": lambda *ls: [list(t) for t in __import__("itertools").product(*[_seq(x) for x in ls])],
    "matchkeys": lambda vals, keys, search: [v for v, k in zip(_seq(vals), _seq(keys), strict=True) if k in _seq(search)],
    "urlencode": lambda s: __import__("urllib.parse").parse.quote(s, safe=""),
    "pathexpand": lambda s: s,
    "basename": lambda s: s.rstrip("/").rsplit("/", 1)[-1],
    "dirname": lambda s: s.rsplit("/", 1)[0] if "/" in s else ".",
    "can_placeholder": lambda *a: True,
    "tuple": lambda v: _seq(v),
    "nonsensitive": lambda v: v,
    "sensitive": lambda v: v,
    "md5": lambda s: __import__("hashlib").md5(s.encode()).hexdigest(),
    "sha1": lambda s: __import__("hashlib").sha1(s.encode()).hexdigest(),
    "sha256": lambda s: __import__("hashlib").sha256(s.encode()).hexdigest(),
    "base64encode": lambda s: __import__("base64").b64encode(s.encode()).decode(),
    "base64decode": lambda s: __import__("base64").b64decode(s).decode(),
}
FUNCTIONS.pop("can_placeholder")

#: Functions that decide something even from partly unresolved arguments (they look inside themselves).
_ACCEPTS_UNRESOLVED = frozenset({"jsonencode", "coalesce", "coalescelist", "length", "concat", "merge",
                                 "compact", "flatten", "distinct", "tolist", "toset", "values", "nonsensitive",
                                 "sensitive", "tuple", "element", "lookup", "one", "slice", "zipmap"})
