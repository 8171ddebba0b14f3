"""AST node classes and their evaluation.

Every node knows its source position so runtime errors can name it.
``evaluate(dot, scope, ctx)`` computes the node's value where ``dot`` is the
context node (what ``.`` means), ``scope`` holds variables and ``ctx`` is
the per-evaluation sandbox state.
"""

from __future__ import annotations

import math

from .context import EvalContext, Scope
from .errors import JsltError, JsltLimitError, JsltSyntaxError
from .values import (
    compare,
    has_value,
    is_number,
    is_truthy,
    json_equal,
    to_json,
    to_string,
    type_name,
)

# Object matcher (`* : .`) paths: a tuple of static keys leading from the
# current context node to the matched object, or one of these markers.
MATCHER_IN_FUNCTION = "function"
MATCHER_UNDER_DYNAMIC_KEY = "dynamic"


def describe(value) -> str:
    """Short JSON text of a value for error messages."""
    try:
        return to_json(value, limit=200)
    except JsltLimitError:
        return f"<large {type_name(value)}>"


class Node:
    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int):
        self.line = line
        self.column = column

    def fail(self, message: str, error_class=JsltError) -> JsltError:
        return error_class(message, self.line, self.column)

    def children(self):
        return ()

    def bind_matchers(self, path) -> None:
        """Tell every object matcher below which input object it matches."""
        for child in self.children():
            child.bind_matchers(path)

    def evaluate(self, dot, scope: Scope, ctx: EvalContext):
        raise NotImplementedError


def bind_lets(lets, dot, scope: Scope, ctx: EvalContext) -> Scope:
    """Evaluate `let` declarations in order into a new child scope."""
    if not lets:
        return scope
    inner = Scope(scope)
    for let in lets:
        inner.bindings[let.name] = let.value.evaluate(dot, inner, ctx)
    return inner


def iterate_for_source(node: Node, source):
    """The items a `for` loops over: array items or object key/value pairs."""
    if isinstance(source, list):
        return source
    if isinstance(source, dict):
        return [{"key": key, "value": value} for key, value in source.items()]
    raise node.fail(f"Can't loop over {describe(source)}: for needs an array or an object")


class Let:
    """`let name = value` (not a node: it produces no value)."""

    __slots__ = ("name", "value", "line", "column")

    def __init__(self, name: str, value: Node, line: int, column: int):
        self.name = name
        self.value = value
        self.line = line
        self.column = column


# ---------------------------------------------------------------- leaves


class Literal(Node):
    __slots__ = ("value",)

    def __init__(self, value, line, column):
        super().__init__(line, column)
        self.value = value

    def evaluate(self, dot, scope, ctx):
        return self.value


class Dot(Node):
    __slots__ = ()

    def evaluate(self, dot, scope, ctx):
        return dot


class Variable(Node):
    __slots__ = ("name",)

    def __init__(self, name, line, column):
        super().__init__(line, column)
        self.name = name

    def evaluate(self, dot, scope, ctx):
        try:
            return scope.lookup(self.name)
        except KeyError:
            raise self.fail(f"No such variable '${self.name}'") from None


# ---------------------------------------------------------------- accessors


class KeyAccess(Node):
    """`.key` / `."key"` applied to the value of ``target``."""

    __slots__ = ("target", "key")

    def __init__(self, target, key, line, column):
        super().__init__(line, column)
        self.target = target
        self.key = key

    def children(self):
        return (self.target,)

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        value = self.target.evaluate(dot, scope, ctx)
        if isinstance(value, dict):
            return value.get(self.key)
        return None


class IndexAccess(Node):
    """`[index]`: arrays give null when out of range, strings fail."""

    __slots__ = ("target", "index")

    def __init__(self, target, index, line, column):
        super().__init__(line, column)
        self.target = target
        self.index = index

    def children(self):
        return (self.target, self.index)

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        value = self.target.evaluate(dot, scope, ctx)
        if value is None:
            return None
        index = self.index.evaluate(dot, scope, ctx)
        if not isinstance(value, (list, str)):
            raise self.fail(f"Can't index {type_name(value)} {describe(value)}: only arrays and strings")
        if type(index) is not int:
            raise self.fail(f"Index must be an integer, got {describe(index)}")
        position = index + len(value) if index < 0 else index
        if 0 <= position < len(value):
            return value[position]
        if isinstance(value, str):
            raise self.fail(f"String index out of range: {index}")
        return None


