"""Source text -> AST: runs the lark grammar and converts its tree to nodes.

Also performs the compile-time checks: unknown functions, wrong argument
counts, duplicate variables/keys, and where object matchers may appear.
"""

from __future__ import annotations

import json
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import nodes
from .errors import JsltError, JsltSyntaxError
from .functions import BUILTINS, EXPERIMENTAL_MODULE, EXPERIMENTAL_MODULE_URL

_parser: Lark | None = None


def _get_parser() -> Lark:
    global _parser
    if _parser is None:
        grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
        _parser = Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)
    return _parser


# Readable names for terminals in "expected ..." messages.
_TERMINAL_NAMES = {
    "$END": "end of input",
    "STRING": "a string",
    "NUMBER": "a number",
    "IDENT": "a name",
    "PREFIXED_IDENT": "a prefixed name",
    "VARIABLE": "a $variable",
    "DOTKEY": "a .key",
    "COMPARATOR": "a comparison operator",
}


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    try:
        pattern = _get_parser().get_terminal(name).pattern.value
    except KeyError:
        return name
    return f"'{pattern}'"


def _syntax_error_from_lark(error: UnexpectedInput, source: str) -> JsltSyntaxError:
    if isinstance(error, UnexpectedCharacters):
        return JsltSyntaxError(f"unexpected character {error.char!r}", error.line, error.column)
    expected = sorted({_describe_terminal(name) for name in getattr(error, "expected", ()) or ()})
    hint = f"; expected {', '.join(expected[:10])}" if expected else ""
    if isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        lines = source.split("\n")
        return JsltSyntaxError(f"unexpected end of input{hint}", len(lines), len(lines[-1]) + 1)
    token = error.token
    return JsltSyntaxError(f"unexpected {token.value!r}{hint}", error.line, error.column)


def _check_unique_lets(lets) -> None:
    seen = set()
    for let in lets:
        if let.name in seen:
            raise JsltSyntaxError(f"Duplicate variable declaration '${let.name}'", let.line, let.column)
        seen.add(let.name)


def _decode_string(token: Token) -> str:
    try:
        return json.loads(token.value, strict=False)
    except json.JSONDecodeError as error:
        raise JsltSyntaxError(f"invalid string literal: {error.msg}", token.line, token.column) from None


class _Else:
    __slots__ = ("lets", "expr")

    def __init__(self, lets, expr):
        self.lets = lets
        self.expr = expr


class _Accessor:
    __slots__ = ("kind", "key", "first", "second", "line", "column")

    def __init__(self, kind, line, column, key=None, first=None, second=None):
        self.kind = kind
        self.key = key
        self.first = first
        self.second = second
        self.line = line
        self.column = column


