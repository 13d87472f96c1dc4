"""A partial evaluator of a Terraform configuration, offline and without providers: enough of
Terraform's language to know, from a root module and its variables, every resource instance
and the arguments written in its configuration.

Why: GCP's provider is not available here, so `terraform plan` cannot show what the GCP
Terraform grants. Its IAM bindings are written as expressions over variables, locals,
`for_each`, module calls and other resources' attributes; this evaluates them the way
Terraform would, as far as the configuration decides them.

What a provider would compute (a project's number, most resource attributes) is `Unknown`:
it propagates through operators and functions, and inside a string it stands as
`<what is unknown>`, so a member such as `principalSet://.../projects/<...>/...` keeps the
known parts a check can read. The few computed attributes a check of IAM needs and that
follow from the configuration (a service account's e-mail, member and name) are modelled in
COMPUTED. Not modelled (they evaluate to Unknown): template directives (`%{ }`), heredoc
interpolation, `try`/`can`, provider-defined functions, and functions not in FUNCTIONS.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Token, Tree

from dayone.errors import DayoneError


class Unknown:
    """A value only known at apply (or not modelled here)."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __str__(self) -> str:
        return f"<{self.what}>"

    def __repr__(self) -> str:
        return f"Unknown({self.what!r})"


def is_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    return False


# ---- configuration -------------------------------------------------------------------------


@dataclass
class Block:
    """A block's arguments (expression trees) and nested blocks, in order."""

    type: str
    labels: tuple[str, ...]
    attributes: dict[str, Tree[Any]] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    file: str = ""


@dataclass
class ModuleConfig:
    """One module folder: its variables, locals, resources, data sources, calls, outputs."""

    path: Path
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Tree[Any]] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    calls: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Tree[Any]] = field(default_factory=dict)


def _text(node: Any) -> str:
    return str(node) if isinstance(node, Token) else "".join(_text(c) for c in node.children)


def _label(node: Tree[Any]) -> str:
    """A block type or label: an identifier, or a quoted string without interpolation."""
    if node.data == "string":
        return "".join(_text(p) for p in node.children if isinstance(p, Tree))
    return _text(node)


def _body(body: Tree[Any], file: str) -> tuple[dict[str, Tree[Any]], list[Block]]:
    attributes: dict[str, Tree[Any]] = {}
    blocks: list[Block] = []
    for item in body.children:
        if not isinstance(item, Tree):
            continue
        if item.data == "attribute":
            name, expression = item.children[0], item.children[-1]
            attributes[_label(name)] = expression
        elif item.data == "block":
            parts = [c for c in item.children if isinstance(c, Tree)]
            inner = next(c for c in parts if c.data == "body")
            names = [
                _label(c) for c in parts if c.data != "body" and c.data != "new_line_or_comment"
            ]
            block_attributes, nested = _body(inner, file)
            blocks.append(Block(names[0], tuple(names[1:]), block_attributes, nested, file))
    return attributes, blocks


@functools.lru_cache(maxsize=512)
def _parse(text: str) -> Tree[Any]:
    import hcl2  # imported here: only GCP projects' checks need it

    try:
        tree: Tree[Any] = hcl2.parses_to_tree(text if text.endswith("\n") else text + "\n")
    except Exception as error:  # the parser raises lark's many exception types
        raise DayoneError(f"not valid HCL: {str(error).splitlines()[0]}") from None
    return tree


def load_module(path: Path) -> ModuleConfig:
    """The configuration of the module in folder `path` (its *.tf files; parses are cached by
    content, so a file changed between two checks is read again)."""
    module = ModuleConfig(path)
    for tf in sorted(path.glob("*.tf")):
        try:
            tree = _parse(tf.read_text(encoding="utf-8"))
        except DayoneError as error:
            raise DayoneError(f"{tf}: {error}") from None
        body = next(c for c in tree.children if isinstance(c, Tree) and c.data == "body")
        _attributes, blocks = _body(body, tf.name)
        for block in blocks:
            if block.type == "variable":
                module.variables[block.labels[0]] = block
            elif block.type == "locals":
                module.locals.update(block.attributes)
            elif block.type == "resource":
                module.resources[(block.labels[0], block.labels[1])] = block
            elif block.type == "data":
                module.data[(block.labels[0], block.labels[1])] = block
            elif block.type == "module":
                module.calls[block.labels[0]] = block
            elif block.type == "output":
                module.outputs[block.labels[0]] = block.attributes["value"]
    return module


# ---- evaluation ----------------------------------------------------------------------------