class SliceAccess(Node):
    """`[start : end]` on arrays and strings; negative bounds count from the end."""

    __slots__ = ("target", "start", "end")

    def __init__(self, target, start, end, line, column):
        super().__init__(line, column)
        self.target = target
        self.start = start
        self.end = end

    def children(self):
        return tuple(node for node in (self.target, self.start, self.end) if node is not None)

    def _bound(self, node, default, length, dot, scope, ctx):
        if node is None:
            return default
        bound = node.evaluate(dot, scope, ctx)
        if type(bound) is not int:
            raise self.fail(f"Slice index must be an integer, got {describe(bound)}")
        if bound < 0:
            bound += length
        return min(max(bound, 0), length)

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        value = self.target.evaluate(dot, scope, ctx)
        if value is None:
            return None
        if not isinstance(value, (list, str)):
            raise self.fail(f"Can't slice {type_name(value)} {describe(value)}: only arrays and strings")
        length = len(value)
        start = self._bound(self.start, 0, length, dot, scope, ctx)
        end = self._bound(self.end, length, length, dot, scope, ctx)
        return value[start:end] if start < end else value[0:0]


# ---------------------------------------------------------------- constructors


class ArrayLiteral(Node):
    __slots__ = ("items",)

    def __init__(self, items, line, column):
        super().__init__(line, column)
        self.items = items

    def children(self):
        return self.items

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        return [item.evaluate(dot, scope, ctx) for item in self.items]


class ObjectPair:
    __slots__ = ("key", "value", "static_key")

    def __init__(self, key: Node, value: Node, static_key: str | None):
        self.key = key
        self.value = value
        self.static_key = static_key


class Matcher:
    """`* : expr` or `* - a, b : expr` inside an object constructor."""

    __slots__ = ("excluded", "value", "path", "line", "column")

    def __init__(self, excluded, value, line, column):
        self.excluded = frozenset(excluded)
        self.value = value
        self.path = ()
        self.line = line
        self.column = column


class ObjectLiteral(Node):
    __slots__ = ("lets", "pairs", "matcher")

    def __init__(self, lets, pairs, matcher, line, column):
        super().__init__(line, column)
        self.lets = lets
        self.pairs = pairs
        self.matcher = matcher

    def bind_matchers(self, path):
        for let in self.lets:
            let.value.bind_matchers(path)
        has_dynamic_key = False
        for pair in self.pairs:
            if pair.static_key is None:
                has_dynamic_key = True
                pair.key.bind_matchers(path)
                pair.value.bind_matchers(MATCHER_UNDER_DYNAMIC_KEY)
            elif isinstance(path, tuple):
                pair.value.bind_matchers(path + (pair.static_key,))
            else:
                pair.value.bind_matchers(path)
        if self.matcher is None:
            return
        where = (self.matcher.line, self.matcher.column)
        if path == MATCHER_IN_FUNCTION:
            raise JsltSyntaxError("Object matcher '*' cannot be used inside a function body", *where)
        if path == MATCHER_UNDER_DYNAMIC_KEY:
            raise JsltSyntaxError(
                "Object matcher '*' cannot be used in the value of a computed key (dynamic object)", *where
            )
        if has_dynamic_key:
            raise JsltSyntaxError("Object matcher '*' cannot be combined with computed keys in one object", *where)
        self.matcher.path = path
        # The matcher's value is evaluated with `.` bound to each matched value.
        self.matcher.value.bind_matchers(())

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        scope = bind_lets(self.lets, dot, scope, ctx)
        keep_nulls = ctx.keep_nulls
        result = {}
        seen_keys = set()
        for pair in self.pairs:
            key = pair.static_key
            if key is None:
                key = pair.key.evaluate(dot, scope, ctx)
                if not isinstance(key, str):
                    raise pair.key.fail(f"Object key must be a string, got {describe(key)}")
            # static duplicates are compile errors; a computed key may still clash
            if key in seen_keys:
                raise pair.key.fail(f"Duplicate key '{key}' in object constructor")
            seen_keys.add(key)
            value = pair.value.evaluate(dot, scope, ctx)
            if keep_nulls or has_value(value):
                result[key] = value
        if self.matcher is not None:
            self._apply_matcher(dot, scope, ctx, seen_keys, result)
        return result

    def _apply_matcher(self, dot, scope, ctx, seen_keys, result):
        matched = dot
        for key in self.matcher.path:
            matched = matched.get(key) if isinstance(matched, dict) else None
        if not isinstance(matched, dict):
            return
        excluded = self.matcher.excluded
        for key, value in matched.items():
            if key in seen_keys or key in excluded:
                continue
            new_value = self.matcher.value.evaluate(value, scope, ctx)
            if ctx.keep_nulls or has_value(new_value):
                result[key] = new_value