@v_args(meta=True)
class _AstBuilder(Transformer):
    def __init__(self, functions: dict, modules: dict):
        super().__init__()
        self.functions = functions  # name -> FunctionDef shell, filled in def_decl
        self.modules = modules  # import prefix -> {name: Builtin}

    # ---- program structure

    def start(self, meta, children):
        lets = [child for child in children if isinstance(child, nodes.Let)]
        _check_unique_lets(lets)
        body = children[-1]
        return nodes.Program(lets, self.functions, body, 1, 1)

    def import_decl(self, meta, children):
        return None  # handled before the transformation

    def let_decl(self, meta, children):
        name, value = children
        return nodes.Let(name.value, value, name.line, name.column)

    def def_decl(self, meta, children):
        name = children[0]
        params = [child.value for child in children[1:] if isinstance(child, Token)]
        lets = [child for child in children[1:-1] if isinstance(child, nodes.Let)]
        _check_unique_lets(lets)
        function = self.functions[name.value]
        function.params = params
        function.lets = lets
        function.body = children[-1]
        return function

    # ---- operators

    def pipe(self, meta, children):
        left, right = children
        return nodes.Pipe(left, right, meta.line, meta.column)

    def or_op(self, meta, children):
        return nodes.Or(children[0], children[1], meta.line, meta.column)

    def and_op(self, meta, children):
        return nodes.And(children[0], children[1], meta.line, meta.column)

    def compare(self, meta, children):
        left, operator, right = children
        return nodes.Comparison(operator.value, left, right, operator.line, operator.column)

    def arithmetic(self, meta, children):
        left, operator, right = children
        return nodes.Arithmetic(operator.value, left, right, operator.line, operator.column)

    # ---- chains: `.`, `.key`, `$var`, `f(x)` followed by accessors

    def _apply_accessors(self, base, accessors):
        node = base
        for accessor in accessors:
            if accessor.kind == "key":
                node = nodes.KeyAccess(node, accessor.key, accessor.line, accessor.column)
            elif accessor.kind == "index":
                node = nodes.IndexAccess(node, accessor.first, accessor.line, accessor.column)
            else:
                node = nodes.SliceAccess(node, accessor.first, accessor.second, accessor.line, accessor.column)
        return node

    def dot_chain(self, meta, children):
        dot = children[0]
        return self._apply_accessors(nodes.Dot(dot.line, dot.column), children[1:])

    def quoted_key_chain(self, meta, children):
        dot, key = children[0], children[1]
        base = nodes.KeyAccess(nodes.Dot(dot.line, dot.column), _decode_string(key), dot.line, dot.column)
        return self._apply_accessors(base, children[2:])

    def key_chain(self, meta, children):
        token = children[0]
        base = nodes.KeyAccess(nodes.Dot(token.line, token.column), token.value[1:], token.line, token.column)
        return self._apply_accessors(base, children[1:])

    def variable_chain(self, meta, children):
        token = children[0]
        return self._apply_accessors(nodes.Variable(token.value[1:], token.line, token.column), children[1:])

    def call_chain(self, meta, children):
        return self._apply_accessors(children[0], children[1:])

    def key_accessor(self, meta, children):
        token = children[0]
        return _Accessor("key", token.line, token.column, key=token.value[1:])

    def quoted_key_accessor(self, meta, children):
        dot, key = children
        return _Accessor("key", dot.line, dot.column, key=_decode_string(key))

    def index_accessor(self, meta, children):
        return _Accessor("index", meta.line, meta.column, first=children[0])

    def slice_accessor(self, meta, children):
        start, _colon, end = children
        return _Accessor("slice", meta.line, meta.column, first=start, second=end)

    def function_call(self, meta, children):
        name_token = children[0]
        name = name_token.value
        args = [child for child in children[1:] if child is not None]
        line, column = name_token.line, name_token.column
        if name_token.type == "PREFIXED_IDENT":
            prefix, _, local_name = name.partition(":")
            module = self.modules.get(prefix)
            if module is None:
                raise JsltSyntaxError(f"No such module prefix '{prefix}' (missing import?)", line, column)
            builtin = module.get(local_name)
            if builtin is None:
                raise JsltSyntaxError(f"No such function '{local_name}' in module '{prefix}'", line, column)
            return self._builtin_call(builtin, name, args, line, column)
        if name in self.functions:
            function = self.functions[name]
            if len(args) != len(function.params):
                raise JsltSyntaxError(
                    f"Function '{name}' takes {len(function.params)} arguments, but was called with {len(args)}",
                    line,
                    column,
                )
            return nodes.UserFunctionCall(function, args, line, column)
        builtin = BUILTINS.get(name)
        if builtin is None:
            raise JsltSyntaxError(f"No such function: '{name}'", line, column)
        return self._builtin_call(builtin, name, args, line, column)

    def _builtin_call(self, builtin, name, args, line, column):
        if len(args) < builtin.min_args or (builtin.max_args is not None and len(args) > builtin.max_args):
            if builtin.max_args is None:
                expected = f"at least {builtin.min_args}"
            elif builtin.min_args == builtin.max_args:
                expected = str(builtin.min_args)
            else:
                expected = f"{builtin.min_args} to {builtin.max_args}"
            raise JsltSyntaxError(
                f"Function '{name}' takes {expected} argument(s), but was called with {len(args)}", line, column
            )
        call_class = nodes.MacroCall if builtin.is_macro else nodes.BuiltinCall
        return call_class(builtin, args, line, column)

    # ---- literals

    def string_literal(self, meta, children):
        token = children[0]
        return nodes.Literal(_decode_string(token), token.line, token.column)

    def number_literal(self, meta, children):
        token = children[0]
        text = token.value
        value = float(text) if any(char in text for char in ".eE") else int(text)
        return nodes.Literal(value, token.line, token.column)

    def true_literal(self, meta, children):
        return nodes.Literal(True, meta.line, meta.column)

    def false_literal(self, meta, children):
        return nodes.Literal(False, meta.line, meta.column)

    def null_literal(self, meta, children):
        return nodes.Literal(None, meta.line, meta.column)

    # ---- constructors

    def array(self, meta, children):
        return nodes.ArrayLiteral([child for child in children if child is not None], meta.line, meta.column)

    def for_filter(self, meta, children):
        return children[0]

    def array_for(self, meta, children):
        source, *middle, body, condition = children
        lets = [child for child in middle if isinstance(child, nodes.Let)]
        _check_unique_lets(lets)
        return nodes.ArrayFor(source, lets, body, condition, meta.line, meta.column)

    def object_for(self, meta, children):
        source, *middle, key, _colon, value, condition = children
        lets = [child for child in middle if isinstance(child, nodes.Let)]
        _check_unique_lets(lets)
        return nodes.ObjectFor(source, lets, key, value, condition, meta.line, meta.column)

    def object(self, meta, children):
        lets = [child for child in children if isinstance(child, nodes.Let)]
        _check_unique_lets(lets)
        members = children[-1] if children and isinstance(children[-1], tuple) else ([], None)
        pairs, matcher = members
        static_keys = set()
        for pair in pairs:
            if pair.static_key is not None:
                if pair.static_key in static_keys:
                    raise JsltSyntaxError(
                        f"Duplicate key '{pair.static_key}' in object constructor", pair.key.line, pair.key.column
                    )
                static_keys.add(pair.static_key)
        return nodes.ObjectLiteral(lets, pairs, matcher, meta.line, meta.column)

    def object_members(self, meta, children):
        pairs = [child for child in children if isinstance(child, nodes.ObjectPair)]
        matchers = [child for child in children if isinstance(child, nodes.Matcher)]
        return pairs, (matchers[0] if matchers else None)

    def pair(self, meta, children):
        key, _colon, value = children
        static_key = key.value if isinstance(key, nodes.Literal) and isinstance(key.value, str) else None
        return nodes.ObjectPair(key, value, static_key)

    def matcher(self, meta, children):
        star = children[0]
        excluded = [child for child in children[1:-2] if isinstance(child, str) and not isinstance(child, Token)]
        return nodes.Matcher(excluded, children[-1], star.line, star.column)

    def matcher_key(self, meta, children):
        token = children[0]
        return _decode_string(token) if token.type == "STRING" else str(token.value)

    # ---- if

    def else_branch(self, meta, children):
        lets = [child for child in children[:-1] if isinstance(child, nodes.Let)]
        _check_unique_lets(lets)
        return _Else(lets, children[-1])

    def if_expr(self, meta, children):
        condition, *middle, then_branch, else_part = children
        then_lets = [child for child in middle if isinstance(child, nodes.Let)]
        _check_unique_lets(then_lets)
        else_lets = else_part.lets if else_part else []
        else_branch = else_part.expr if else_part else None
        return nodes.If(condition, then_lets, then_branch, else_lets, else_branch, meta.line, meta.column)