def _service_account(values: Mapping[str, Any], project: Any) -> dict[str, Any]:
    email = f"{values.get('account_id', Unknown('account_id'))}@{project}.iam.gserviceaccount.com"
    name = f"projects/{project}/serviceAccounts/{email}"
    return {"email": email, "member": f"serviceAccount:{email}", "name": name, "id": name}


def _pool(values: Mapping[str, Any], project: Any) -> dict[str, Any]:
    pool = values.get("workload_identity_pool_id", Unknown("pool id"))
    name = f"projects/{Unknown('project number')}/locations/global/workloadIdentityPools/{pool}"
    return {"name": name}


def _pool_provider(values: Mapping[str, Any], project: Any) -> dict[str, Any]:
    pool = values.get("workload_identity_pool_id", Unknown("pool id"))
    provider = values.get("workload_identity_pool_provider_id", Unknown("provider id"))
    name = (
        f"projects/{Unknown('project number')}/locations/global/workloadIdentityPools/{pool}"
        f"/providers/{provider}"
    )
    return {"name": name}


def _bucket(values: Mapping[str, Any], project: Any) -> dict[str, Any]:
    return {"url": f"gs://{values.get('name', Unknown('bucket name'))}"}


# Attributes a provider computes that follow from the configuration: (type) -> function of
# the configured values and the resource's project.
COMPUTED: dict[str, Callable[[Mapping[str, Any], Any], dict[str, Any]]] = {
    "google_service_account": _service_account,
    "google_iam_workload_identity_pool": _pool,
    "google_iam_workload_identity_pool_provider": _pool_provider,
    "google_storage_bucket": _bucket,
}


def _to_set(value: Any) -> Any:
    if is_unknown(value):
        return Unknown("set of unknown elements")
    items = list(value.values()) if isinstance(value, dict) else list(value or [])
    return sorted({json.dumps(v, sort_keys=True): v for v in items}.values(), key=_sort_key)


def _sort_key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _flatten(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        out += _flatten(item) if isinstance(item, list) else [item]
    return out


def _merge(*maps: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in maps:
        merged.update(item or {})
    return merged


def _setproduct(*sets: Any) -> list[list[Any]]:
    product: list[list[Any]] = [[]]
    for items in sets:
        product = [[*p, i] for p in product for i in items]
    return product


def _one(value: Any) -> Any:
    if not value:
        return None
    if len(value) > 1:
        raise DayoneError("one() of more than one element")
    return value[0]


def _jsonencode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": lambda *lists: [i for items in lists for i in (items or [])],
    "contains": lambda items, value: value in items,
    "distinct": lambda items: [
        json.loads(i) for i in dict.fromkeys(json.dumps(x, sort_keys=True) for x in items)
    ],
    "endswith": lambda text, suffix: text.endswith(suffix),
    "flatten": _flatten,
    "join": lambda separator, items: separator.join(str(i) for i in items),
    "jsonencode": _jsonencode,
    "keys": lambda mapping: sorted(mapping),
    "length": len,
    "lookup": lambda mapping, key, default=None: mapping.get(key, default),
    "lower": lambda text: text.lower(),
    "merge": _merge,
    "one": _one,
    "replace": lambda text, old, new: text.replace(old, new),
    "setintersection": lambda *sets: _to_set([i for i in sets[0] if all(i in s for s in sets[1:])]),
    "setproduct": _setproduct,
    "setsubtract": lambda a, b: _to_set([i for i in a if i not in b]),
    "setunion": lambda *sets: _to_set([i for items in sets for i in items]),
    "sort": lambda items: sorted(items, key=_sort_key),
    "split": lambda separator, text: text.split(separator),
    "startswith": lambda text, prefix: text.startswith(prefix),
    "tolist": lambda items: list(items),
    "tomap": lambda mapping: dict(mapping),
    "toset": _to_set,
    "trimprefix": lambda text, prefix: text[len(prefix) :] if text.startswith(prefix) else text,
    "trimsuffix": lambda text, suffix: (
        text[: -len(suffix)] if suffix and text.endswith(suffix) else text
    ),
    "upper": lambda text: text.upper(),
    "values": lambda mapping: [mapping[k] for k in sorted(mapping)],
}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(chars: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), chars)


