"""Load one or more CloudFormation/SAM templates (with parameters, bindings, imports, nested stacks) into an
:class:`~rdslink.model.Inventory`.

Cross-input wiring follows CloudFormation: ``Fn::ImportValue`` is matched against the ``Export`` names of every
input; an exporter whose export names contain ``AWS::StackName`` is unified with the importer's expected name
(``${vpcStackName}-db-host`` matches ``!Join ["-", [!Ref AWS::StackName, db-host]]`` with the stack named
``vpcStackName``'s value), consistently for all its exports.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...model import Inventory, SourceIssue, Unresolved
from ..errors import InputError
from ..secrets import register_secret
from .decode import SAM_TRANSFORM, SECRETS_TRANSFORMS, apply_sam, line_of, read_template, transforms_of
from .engine_ports import ENGINE_PORTS, PROXY_FAMILY_PORTS, engine_port  # noqa: F401 (re-exported)
from .stack import CycleError, DanglingRef, Stack, is_no_echo, local_template_path, short_hash, stringify

#: Default ports by engine (RDS CreateDBInstance "Port" defaults).
#: Deepest chain of nested stacks expanded (a template that includes itself is reported at once).
MAX_NESTING = 20

#: Placeholder for AWS::StackName of a top-level input (its deployed name is not in the template); export
#: names that contain it are unified with the importer's expected name. Matched case-insensitively because
#: some identifiers are lower-cased by RDS.
_TOKEN_RE = re.compile(r"\{\{StackName(\d+)\}\}", re.I)
#: ``{{resolve:ssm:NAME}}`` or ``{{resolve:ssm:NAME:VERSION}}`` (not ``ssm-secure``). Names may contain ``:``
#: only as part of an ARN, which is not modelled; the version is a number.
_SSM_REF_RE = re.compile(r"\{\{resolve:ssm:([^:}]+)(?::\d+)?\}\}")


class TemplateLoader:
    """Loads templates and evaluates them together.

    Args:
        region: AWS region assumed for pseudo parameters and Fn::GetAZs (``us-east-1``).
    """

    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region
        self.stacks: list[Stack] = []
        self.all_stacks: list[Stack] = []
        self.issues: list[SourceIssue] = []
        self.dangling: list[DanglingRef] = []
        self.warnings: list[str] = []
        self._active: list[tuple[Any, str]] = []
        self._active_keys: set[Any] = set()
        self._tokens: dict[str, str] = {}
        self._token_count = 0
        self._issue_keys: set[tuple[str, tuple[str, ...]]] = set()
        #: ``--templates-dir``: folder of child templates that S3/HTTPS TemplateURLs name by file name.
        self.templates_dir: str | None = None
        self._ssm_cache: tuple[int, dict[str, tuple[Stack, str]]] | None = None
        #: S3 object key (file name) -> local template, from a cloud assembly's asset manifests.
        self.template_files: dict[str, str] = {}
        #: ``--account``/``--live``/``--stack``: SSM parameter value by name (None when unknown) and the
        #: Region's exports; consulted only for what no input defines. ``account_values`` lists what was used.
        self.account_ssm: Any = None
        #: SSM parameter value by name that other inputs of the run write (Terraform ``aws_ssm_parameter``)
        self.input_ssm: Any = None
        self.account_exports: dict[str, str] = {}
        self.account_values: list[str] = []
        self._chains: dict[int, tuple[str, ...]] = {}  # id(stack) -> files from the top-level input down

    # ---- bookkeeping ---------------------------------------------------------------------------------

    @contextmanager
    def guard(self, key: Any, label: str) -> Iterator[None]:
        """Detect dependency cycles (Ref/GetAtt/Outputs/ImportValue) and raise :class:`CycleError`."""
        if key in self._active_keys:
            chain = [lbl for k, lbl in self._active]
            start = next((i for i, (k, _) in enumerate(self._active) if k == key), 0)
            raise CycleError(chain[start:] + [label])
        self._active.append((key, label))
        self._active_keys.add(key)
        try:
            yield
        finally:
            self._active.pop()
            self._active_keys.discard(key)

    def add_issue(self, check: str, resources: tuple[str, ...], evidence: str, input_name: str,
                  severity: str = "warning") -> None:
        k = (check, resources)
        if k in self._issue_keys:
            return
        self._issue_keys.add(k)
        self.issues.append(SourceIssue(check, resources, evidence, input_name, severity))

    def new_token(self) -> str:
        self._token_count += 1
        return f"{{{{StackName{self._token_count}}}}}"

    def display(self, text: str) -> str:
        """Replace stack-name tokens by the unified stack name (or ``<StackName>``)."""
        return _TOKEN_RE.sub(lambda m: self._tokens.get(m.group(0), m.group(0)), text)

    # ---- inputs --------------------------------------------------------------------------------------

    def prepare(self, path: str, display: str, region: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Read and transform a template (for ``region``, default the loader's); returns (transformed,
        original)."""
        return self.prepare_decoded(read_template(path, display), display, region)

    def prepare_decoded(self, original: dict[str, Any], display: str, region: str | None = None
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply the modelled transforms to a decoded template; returns (transformed, original)."""
        template = original
        names = transforms_of(original)
        for name in names:
            if name not in (SAM_TRANSFORM, *SECRETS_TRANSFORMS):
                self.add_issue(
                    "RL003",
                    (name,),
                    f"transform {name} is not modelled ({display}); resources it generates are not analysed",
                    display,
                )
        if any(t in names for t in SECRETS_TRANSFORMS):
            from .transforms import apply_secrets_manager_transform

            template = apply_secrets_manager_transform(template)
        if SAM_TRANSFORM in names:
            template = apply_sam(dict(template), display, region or self.region)
        return template, original

    def add_input(self, path: str, display: str, params: dict[str, Any],
                  environment: tuple[str | None, str | None] = (None, None)) -> Stack:
        """Add a top-level template input. ``params`` maps parameter name -> raw value or lazy callable;
        ``environment`` is the stack's (account, Region) when an input states it (None: not known)."""
        template, original = self.prepare(path, display, environment[1])
        declared = template.get("Parameters") or {}
        for name in params:
            if name not in declared:
                self.warnings.append(f"{display}: parameter {name} given but not declared by the template")
        stack = Stack(
            loader=self,
            input_name=display,
            path=display,
            template=template,
            prefix="",
            param_values=dict(params),
            stack_name=self.new_token(),
            original=original,
            env_account=environment[0],
            env_region=environment[1],
        )
        self.stacks.append(stack)
        self.all_stacks.append(stack)
        return stack

    def nested_stack(self, parent: Stack, logical: str) -> Stack | None:
        """Instantiate ``AWS::CloudFormation::Stack`` (local TemplateURL) or ``AWS::CloudFormation::StackSet``
        (inline TemplateBody) as a child named ``<Parent>/<Child>``; None (and RL003) when unavailable."""
        res = parent.resources.get(logical) or {}
        rtype = parent.resource_type(logical)
        raw_props = res.get("Properties") or {}
        qid = parent.qid(logical)
        template: dict[str, Any] | None = None
        original: dict[str, Any] | None = None
        child_path = parent.path
        kind = "nested stack" if rtype == "AWS::CloudFormation::Stack" else "StackSet"
        if rtype == "AWS::CloudFormation::Stack" or (
                "TemplateBody" not in raw_props and "TemplateURL" in raw_props):
            url_node = raw_props.get("TemplateURL")
            url = parent.resolve(url_node, origin=logical)
            local = self.template_file(parent.path, url, url_node, res)
            if local is None or not os.path.isfile(local):
                hint = "" if self.templates_dir else "; pass --templates-dir DIR with the child templates"
                self.add_issue(
                    "RL003",
                    (qid,),
                    f"{kind} {qid}: template {url if isinstance(url, str) else '(unresolved)'} is not "
                    f"available locally ({parent.where(res, logical)}); its resources are not analysed{hint}",
                    parent.input_name,
                )
                return None
            chain = self._chains.get(id(parent), (os.path.realpath(parent.path),))
            if os.path.realpath(local) in chain or len(chain) > MAX_NESTING:
                self.add_issue(
                    "RL004", (qid,),
                    f"nested stack {qid} ({parent.where(res, logical)}) uses {url}, which "
                    + ("includes itself" if os.path.realpath(local) in chain else f"nests deeper than {MAX_NESTING}")
                    + ": CloudFormation cannot create the stack", parent.input_name, "error")
                return None
            try:
                template, original = self.prepare(local, os.path.relpath(local) if not os.path.isabs(parent.path) else local,
                                                  parent.env_region)
            except InputError as exc:
                raise InputError(exc.file, f"nested stack {qid}: {exc.reason}", exc.line) from None
            child_path = os.path.relpath(local) if not os.path.isabs(parent.path) else local
        else:  # StackSet with inline TemplateBody
            child_path = f"{parent.path}#{qid}.TemplateBody"
            decoded = self.inline_body(parent, logical, raw_props.get("TemplateBody"), child_path)
            if decoded is None:
                return None
            template, original = self.prepare_decoded(decoded, child_path)
        params_node = raw_props.get("Parameters") or {}
        params: dict[str, Any] = {}
        if isinstance(params_node, dict):
            for k, v in params_node.items():
                params[str(k)] = _lazy(parent, v, logical)
        elif isinstance(params_node, list):  # StackSet: [{ParameterKey, ParameterValue}]
            for item in params_node:
                if isinstance(item, dict) and "ParameterKey" in item:
                    params[str(item["ParameterKey"])] = _lazy(parent, item.get("ParameterValue"), logical)
        child = Stack(
            loader=self,
            input_name=parent.input_name,
            path=child_path,
            template=template,
            prefix=qid + "/",
            param_values=params,
            stack_name=f"{parent.stack_name}-{logical}-{short_hash(qid, n=12).upper()}",
            original=original,
        )
        if rtype == "AWS::CloudFormation::Stack":  # a nested stack lives in its parent's account and Region
            child.env_account, child.env_region = parent.env_account, parent.env_region
        self.all_stacks.append(child)
        self._chains[id(child)] = self._chains.get(id(parent), (os.path.realpath(parent.path),)) + (
            os.path.realpath(child_path) if rtype == "AWS::CloudFormation::Stack" else child_path,)
        return child

    def inline_body(self, parent: Stack, logical: str, body: Any, shown: str) -> dict[str, Any] | None:
        """A StackSet's inline ``TemplateBody`` in every form CloudFormation accepts: a YAML or JSON string, a
        mapping (the template itself, written inline), or a string built by ``Fn::Sub``/``Fn::Join``/... of
        the parent's values. None (and RL003) when it cannot be known offline.

        Raises:
            InputError: the body is text that is not a valid template (file ``shown``).
        """
        from .decode import decode_text

        qid = parent.qid(logical)
        is_fn = isinstance(body, dict) and len(body) == 1 and str(next(iter(body))).startswith(("Fn::", "Ref"))
        if is_fn:
            body = stringify(parent.resolve(body, origin=logical))
            if isinstance(body, Unresolved):
                self.add_issue("RL003", (qid,), f"StackSet {qid}: TemplateBody is built from a value that is not "
                               f"known offline ({body.reason}); its resources are not analysed", parent.input_name)
                return None
        if isinstance(body, str):
            return decode_text(str(body), shown)
        if isinstance(body, dict) and not is_fn:
            from .decode import check_template

            return check_template(body, shown)
        self.add_issue("RL003", (qid,), f"StackSet {qid} has no inline TemplateBody or local TemplateURL; not "
                       "analysed", parent.input_name)
        return None

    def template_file(self, parent_path: str, url: Any, url_node: Any = None, resource: Any = None) -> str | None:
        """Local file of a child template: a relative ``TemplateURL`` next to the parent; the CDK asset the
        resource's ``aws:asset:path`` metadata names (next to the parent, as in ``cdk.out``); for an S3/HTTPS URL,
        a template a cloud assembly publishes under that object key, or the file of the same name in
        ``--templates-dir``. ``url_node`` (the unresolved expression) lets a URL built with
        ``Fn::Sub``/``Fn::Join`` whose file name is a literal be matched too."""
        local = local_template_path(parent_path, url)
        if local is not None:
            return local
        meta = resource.get("Metadata") if isinstance(resource, dict) else None
        asset = meta.get("aws:asset:path") if isinstance(meta, dict) else None
        if (isinstance(meta, dict) and isinstance(asset, str) and asset
                and meta.get("aws:asset:property", "TemplateURL") == "TemplateURL"):
            candidate = os.path.join(os.path.dirname(parent_path), asset)
            if os.path.isfile(candidate):
                return candidate
        name = _url_file_name(url) if isinstance(url, str) else _literal_file_name(url_node)
        if not name:
            return None
        if name in self.template_files:
            return self.template_files[name]
        if not self.templates_dir:
            return None
        candidate = os.path.join(self.templates_dir, name)
        return candidate if os.path.isfile(candidate) else None

    # ---- SSM Parameter Store wiring ------------------------------------------------------------------

    def ssm_value(self, name: str, reader: Stack) -> Any:
        """Value an ``AWS::SSM::Parameter`` of the inputs writes under ``name`` (resolved in its own stack), or
        None when no input writes it. Stacks wired through Parameter Store (one writes ``/app/DbEndpoint``,
        another reads ``{{resolve:ssm:/app/DbEndpoint}}`` or an ``AWS::SSM::Parameter::Value<...>``
        parameter whose Default is that name) are joined like ``Fn::ImportValue``. A stack never reads its
        own parameter (CloudFormation resolves the reference before creating it)."""
        index = self._ssm_index()
        hit = index.get(name)
        if hit is None and self.input_ssm is not None:  # written by another kind of input (Terraform)
            value = self.input_ssm(name)
            if value is not None:
                return value
        if hit is None:
            if self.account_ssm is not None:  # --account/--live: Parameter Store itself (never SecureString)
                value = self.account_ssm(name, reader.env_region)  # None: no stated Region
                if value is not None:
                    self.account_values.append(f"SSM {name}")
                return value
            return None
        stack, logical = hit
        if stack is reader:
            return None
        with self.guard(("ssm", name), f"SSM {name}"):
            props = stack.props(logical)
        value = stringify(props.get("Value"))
        if isinstance(value, list):  # Type StringList written as a list (not valid CloudFormation; be lenient)
            value = ",".join(str(stringify(v)) for v in value)
        return value

    def ssm_dynamic(self, text: str, reader: Stack) -> Any:
        """Replace ``{{resolve:ssm:NAME}}`` / ``{{resolve:ssm:NAME:VERSION}}`` in ``text`` by the value an input
        writes under NAME. ``{{resolve:ssm-secure:...}}`` (a SecureString, a secret) is never resolved;
        references no input writes stay as they are (the model builder reports them as RL002)."""
        failed: list[Unresolved] = []

        def repl(m: re.Match[str]) -> str:
            value = self.ssm_value(m.group(1), reader)
            if value is None:
                return m.group(0)
            if isinstance(value, Unresolved):
                failed.append(value)
                return m.group(0)
            return str(value)

        out = _SSM_REF_RE.sub(repl, text)
        if failed:
            return failed[0]
        return out

    def ssm_written(self) -> dict[str, Any]:
        """name -> value of every ``AWS::SSM::Parameter`` the inputs write (for Terraform inputs that read
        them with ``data "aws_ssm_parameter"``)."""
        out: dict[str, Any] = {}
        for name in list(self._ssm_index()):
            try:
                value = self.ssm_value(name, None)  # type: ignore[arg-type]
            except CycleError:
                continue
            if value is not None:
                out[name] = value
        return out

    def _ssm_index(self) -> dict[str, tuple[Stack, str]]:
        if self._ssm_cache is not None and self._ssm_cache[0] == len(self.all_stacks):
            return self._ssm_cache[1]
        index: dict[str, tuple[Stack, str]] = {}
        self._ssm_cache = (len(self.all_stacks), index)  # re-entrant calls while building see a partial index
        for stack in list(self.all_stacks):
            for logical in stack.resources:
                if stack.resource_type(logical) != "AWS::SSM::Parameter" or stack.exists(logical) is not True:
                    continue
                node = (stack.resources[logical].get("Properties") or {}).get("Name")
                if node is None:
                    continue  # CloudFormation generates a name nobody can reference in advance
                try:
                    name = stringify(stack.resolve(node, origin=logical))
                except CycleError:
                    continue
                if isinstance(name, str):
                    index.setdefault(name, (stack, logical))
        return index

    # ---- imports -------------------------------------------------------------------------------------

    def import_value(self, name: str, importer: Stack, origin: str) -> Any:
        """Resolve ``Fn::ImportValue name`` against the exports of every input."""
        for stack in list(self.all_stacks):
            if stack.input_name == importer.input_name:
                continue
            for out_name, out in (stack.template.get("Outputs") or {}).items():
                if not isinstance(out, dict) or not isinstance(out.get("Export"), dict):
                    continue
                if stack.condition(out.get("Condition")) is False:
                    continue
                with self.guard(("export", stack.key(str(out_name))), f"{stack.prefix}Outputs.{out_name}.Export"):
                    export = stringify(stack.resolve(out["Export"].get("Name"), origin=f"Outputs.{out_name}"))
                if not isinstance(export, str):
                    continue
                if self._match_export(export, name):
                    return stack.output(str(out_name), origin=origin)
        if name in self.account_exports:  # --stack: the Region's exports (ListExports)
            self.account_values.append(f"export {name}")
            return self.account_exports[name]
        self.add_issue("RL002", (name,), f"Fn::ImportValue {name}: no input exports it ({importer.path}); add the "
                       "exporting template as an input, or pass --stack NAME to read the Region's exports",
                       importer.input_name)
        return Unresolved(name, f"Fn::ImportValue {name}: no input exports it ({importer.path})")

    def _match_export(self, export: str, wanted: str) -> bool:
        tokens = _TOKEN_RE.findall(export)
        if not tokens:
            return export == wanted
        pattern = ""
        pos = 0
        groups: list[str] = []
        for m in _TOKEN_RE.finditer(export):
            pattern += re.escape(export[pos:m.start()])
            tok = m.group(0)
            if tok in self._tokens:
                pattern += re.escape(self._tokens[tok])
            elif tok in groups:
                pattern += f"(?P=t{groups.index(tok)})"
            else:
                pattern += f"(?P<t{len(groups)}>.+?)"
                groups.append(tok)
            pos = m.end()
        pattern += re.escape(export[pos:])
        match = re.fullmatch(pattern, wanted)
        if not match:
            return False
        for i, tok in enumerate(groups):
            self._tokens[tok] = match.group(f"t{i}")
        return True

    # ---- helpers for the builder ---------------------------------------------------------------------

    def db_port(self, stack: Stack, logical: str) -> Any:
        """``Endpoint.Port`` of a DBInstance/DBCluster: its Port property, its cluster's, or the engine default."""
        props = stack.props(logical)
        if props.get("Port") not in (None, ""):
            return stringify(props["Port"])
        cluster = props.get("DBClusterIdentifier")
        if isinstance(cluster, str) and stack.resource_type(logical) == "AWS::RDS::DBInstance":
            for other in stack.resources:
                if stack.resource_type(other) == "AWS::RDS::DBCluster" and stack.exists(other) is True:
                    if stack.physical(other, "AWS::RDS::DBCluster") == cluster:
                        return self.db_port(stack, other)
        engine = props.get("Engine")
        if isinstance(engine, Unresolved):
            return engine
        port = engine_port(engine)
        return str(port) if port else Unresolved(f"{stack.qid(logical)}.Endpoint.Port", "engine port unknown")

    def evaluate_all(self) -> None:
        """Resolve every existing resource and output of every stack (records dangling refs for RL004)."""
        i = 0
        while i < len(self.all_stacks):
            stack = self.all_stacks[i]
            i += 1
            for logical, res in stack.resources.items():
                if stack.exists(logical) is False:
                    continue
                stack.props(logical)
                for dep in _as_list(res.get("DependsOn")):
                    if str(dep) not in stack.resources or stack.exists(str(dep)) is False:
                        self.dangling.append(DanglingRef(stack.input_name, logical, stack.qid(str(dep)), stack.path))
                if stack.resource_type(logical) in ("AWS::CloudFormation::Stack", "AWS::CloudFormation::StackSet"):
                    stack.child(logical)
            for name, out in (stack.template.get("Outputs") or {}).items():
                if isinstance(out, dict) and stack.condition(out.get("Condition")) is not False:
                    stack.output(str(name), origin=f"Outputs.{name}")

    def load(self) -> Inventory:
        """Evaluate all inputs and build the inventory.

        Raises:
            InputError: a dependency cycle, or anything the decoder rejects.
        """
        from .builder import build_inventory

        try:
            self.evaluate_all()
            inv = build_inventory(self)
        except CycleError as exc:
            first = self.stacks[0].path if self.stacks else "input"
            raise InputError(first, f"dependency cycle: {' -> '.join(exc.chain)}") from None
        self._report_dangling()
        inv.issues.extend(self.issues)
        inv.warnings.extend(self.warnings)
        inv.region = self.region
        inv.source_files = [(s.path, s.input_name, s.prefix) for s in self.all_stacks
                            if not s.path.endswith(".TemplateBody")]
        for s in self.all_stacks:
            for logical, res in s.resources.items():
                meta = res.get("Metadata") if isinstance(res, dict) else None
                cdk_path = meta.get("aws:cdk:path") if isinstance(meta, dict) else None
                if isinstance(cdk_path, str) and cdk_path:
                    inv.construct_paths[(s.path, s.qid(str(logical)))] = cdk_path
        return inv

    def _report_dangling(self) -> None:
        for d in self.dangling:
            self.add_issue(
                "RL004",
                (d.target,),
                f"{d.source or 'a reference'} in {d.where} refers to {d.target}, which does not exist under the "
                "evaluated parameters and conditions: CloudFormation rejects the template "
                "(Unresolved resource dependencies)",
                d.stack,
                "error",
            )


def _url_file_name(url: str) -> str:
    """File name at the end of an S3/HTTPS URL (query and fragment dropped)."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    return path.rstrip("/").rsplit("/", 1)[-1]


def _literal_file_name(node: Any) -> str:
    """File name of a TemplateURL built with ``Fn::Sub``/``Fn::Join`` whose last path segment is a literal
    (``!Sub https://${Bucket}.s3.amazonaws.com/child.yaml``); "" when it is not."""
    if not isinstance(node, dict) or len(node) != 1:
        return ""
    fn, arg = next(iter(node.items()))
    text = ""
    if fn == "Fn::Sub":
        text = arg[0] if isinstance(arg, list) and arg else arg
    elif fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list) and arg[1]:
        text = arg[1][-1]
    if not isinstance(text, str):
        return ""
    name = _url_file_name(text)
    return "" if "${" in name or not name else name


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _lazy(stack: Stack, node: Any, origin: str) -> Any:
    def get() -> Any:
        return stack.resolve(node, origin=origin)

    return get


def parse_cli_parameters(items: list[str], inputs: list[str]) -> dict[str, dict[str, str]]:
    """``[FILE:]NAME=VALUE`` strings -> {input display or "*": {NAME: VALUE}}.

    Raises:
        InputError: malformed item or FILE that is not one of the inputs.
    """
    out: dict[str, dict[str, str]] = {}
    for item in items:
        if "=" not in item:  # no value in it: only a name
            raise InputError("--parameter", f"{item!r} is not NAME=VALUE or FILE:NAME=VALUE")
        key, value = item.split("=", 1)
        target = "*"
        if ":" in key:
            file_part, key = key.rsplit(":", 1)
            match = [i for i in inputs if i == file_part or os.path.basename(i) == file_part
                     or os.path.normpath(i) == os.path.normpath(file_part)]
            if not match:
                raise InputError("--parameter", f"{file_part} in {file_part}:{key}=... is not one of the inputs "
                                 f"({', '.join(inputs)})")
            target = match[0]
        if not key:
            raise InputError("--parameter", "an argument has an empty parameter name (=VALUE)")
        out.setdefault(target, {})[key] = value
    return out


def load_bindings(path: str, inputs: list[str], loader: TemplateLoader) -> dict[str, dict[str, Any]]:
    """Read a bindings file: ``{INPUT: {PARAM: expr}}`` where expr uses ``Ref: "FILE#Logical"`` and
    ``Fn::GetAtt: ["FILE#Logical"|"FILE#Outputs", attr]``; FILE paths are relative to the bindings file.

    Returns {input display: {param: lazy callable}}.

    Raises:
        InputError: unreadable file, a FILE that is not an input, or a binding to a missing resource/output.
    """
    from cfnlint.decode import decode_str

    from ..files import read_capped
    from .decode import MAX_TEMPLATE_BYTES, check_expansion

    raw = read_capped(path, path, MAX_TEMPLATE_BYTES, "bindings file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "bindings file is not UTF-8 text") from None
    try:
        data, matches = decode_str(text)
    except Exception as exc:  # noqa: BLE001 - cfn-lint's decoder reports through matches; be safe
        raise InputError(path, f"cannot parse bindings file: {type(exc).__name__}") from None
    if not matches and isinstance(data, dict):
        check_expansion(data, path)
    if matches or not isinstance(data, dict):
        line = getattr(matches[0], "linenumber", None) if matches else None
        raise InputError(path, "bindings file is not a YAML mapping of INPUT -> {PARAMETER: value}", line)
    base = os.path.dirname(path)

    def find_input(name: str, line: int | None) -> str:
        want = os.path.normpath(os.path.join(base, name))
        for i in inputs:
            if os.path.normpath(i) == want or os.path.abspath(i) == os.path.abspath(want):
                return i
        raise InputError(path, f"{name} is not one of the inputs ({', '.join(inputs)})", line)

    def stack_of(display: str) -> Stack:
        for s in loader.stacks:
            if s.input_name == display:
                return s
        raise InputError(path, f"{display} was not loaded")

    def resolve(node: Any) -> Any:
        line = line_of(node)
        if isinstance(node, dict) and len(node) == 1:
            fn, arg = next(iter(node.items()))
            if fn == "Ref" and isinstance(arg, str) and "#" in arg:
                file_part, logical = arg.split("#", 1)
                st = stack_of(find_input(file_part, line))
                if logical not in st.resources:
                    raise InputError(path, f"binding refers to {arg}, but {file_part} has no resource {logical}", line)
                return st.ref_resource(logical, origin="bindings")
            if fn == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and "#" in str(arg[0]):
                file_part, logical = str(arg[0]).split("#", 1)
                st = stack_of(find_input(file_part, line))
                if logical == "Outputs":
                    if str(arg[1]) not in (st.template.get("Outputs") or {}):
                        raise InputError(path, f"binding refers to output {arg[1]} that {file_part} does not have", line)
                    return st.output(str(arg[1]), origin="bindings")
                if logical not in st.resources:
                    raise InputError(path, f"binding refers to {arg[0]}, but {file_part} has no resource {logical}", line)
                return st.get_att(logical, str(arg[1]), origin="bindings")
            raise InputError(path, f"unsupported expression in bindings: {fn}", line)
        if isinstance(node, list):
            return [resolve(x) for x in node]
        return stringify(node)

    out: dict[str, dict[str, Any]] = {}
    for input_name, params in data.items():
        display = find_input(str(input_name), line_of(params))
        if not isinstance(params, dict):
            raise InputError(path, f"bindings for {input_name} must be a mapping PARAMETER -> value", line_of(params))
        for pname, expr in params.items():
            def make(e: Any = expr) -> Any:
                return resolve(e)

            out.setdefault(display, {})[str(pname)] = make
    return out


def load_templates(
    paths: list[str],
    parameters: list[str] | None = None,
    bindings: str | None = None,
    region: str = "us-east-1",
    templates_dir: str | None = None,
    stack_names: dict[str, str] | None = None,
    template_files: dict[str, str] | None = None,
    account_ssm: Any = None,
    account_exports: dict[str, str] | None = None,
    environments: dict[str, tuple[str | None, str | None]] | None = None,
    input_ssm: Any = None,
    ssm_out: dict[str, Any] | None = None,
) -> Inventory:
    """Load templates given on the command line into one Inventory.

    Args:
        paths: template files (display names as given).
        parameters: ``[FILE:]NAME=VALUE`` strings; lists as comma-separated values.
        bindings: optional bindings file path.
        region: region assumed for pseudo parameters.
        templates_dir: folder holding child templates that S3/HTTPS ``TemplateURL``s name (matched by file
            name).
        stack_names: input path -> deployed stack name (``AWS::StackName``), when known (cloud assemblies).
        template_files: S3 object key file name -> local template (a cloud assembly's published templates).
        account_ssm: callable (SSM name, Region or None) -> value or None (``--account``/``--live``), for names
            no input writes; the Region is the reading stack's stated one (``environments``), else None.
        account_exports: export name -> value (``--stack``), for imports no input exports.
        environments: input path -> (account, Region) the stack is deployed to (a cloud assembly's
            ``environment``; None where environment-agnostic): its ``AWS::AccountId``, ``AWS::Region``,
            ``AWS::Partition``, ``AWS::URLSuffix`` and ``Fn::GetAZs ""``, and the Region of its SSM look-ups.
        input_ssm: callable SSM name -> value or None that other inputs write (Terraform ``aws_ssm_parameter``).
        ssm_out: filled with name -> value of the ``AWS::SSM::Parameter`` resources these templates write.

    Raises:
        InputError: any unreadable input, bad parameter, bad binding, or dependency cycle.
    """
    loader = TemplateLoader(region)
    if templates_dir is not None:
        if not os.path.isdir(templates_dir):
            raise InputError("--templates-dir", f"{templates_dir} is not a folder")
        loader.templates_dir = templates_dir
    loader.template_files.update(template_files or {})
    loader.account_ssm = account_ssm
    loader.input_ssm = input_ssm
    loader.account_exports = dict(account_exports or {})
    cli = parse_cli_parameters(parameters or [], paths)
    for p in paths:
        values: dict[str, Any] = {}
        values.update(cli.get("*", {}))
        values.update(cli.get(p, {}))
        stack = loader.add_input(p, p, {}, (environments or {}).get(p, (None, None)))
        if stack_names and p in stack_names:
            stack.stack_name = stack_names[p]
        declared = stack.template.get("Parameters") or {}
        stack.param_values.update({k: v for k, v in values.items() if k in declared or p in cli})
        for name, decl in declared.items():  # NoEcho values are never printed, even if never evaluated
            if is_no_echo(decl):
                register_secret(values.get(name, decl.get("Default")))
    if bindings:
        bound = load_bindings(bindings, paths, loader)
        for stack in loader.stacks:
            for name, fn in bound.get(stack.input_name, {}).items():
                cli_value = cli.get("*", {}).get(name) or cli.get(stack.input_name, {}).get(name)
                if cli_value is None:  # --parameter wins over bindings
                    stack.param_values[name] = fn
        # validate bindings eagerly so a binding to a missing resource is an input error, not a silent UNKNOWN
        for stack in loader.stacks:
            for name in bound.get(stack.input_name, {}):
                stack.parameter(name)
    inv = loader.load()
    if ssm_out is not None:
        ssm_out.update(loader.ssm_written())
    if loader.account_values:
        used = sorted(set(loader.account_values))
        inv.warnings.append(f"from the account: {', '.join(used[:12])}{' ...' if len(used) > 12 else ''}")
    for p in paths:
        inv.inputs.append({"kind": "cloudformation", "location": p})
    return inv