def _collect_declarations(tree) -> tuple[dict, dict]:
    """Pre-scan imports and function names, so calls can refer to functions
    declared later in the text (and to each other, recursively)."""
    functions: dict[str, nodes.FunctionDef] = {}
    modules: dict[str, dict] = {}
    for child in tree.children:
        if getattr(child, "data", None) == "import_decl":
            url_token, prefix_token = child.children
            url = _decode_string(url_token)
            if url != EXPERIMENTAL_MODULE_URL:
                raise JsltSyntaxError(
                    f"import of '{url}' is not supported (only the experimental module can be imported)",
                    url_token.line,
                    url_token.column,
                )
            modules[prefix_token.value] = EXPERIMENTAL_MODULE
        elif getattr(child, "data", None) == "def_decl":
            name = child.children[0]
            if name.value in functions:
                raise JsltSyntaxError(f"Duplicate function declaration '{name.value}'", name.line, name.column)
            functions[name.value] = nodes.FunctionDef(name.value, [], [], None, name.line, name.column)
    # parameter lists are needed for arity checks before bodies are built
    for child in tree.children:
        if getattr(child, "data", None) == "def_decl":
            params = [token.value for token in child.children[1:] if isinstance(token, Token)]
            functions[child.children[0].value].params = params
    return functions, modules


def parse_program(source: str) -> nodes.Program:
    """Parse and check JSLT source; raises JsltSyntaxError."""
    try:
        tree = _get_parser().parse(source)
    except UnexpectedInput as error:
        raise _syntax_error_from_lark(error, source) from None
    except RecursionError:
        raise JsltSyntaxError("expression is nested too deeply", 1, 1) from None
    functions, modules = _collect_declarations(tree)
    try:
        program = _AstBuilder(functions, modules).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, JsltError):
            raise error.orig_exc from None
        raise
    except RecursionError:
        raise JsltSyntaxError("expression is nested too deeply", 1, 1) from None
    try:
        program.bind_matchers(())
    except RecursionError:
        raise JsltSyntaxError("expression is nested too deeply", 1, 1) from None
    return program