class ResourceValue:
    """A resource or data source instance as an expression sees it: configured arguments,
    modelled computed attributes, everything else Unknown."""

    def __init__(self, instance: ModuleInstance, key: str, block: Block, each: dict[str, Any]):
        self.instance, self.block, self.each = instance, block, each
        self.address = instance.address(block, key)

    @functools.cached_property
    def configured(self) -> dict[str, Any]:
        return {
            name: self.instance.evaluate(expression, self.each)
            for name, expression in self.block.attributes.items()
            if name not in ("count", "for_each", "depends_on", "provider", "lifecycle")
        }

    def get(self, name: str) -> Any:
        if name in self.configured:
            return self.configured[name]
        model = COMPUTED.get(self.block.labels[0])
        if model is not None:
            project = self.configured.get("project", self.instance.root.project)
            computed = model(self.configured, project)
            if name in computed:
                return computed[name]
        return Unknown(f"{self.address}.{name}")

    def nested(self, block_type: str) -> list[dict[str, Any]]:
        """The evaluated nested blocks of a type, `dynamic` ones expanded."""
        found = []
        for nested in self.block.blocks:
            if nested.type == block_type:
                found.append(self._evaluate_block(nested, self.each))
            elif nested.type == "dynamic" and nested.labels[0] == block_type:
                items = self.instance.evaluate(nested.attributes["for_each"], self.each)
                if is_unknown(items):
                    raise DayoneError(f"{self.address}: cannot evaluate dynamic {block_type}")
                iterator = block_type
                for key, value in _for_each_pairs(items):
                    scope = {**self.each, iterator: {"key": key, "value": value}}
                    for content in nested.blocks:
                        if content.type == "content":
                            found.append(self._evaluate_block(content, scope))
        return found

    def _evaluate_block(self, block: Block, scope: dict[str, Any]) -> dict[str, Any]:
        return {n: self.instance.evaluate(e, scope) for n, e in block.attributes.items()}


def _for_each_pairs(items: Any) -> list[tuple[Any, Any]]:
    if isinstance(items, dict):
        return list(items.items())
    return [(item, item) for item in items]


class ModuleValue:
    """A module instance as its caller sees it: its outputs."""

    def __init__(self, instance: ModuleInstance):
        self.instance = instance

    def get(self, name: str) -> Any:
        expression = self.instance.config.outputs.get(name)
        if expression is None:
            return Unknown(f"{self.instance.path}.{name} (no such output)")
        return self.instance.evaluate(expression, {})


@dataclass
class Root:
    """What every module instance of one root shares: the provider's default project and the
    workspace."""

    project: Any
    workspace: str


