"""The RSQL `filter` of the job list, bulk cancel/delete and count (reference §3.3), as Q.

The grammar follows the defaults of the rsql-parser the original uses: comparisons
`selector OP value` or `selector OP (v1,v2,...)`, `;`/` and ` (binds tighter) and `,`/` or `,
parentheses, unquoted values or single/double quoted ones with backslash escapes.

Selectors: `id`, `name`, `status`, `percentageComplete` and `labels.<key>`. Label predicates
are EXISTS sub-queries, so a job lacking the label never matches. SQL NULL semantics apply:
`name!=x` does not match jobs without a name.
"""
import operator
from decimal import Decimal, InvalidOperation
from functools import reduce
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import LarkError, VisitError

from jobs.errors import BadRequest
from jobs.lookups import CaseSensitiveLike, like_pattern
from jobs.models import Label
from jobs.states import JobStatus

PARSE_ERROR = "Unable to parse filter"
# And/or groups nested deeper than this are refused: SQLite's parser gives up at about 26
# levels, and deeper still Python's recursion while the Q is built (both a 500). Real
# filters nest a few levels.
MAX_NESTING = 20
NESTING_ERROR = f"The filter nests and/or groups more than {MAX_NESTING} levels deep."

# Terminal priorities reproduce the original's longest-match lexer: " and " / " or " win
# over the blanks that are otherwise skipped around tokens.
_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: _constraint (AND _constraint)*
_constraint: "(" or_expr ")" | comparison
comparison: UNRESERVED COMPARATOR arguments
arguments: "(" value (OR value)* ")" | value
value: UNRESERVED | SQ_STRING | DQ_STRING

AND.3: ";" | " and "
OR.3: "," | " or "
COMPARATOR.2: /=[a-z]*=|!=|[<>]=?/i
UNRESERVED: /[^"'();,=<>!~ \t]+/
SQ_STRING: /'(\\.|[^'\\])*'/s
DQ_STRING: /"(\\.|[^"\\])*"/s
BLANK.1: /[ \t]+/
%ignore BLANK
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="basic")

_OPERATORS = {
    "==": "eq",
    "!=": "ne",
    "=gt=": "gt",
    ">": "gt",
    "=ge=": "ge",
    ">=": "ge",
    "=lt=": "lt",
    "<": "lt",
    "=le=": "le",
    "<=": "le",
    "=in=": "in",
    "=out=": "out",
}
_MULTI_VALUE = {"in", "out"}
_COLUMNS = {"id": "job_id", "name": "name", "status": "status", "percentageComplete": "percentage_complete"}
LABEL_PREFIX = "labels."


class _ParseFailure(Exception):
    """The expression is syntactically wrong for RSQL (unknown operator, list where one
    value is expected)."""


def parse_filter(expression: str) -> Q:
    """Q for the jobs matching `expression`; BadRequest when it is not valid."""
    try:
        tree = _PARSER.parse(expression)
    except LarkError as exc:
        raise BadRequest(PARSE_ERROR) from exc
    if _nesting_exceeds(tree, MAX_NESTING):
        raise BadRequest(NESTING_ERROR)
    try:
        result = _ToQ().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, BadRequest):
            raise exc.orig_exc from None
        if isinstance(exc.orig_exc, _ParseFailure):
            raise BadRequest(PARSE_ERROR) from None
        raise
    return result


def _nesting_exceeds(tree: Tree, limit: int) -> bool:
    """Whether and/or groups nest more than `limit` deep (walked without recursion)."""
    pending = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        if node.data in ("or_expr", "and_expr"):
            depth += 1
            if depth > limit:
                return True
        pending.extend((child, depth) for child in node.children if isinstance(child, Tree))
    return False


def _unquote(token: Token) -> str:
    text = str(token)
    if token.type == "UNRESERVED":
        return text
    body = text[1:-1]
    out: list[str] = []
    escaped = False
    for char in body:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    return "".join(out)


class _ToQ(Transformer):
    def value(self, children: list[Token]) -> str:
        return _unquote(children[0])

    def arguments(self, children: list[Any]) -> list[str]:
        return [child for child in children if not isinstance(child, Token)]

    def or_expr(self, children: list[Any]) -> Q:
        return reduce(operator.or_, [child for child in children if isinstance(child, Q)])

    def and_expr(self, children: list[Any]) -> Q:
        return reduce(operator.and_, [child for child in children if isinstance(child, Q)])

    @v_args(inline=True)
    def comparison(self, selector: Token, comparator: Token, values: list[str]) -> Q:
        op = _OPERATORS.get(str(comparator))
        if op is None:
            raise _ParseFailure(f"unknown operator {comparator}")
        if op not in _MULTI_VALUE and len(values) != 1:
            raise _ParseFailure(f"{comparator} takes one value")
        return _comparison_q(str(selector), op, values)


def _comparison_q(selector: str, operator: str, values: list[str]) -> Q:
    if selector.startswith(LABEL_PREFIX) and len(selector) > len(LABEL_PREFIX):
        key = selector[len(LABEL_PREFIX):]
        labels = Label.objects.filter(job_id=OuterRef("pk"), label=key)
        return Q(Exists(labels.filter(_column_q("value", operator, values))))
    column = _COLUMNS.get(selector)
    if column is None:
        raise BadRequest(f"Unsupported filter key specified: {selector}")
    if column == "status":
        values = [_status_value(value) for value in values]
        return _column_q(column, operator, values, wildcards=False)
    if column == "percentage_complete":
        return _column_q(column, operator, [_number_value(value) for value in values], wildcards=False)
    return _column_q(column, operator, values)


def _column_q(column: str, operator: str, values: list[Any], wildcards: bool = True) -> Q:
    """SQL comparison of `column`; `*` in an ==/!= value is a LIKE wildcard."""
    not_null = Q(**{f"{column}__isnull": False})
    if operator in ("eq", "ne"):
        value = values[0]
        if wildcards and "*" in value:
            like = Q(CaseSensitiveLike(F(column), like_pattern(value.split("*"))))
        else:
            like = Q(**{column: value})
        # Django would let NULLs through a plain negation; SQL `<>` does not.
        return like if operator == "eq" else not_null & ~like
    if operator == "in":
        return Q(**{f"{column}__in": values})
    if operator == "out":
        return not_null & ~Q(**{f"{column}__in": values})
    lookup = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}[operator]
    return Q(**{f"{column}__{lookup}": values[0]})


def _status_value(value: str) -> str:
    if value not in {status.value for status in JobStatus}:
        raise BadRequest(
            f"Invalid status value specified in filter: {value}. "
            f"Valid values are: {', '.join(status.value for status in JobStatus)}"
        )
    return value


def _number_value(value: str) -> float:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise BadRequest(f"Invalid numeric value specified in filter for percentageComplete: {value}")
    return float(number)