class _Comprehension(Node):
    """What `[for ...]` and `{for ...}` share: the source, the lets bound per item and the
    `if` filter. Subclasses build the result from the items that pass."""

    __slots__ = ("source", "lets", "condition")

    def __init__(self, source, lets, condition, line, column):
        super().__init__(line, column)
        self.source = source
        self.lets = lets
        self.condition = condition

    def body_nodes(self):
        raise NotImplementedError

    def bind_matchers(self, path):
        self.source.bind_matchers(path)
        # inside the loop `.` is the current item: matchers start over
        inner_path = path if path == MATCHER_IN_FUNCTION else ()
        for let in self.lets:
            let.value.bind_matchers(inner_path)
        for node in self.body_nodes():
            node.bind_matchers(inner_path)
        if self.condition is not None:
            self.condition.bind_matchers(inner_path)

    def kept_items(self, dot, scope, ctx):
        """(item, scope with the lets bound) for each item that passes the condition, or
        None when the source is null."""
        ctx.tick(self)
        source = self.source.evaluate(dot, scope, ctx)
        if source is None:
            return None
        return self._passing(iterate_for_source(self, source), scope, ctx)

    def _passing(self, items, scope, ctx):
        for item in items:
            item_scope = bind_lets(self.lets, item, scope, ctx)
            if self.condition is None or is_truthy(self.condition.evaluate(item, item_scope, ctx)):
                yield item, item_scope


class ArrayFor(_Comprehension):
    """`[for (source) lets body if (condition)]`."""

    __slots__ = ("body",)

    def __init__(self, source, lets, body, condition, line, column):
        super().__init__(source, lets, condition, line, column)
        self.body = body

    def body_nodes(self):
        return (self.body,)

    def evaluate(self, dot, scope, ctx):
        kept = self.kept_items(dot, scope, ctx)
        if kept is None:
            return None
        return [self.body.evaluate(item, item_scope, ctx) for item, item_scope in kept]


class ObjectFor(_Comprehension):
    """`{for (source) lets key : value if (condition)}`."""

    __slots__ = ("key", "value")

    def __init__(self, source, lets, key, value, condition, line, column):
        super().__init__(source, lets, condition, line, column)
        self.key = key
        self.value = value

    def body_nodes(self):
        return (self.key, self.value)

    def evaluate(self, dot, scope, ctx):
        kept = self.kept_items(dot, scope, ctx)
        if kept is None:
            return None
        result = {}
        for item, item_scope in kept:
            key = self.key.evaluate(item, item_scope, ctx)
            if not isinstance(key, str):
                raise self.key.fail(f"Object key must be a string, got {describe(key)}")
            value = self.value.evaluate(item, item_scope, ctx)
            if ctx.keep_nulls or has_value(value):
                result[key] = value
        return result


# ---------------------------------------------------------------- control flow


class If(Node):
    __slots__ = ("condition", "then_lets", "then_branch", "else_lets", "else_branch")

    def __init__(self, condition, then_lets, then_branch, else_lets, else_branch, line, column):
        super().__init__(line, column)
        self.condition = condition
        self.then_lets = then_lets
        self.then_branch = then_branch
        self.else_lets = else_lets
        self.else_branch = else_branch

    def bind_matchers(self, path):
        for node in (self.condition, self.then_branch, self.else_branch):
            if node is not None:
                node.bind_matchers(path)
        for let in self.then_lets + self.else_lets:
            let.value.bind_matchers(path)

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        if is_truthy(self.condition.evaluate(dot, scope, ctx)):
            return self.then_branch.evaluate(dot, bind_lets(self.then_lets, dot, scope, ctx), ctx)
        if self.else_branch is None:
            return None
        return self.else_branch.evaluate(dot, bind_lets(self.else_lets, dot, scope, ctx), ctx)