class ModuleInstance:
    """One instance of a module: its configuration and its variables' values."""

    def __init__(
        self,
        config: ModuleConfig,
        arguments: Mapping[str, Callable[[], Any]],
        path: str,
        root: Root,
        root_dir: Path,
    ) -> None:
        # Arguments are evaluated when first read, as Terraform does: two module calls may
        # each take an output of the other (not a cycle as long as no value needs itself).
        self.config, self.arguments, self.path, self.root = config, arguments, path, root
        self.root_dir = root_dir
        self._values: dict[str, Any] = {}
        self._resolving: set[str] = set()

    def _once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._values:
            if key in self._resolving:
                return Unknown(f"{key} (depends on itself)")
            self._resolving.add(key)
            try:
                self._values[key] = compute()
            finally:
                self._resolving.discard(key)
        return self._values[key]

    def address(self, block: Block, key: str) -> str:
        prefix = f"{self.path}." if self.path else ""
        data = "data." if block.type == "data" else ""
        return f"{prefix}{data}{block.labels[0]}.{block.labels[1]}{key}"

    # -- references ----------------------------------------------------------------------

    def var(self, name: str) -> Any:
        if name in self.arguments:
            return self._once(f"var.{name}", self.arguments[name])
        declared = self.config.variables.get(name)
        if declared is not None and "default" in declared.attributes:
            default = declared.attributes["default"]
            return self._once(f"var.{name}", lambda: self.evaluate(default, {}))
        return Unknown(f"var.{name}")

    def local(self, name: str) -> Any:
        if name not in self.config.locals:
            return Unknown(f"local.{name}")
        expression = self.config.locals[name]
        return self._once(f"local.{name}", lambda: self.evaluate(expression, {}))

    def _instances(self, block: Block, make: Callable[[str, dict[str, Any]], Any]) -> Any:
        if "count" in block.attributes:
            count = self.evaluate(block.attributes["count"], {})
            if is_unknown(count):
                return Unknown(f"count of {self.address(block, '')}")
            return [make(f"[{i}]", {"count": {"index": i}}) for i in range(int(count))]
        if "for_each" in block.attributes:
            items = self.evaluate(block.attributes["for_each"], {})
            if is_unknown(items):
                return Unknown(f"for_each of {self.address(block, '')}")
            return {
                str(key): make(f"[{json.dumps(key)}]", {"each": {"key": key, "value": value}})
                for key, value in _for_each_pairs(items)
            }
        return make("", {})

    @functools.cache  # noqa: B019 - one instance per module instance, alive for one check
    def resource(self, kind: str, type_: str, name: str) -> Any:
        table = self.config.resources if kind == "resource" else self.config.data
        block = table.get((type_, name))
        if block is None:
            return Unknown(f"{'data.' if kind == 'data' else ''}{type_}.{name} (not declared)")
        return self._instances(block, lambda key, each: ResourceValue(self, key, block, each))

    @functools.cache  # noqa: B019 - as above
    def module(self, name: str) -> Any:
        call = self.config.calls.get(name)
        if call is None:
            return Unknown(f"module.{name} (not declared)")
        source = self.evaluate(call.attributes["source"], {})
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            return Unknown(f"module.{name} (not a local module)")
        config = load_module((self.config.path / source).resolve())

        def make(key: str, each: dict[str, Any]) -> ModuleValue:
            arguments = {
                argument: functools.partial(self.evaluate, expression, each)
                for argument, expression in call.attributes.items()
                if argument
                not in ("source", "version", "count", "for_each", "depends_on", "providers")
            }
            path = f"{self.path + '.' if self.path else ''}module.{name}{key}"
            return ModuleValue(ModuleInstance(config, arguments, path, self.root, self.root_dir))

        return self._instances(call, make)

    # -- walking every instance ------------------------------------------------------------

    def resources(self) -> Iterator[ResourceValue]:
        """Every managed resource instance of this module instance and the modules it calls."""
        for type_, name in self.config.resources:
            instances = self.resource("resource", type_, name)
            if isinstance(instances, Unknown):
                raise DayoneError(f"cannot evaluate the instances of {instances.what}")
            yield from _values(instances)
        for name in self.config.calls:
            modules = self.module(name)
            if isinstance(modules, Unknown):
                raise DayoneError(f"cannot evaluate the instances of {modules.what}")
            for module in _values(modules):
                yield from module.instance.resources()

    # -- expressions -----------------------------------------------------------------------

    def evaluate(self, node: Any, scope: Mapping[str, Any]) -> Any:
        try:
            return self._evaluate(node, scope)
        except (TypeError, KeyError, IndexError, ValueError, AttributeError) as error:
            return Unknown(f"{type(error).__name__} in {self.path or 'root'}: {error}")

    def _evaluate(self, node: Any, scope: Mapping[str, Any]) -> Any:
        if isinstance(node, Token):
            return str(node)
        kind = node.data
        children = [
            c
            for c in node.children
            if not (isinstance(c, Tree) and c.data == "new_line_or_comment")
        ]
        if kind == "expr_term":
            inner = [c for c in children if isinstance(c, Tree)]
            return self._evaluate(inner[0], scope)
        if kind == "int_lit":
            return int(_text(node))
        if kind == "float_lit":
            return float(_text(node))
        if kind == "literal_value":
            return {"true": True, "false": False, "null": None}[_text(node)]
        if kind == "string":
            return self._string(children, scope)
        if kind == "tuple":
            return [self._evaluate(c, scope) for c in children if isinstance(c, Tree)]
        if kind == "object":
            out: dict[str, Any] = {}
            for element in (c for c in _trees(node) if c.data == "object_elem"):
                key_node, value_node = _trees(element)[0], _trees(element)[-1]
                key_expression = _trees(key_node)[0] if _trees(key_node) else key_node
                if _is_bare_identifier(key_expression):
                    key: Any = _text(key_expression).strip()
                else:
                    key = self._evaluate(key_expression, scope)
                out[str(key)] = self._evaluate(value_node, scope)
            return out
        if kind == "identifier":
            return self._reference(_text(node), scope)
        if kind == "get_attr_expr_term":
            base_node, attr = children[0], children[1]
            name = _text(attr.children[-1])
            if _is_bare_identifier(base_node):
                root = _text(base_node).strip()
                if (
                    root in ("var", "local", "module", "data", "path", "terraform", "count", "each")
                    or root in scope
                    or "_" in root
                ):
                    return self._attribute_of_root(root, name, scope)
            return _get(self._evaluate(base_node, scope), name)
        if kind == "index_expr_term":
            base = self._evaluate(children[0], scope)
            return _index(base, self._index_value(children[1], scope))
        if kind in ("attr_splat_expr_term", "full_splat_expr_term"):
            base = self._evaluate(children[0], scope)
            if base is None:
                return []
            items = (
                base
                if isinstance(base, list)
                else list(base.values())
                if isinstance(base, dict)
                else [base]
            )
            steps = _trees(children[1])
            out_items = []
            for item in items:
                for step in steps:
                    if step.data == "get_attr":
                        item = _get(item, _text(step.children[-1]))
                    else:
                        item = _index(item, self._index_value(step, scope))
                out_items.append(item)
            return out_items
        if kind == "function_call":
            return self._call(children, scope)
        if kind == "conditional":
            condition, then, otherwise = (c for c in children if isinstance(c, Tree))
            test = self._evaluate(condition, scope)
            if isinstance(test, Unknown):
                return Unknown(f"a condition on {test.what}")
            return self._evaluate(then if test else otherwise, scope)
        if kind == "binary_op":
            return self._binary(children, scope)
        if kind == "unary_op":
            operator, operand = _text(children[0]), self._evaluate(children[1], scope)
            if isinstance(operand, Unknown):
                return operand
            return (not operand) if operator == "!" else -operand
        if kind == "for_tuple_expr" or kind == "for_object_expr":
            return self._for(kind, children, scope)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            text = _text(node)
            body = text.split("\n", 1)[1].rsplit("\n", 2)[0]
            return Unknown("heredoc with interpolation") if "${" in body else body + "\n"
        return Unknown(f"unsupported expression {kind}")

    def _index_value(self, index_node: Tree[Any], scope: Mapping[str, Any]) -> Any:
        if index_node.data == "short_index":
            return int(_text(index_node).lstrip("."))
        return self._evaluate(_trees(index_node)[0], scope)

    def _string(self, parts: list[Any], scope: Mapping[str, Any]) -> Any:
        pieces: list[str] = []
        for part in parts:
            if not isinstance(part, Tree):
                continue  # the quotes
            inner = part.children[0]
            if isinstance(inner, Token):
                if inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    pieces.append(str(inner)[1:])  # $${ and %%{ stand for ${ and %{
                else:
                    pieces.append(_unescape(str(inner)))
            elif inner.data == "interpolation":
                expression = _trees(inner)[0]
                value = self._evaluate(expression, scope)
                if isinstance(value, bool):
                    value = str(value).lower()
                pieces.append(
                    str(value) if not isinstance(value, list | dict) else _jsonencode(value)
                )
            else:
                return Unknown("template directive")
        return "".join(pieces)

    def _reference(self, name: str, scope: Mapping[str, Any]) -> Any:
        if name in scope:
            return scope[name]
        return Unknown(f"{name}")

    def _attribute_of_root(self, root: str, name: str, scope: Mapping[str, Any]) -> Any:
        if root in scope:
            return _get(scope[root], name)
        if root == "var":
            return self.var(name)
        if root == "local":
            return self.local(name)
        if root == "module":
            return self.module(name)
        if root == "path":
            return {
                "module": str(self.config.path),
                "root": str(self.root_dir),
                "cwd": str(self.root_dir),
            }.get(name, Unknown(f"path.{name}"))
        if root == "terraform":
            return self.root.workspace if name == "workspace" else Unknown(f"terraform.{name}")
        if root == "data":
            return _DataType(self, name)
        return self.resource("resource", root, name)

    def _call(self, children: list[Any], scope: Mapping[str, Any]) -> Any:
        name = _text(children[0]).strip()
        arguments_node = next(
            (c for c in children if isinstance(c, Tree) and c.data == "arguments"), None
        )
        arguments = (
            [self._evaluate(c, scope) for c in _trees(arguments_node)]
            if arguments_node is not None
            else []
        )
        function = FUNCTIONS.get(name)
        if function is None:
            return Unknown(f"{name}()")
        # Unknown elements inside a list travel on (concat keeps them); an unknown argument
        # makes the result unknown, and a function that cannot take an element raises.
        if any(isinstance(a, Unknown) for a in arguments):
            return Unknown(f"{name}() of an unknown value")
        return function(*arguments)

    def _binary(self, children: list[Any], scope: Mapping[str, Any]) -> Any:
        left = self._evaluate(children[0], scope)
        term = children[1]
        operator = _text(term.children[0]).strip()
        right_node = _trees(term)[-1]
        if operator == "&&" and left is False:
            return False
        if operator == "||" and left is True:
            return True
        right = self._evaluate(right_node, scope)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return Unknown(f"{operator} of an unknown value")
        operations: dict[str, Callable[[Any, Any], Any]] = {
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
            ">=": lambda a, b: a >= b,
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a / b,
            "%": lambda a, b: a % b,
            "&&": lambda a, b: bool(a and b),
            "||": lambda a, b: bool(a or b),
        }
        return operations[operator](left, right)

    def _for(self, kind: str, children: list[Any], scope: Mapping[str, Any]) -> Any:
        trees = [c for c in children if isinstance(c, Tree)]
        intro = trees[0]
        names = [_text(c).strip() for c in _trees(intro) if c.data == "identifier"]
        collection = self._evaluate(next(c for c in _trees(intro) if c.data != "identifier"), scope)
        if is_unknown(collection) and not isinstance(collection, list | dict):
            return Unknown("for expression over an unknown collection")
        condition = next((t for t in trees if t.data == "for_cond"), None)
        bodies = [t for t in trees[1:] if t.data != "for_cond"]
        pairs = (
            list(collection.items())
            if isinstance(collection, dict)
            else list(enumerate(collection))
        )
        tuple_out: list[Any] = []
        object_out: dict[str, Any] = {}
        for key, value in pairs:
            inner = dict(scope)
            if len(names) == 2:
                inner[names[0]], inner[names[1]] = key, value
            else:
                inner[names[0]] = value
            if condition is not None:
                test = self._evaluate(_trees(condition)[0], inner)
                if isinstance(test, Unknown):
                    return Unknown("for expression with an unknown condition")
                if not test:
                    continue
            if kind == "for_tuple_expr":
                tuple_out.append(self._evaluate(bodies[0], inner))
            else:
                object_out[str(self._evaluate(bodies[0], inner))] = self._evaluate(bodies[1], inner)
        return tuple_out if kind == "for_tuple_expr" else object_out


class _DataType:
    """`data.<type>` before its name is read."""

    def __init__(self, instance: ModuleInstance, type_: str) -> None:
        self.instance, self.type = instance, type_

    def get(self, name: str) -> Any:
        return self.instance.resource("data", self.type, name)


def _trees(node: Tree[Any]) -> list[Tree[Any]]:
    """A node's sub-trees, line breaks and comments left out."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _is_bare_identifier(node: Any) -> bool:
    if not isinstance(node, Tree):
        return False
    if node.data == "identifier":
        return True
    inner = [c for c in node.children if isinstance(c, Tree)]
    return node.data == "expr_term" and len(inner) == 1 and inner[0].data == "identifier"


def _get(value: Any, name: str) -> Any:
    if isinstance(value, ResourceValue | ModuleValue | _DataType):
        return value.get(name)
    if isinstance(value, dict):
        return value[name] if name in value else Unknown(f"attribute {name}")
    if isinstance(value, Unknown):
        return Unknown(f"{value.what}.{name}")
    return Unknown(f"attribute {name} of a {type(value).__name__}")


def _index(value: Any, index: Any) -> Any:
    if isinstance(value, Unknown) or isinstance(index, Unknown):
        return Unknown("index of an unknown value")
    if isinstance(value, dict):
        return value[str(index)] if str(index) in value else Unknown(f"key {index}")
    return value[int(index)]


def _values(instances: Any) -> list[Any]:
    if isinstance(instances, list):
        return instances
    if isinstance(instances, dict):
        return list(instances.values())
    return [instances]


def root_instance(
    root_dir: Path, variables: Mapping[str, Any], workspace: str = "default"
) -> ModuleInstance:
    """The root module in `root_dir`, with its variables' values (a tfvars file's content).

    The google provider's default project (what a resource without `project` is created
    in) is read from the root's `provider "google"` block."""
    config = load_module(root_dir.resolve())
    arguments = {name: functools.partial(lambda v: v, value) for name, value in variables.items()}
    instance = ModuleInstance(config, arguments, "", Root(None, workspace), root_dir)
    for tf in sorted(root_dir.glob("*.tf")):
        tree = _parse(tf.read_text(encoding="utf-8"))
        body = next(c for c in tree.children if isinstance(c, Tree) and c.data == "body")
        for block in _body(body, tf.name)[1]:
            if block.type == "provider" and block.labels == ("google",):
                project = block.attributes.get("project")
                instance.root.project = (
                    instance.evaluate(project, {})
                    if project is not None
                    else Unknown("provider project")
                )
    if instance.root.project is None:
        instance.root.project = Unknown("provider project")
    return instance