class Pipe(Node):
    """`left | right`: the left value becomes `.` on the right."""

    __slots__ = ("left", "right")

    def __init__(self, left, right, line, column):
        super().__init__(line, column)
        self.left = left
        self.right = right

    def bind_matchers(self, path):
        self.left.bind_matchers(path)
        self.right.bind_matchers(path if path == MATCHER_IN_FUNCTION else ())

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        return self.right.evaluate(self.left.evaluate(dot, scope, ctx), scope, ctx)


class And(Node):
    __slots__ = ("left", "right")

    def __init__(self, left, right, line, column):
        super().__init__(line, column)
        self.left = left
        self.right = right

    def children(self):
        return (self.left, self.right)

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        return is_truthy(self.left.evaluate(dot, scope, ctx)) and is_truthy(self.right.evaluate(dot, scope, ctx))


class Or(And):
    __slots__ = ()

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        return is_truthy(self.left.evaluate(dot, scope, ctx)) or is_truthy(self.right.evaluate(dot, scope, ctx))


# ---------------------------------------------------------------- operators


def _require_number(node: Node, value):
    if not is_number(value):
        raise node.fail(f"Can't convert {describe(value)} to number")
    return value


def add(node: Node, ctx: EvalContext, left, right):
    if isinstance(left, str) or isinstance(right, str):
        result = to_string(left, ctx.limits.max_output_size) + to_string(right, ctx.limits.max_output_size)
        ctx.check_size(result, node)
        return result
    # null + array/object is the array/object, so missing data adds nothing
    if left is None and isinstance(right, (list, dict)):
        return right
    if right is None and isinstance(left, (list, dict)):
        return left
    if left is None or right is None:
        return None
    if is_number(left) and is_number(right):
        return left + right
    if isinstance(left, list) and isinstance(right, list):
        result = left + right
        ctx.check_size(result, node)
        return result
    if isinstance(left, dict) and isinstance(right, dict):
        result = dict(right)
        result.update(left)  # the left operand wins on shared keys
        ctx.check_size(result, node)
        return result
    raise node.fail(
        f"Can't add {type_name(left)} {describe(left)} and {type_name(right)} {describe(right)}: "
        f"can't convert between them"
    )


def subtract(node, ctx, left, right):
    if left is None or right is None:
        return None
    return _require_number(node, left) - _require_number(node, right)


def multiply(node, ctx, left, right):
    if left is None or right is None:
        return None
    # "abc" * 3 repeats the string
    if isinstance(left, str) and type(right) is int:
        left, right = right, left
    if type(left) is int and isinstance(right, str):
        if left * len(right) > ctx.limits.max_output_size:
            raise node.fail("String repetition exceeds the maximum output size", JsltLimitError)
        return right * max(left, 0)
    return _require_number(node, left) * _require_number(node, right)


def divide(node, ctx, left, right):
    if left is None or right is None:
        return None
    _require_number(node, left)
    _require_number(node, right)
    if right == 0:
        raise node.fail("Division by zero")
    if type(left) is int and type(right) is int:
        # integral result stays an integer, like JSLT's long division
        if left % right == 0:
            return left // right
    return left / right


def remainder(node, ctx, left, right):
    if left is None or right is None:
        return None
    _require_number(node, left)
    _require_number(node, right)
    if right == 0:
        raise node.fail("Division by zero")
    if type(left) is int and type(right) is int:
        # Java's %: the result takes the sign of the dividend
        result = abs(left) % abs(right)
        return -result if left < 0 else result
    return math.fmod(left, right)


ARITHMETIC = {"+": add, "-": subtract, "*": multiply, "/": divide, "%": remainder}


class Arithmetic(Node):
    __slots__ = ("operator", "left", "right", "function")

    def __init__(self, operator, left, right, line, column):
        super().__init__(line, column)
        self.operator = operator
        self.left = left
        self.right = right
        self.function = ARITHMETIC[operator]

    def children(self):
        return (self.left, self.right)

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        left = self.left.evaluate(dot, scope, ctx)
        right = self.right.evaluate(dot, scope, ctx)
        return self.function(self, ctx, left, right)


class Comparison(Node):
    __slots__ = ("operator", "left", "right")

    def __init__(self, operator, left, right, line, column):
        super().__init__(line, column)
        self.operator = operator
        self.left = left
        self.right = right

    def children(self):
        return (self.left, self.right)

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        left = self.left.evaluate(dot, scope, ctx)
        right = self.right.evaluate(dot, scope, ctx)
        operator = self.operator
        if operator == "==":
            return json_equal(left, right)
        if operator == "!=":
            return not json_equal(left, right)
        try:
            order = compare(left, right)
        except JsltError as error:
            raise error.with_position(self.line, self.column)
        if operator == "<":
            return order < 0
        if operator == "<=":
            return order <= 0
        if operator == ">":
            return order > 0
        return order >= 0


# ---------------------------------------------------------------- functions


class FunctionDef:
    """`def name(params) lets body`, callable from anywhere in the program."""

    __slots__ = ("name", "params", "lets", "body", "line", "column")

    def __init__(self, name, params, lets, body, line, column):
        self.name = name
        self.params = params
        self.lets = lets
        self.body = body
        self.line = line
        self.column = column


class UserFunctionCall(Node):
    __slots__ = ("function", "args")

    def __init__(self, function: FunctionDef, args, line, column):
        super().__init__(line, column)
        self.function = function
        self.args = args

    def children(self):
        return self.args

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        function = self.function
        arguments = {name: arg.evaluate(dot, scope, ctx) for name, arg in zip(function.params, self.args)}
        ctx.depth += 1
        if ctx.depth > ctx.limits.max_depth:
            raise self.fail(
                f"Maximum function call depth of {ctx.limits.max_depth} exceeded calling {function.name}()",
                JsltLimitError,
            )
        try:
            # Functions see global variables and their parameters, and `.` of the caller.
            function_scope = bind_lets(function.lets, dot, Scope(ctx.global_scope, arguments), ctx)
            return function.body.evaluate(dot, function_scope, ctx)
        finally:
            ctx.depth -= 1


class BuiltinCall(Node):
    """Call of a built-in function whose arguments are evaluated first."""

    __slots__ = ("function", "args")

    def __init__(self, function, args, line, column):
        super().__init__(line, column)
        self.function = function
        self.args = args

    def children(self):
        return self.args

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        values = [arg.evaluate(dot, scope, ctx) for arg in self.args]
        try:
            return self.function.implementation(ctx, *values)
        except JsltError as error:
            raise error.with_position(self.line, self.column)


class MacroCall(BuiltinCall):
    """Call of a built-in that decides itself how to evaluate its arguments
    (``fallback`` stops at the first value, ``group-by`` evaluates per item)."""

    __slots__ = ()

    def bind_matchers(self, path):
        for index, arg in enumerate(self.args):
            per_item = index in self.function.per_item_args
            arg.bind_matchers(() if per_item and path != MATCHER_IN_FUNCTION else path)

    def evaluate(self, dot, scope, ctx):
        ctx.tick(self)
        try:
            return self.function.implementation(ctx, self.args, dot, scope)
        except JsltError as error:
            raise error.with_position(self.line, self.column)


class Program(Node):
    """A whole compiled JSLT text: top-level lets, functions, final expression."""

    __slots__ = ("lets", "functions", "body")

    def __init__(self, lets, functions, body, line, column):
        super().__init__(line, column)
        self.lets = lets
        self.functions = functions
        self.body = body

    def bind_matchers(self, path):
        for let in self.lets:
            let.value.bind_matchers(())
        for function in self.functions.values():
            for let in function.lets:
                let.value.bind_matchers(MATCHER_IN_FUNCTION)
            function.body.bind_matchers(MATCHER_IN_FUNCTION)
        self.body.bind_matchers(())

    def evaluate(self, dot, scope, ctx):
        global_scope = Scope(scope)
        ctx.global_scope = global_scope
        for let in self.lets:
            global_scope.bindings[let.name] = let.value.evaluate(dot, global_scope, ctx)
        return self.body.evaluate(dot, global_scope, ctx)
