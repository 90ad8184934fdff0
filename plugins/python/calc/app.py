"""`calc`: evaluates arithmetic expressions safely — parsed with `ast` and walked by hand,
never `eval`, with limits on exponent and size so no expression can hang the tool."""

import ast
import json
import math
import operator

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports.types import ToolError_InvalidArgs, ToolSpec

OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
FUNCTIONS = {
    "sqrt": math.sqrt, "abs": abs, "round": round, "min": min, "max": max,
    "log": math.log, "exp": math.exp, "sin": math.sin, "cos": math.cos, "tan": math.tan,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
MAX_EXPONENT = 1000
MAX_LENGTH = 1000


class CalcError(Exception):
    pass


def evaluate(node):
    if isinstance(node, ast.Expression):
        return evaluate(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return UNARY[type(node.op)](evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = evaluate(node.left), evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise CalcError(f"exponent {right} is larger than {MAX_EXPONENT}")
        return OPERATORS[type(node.op)](left, right)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS and not node.keywords):
        return FUNCTIONS[node.func.id](*[evaluate(a) for a in node.args])
    where = f" at column {node.col_offset + 1}" if hasattr(node, "col_offset") else ""
    raise CalcError(f"unsupported {type(node).__name__}{where}: only numbers, + - * / // % **, "
                    f"parentheses, {', '.join(sorted(CONSTANTS))} and "
                    f"{', '.join(sorted(FUNCTIONS))}() are allowed")


def calculate(expression):
    if len(expression) > MAX_LENGTH:
        raise CalcError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as e:
        raise CalcError(f"syntax error at column {e.offset}: {e.msg}")
    try:
        return evaluate(tree)
    except ZeroDivisionError:
        raise CalcError("division by zero")
    except (ValueError, TypeError, OverflowError) as e:
        raise CalcError(str(e))


class Tool(exports.Tool):
    def tools(self):
        return [ToolSpec(
            "calc",
            "Evaluates an arithmetic expression: numbers, + - * / // % **, parentheses, "
            "pi, e, and sqrt abs round min max log exp sin cos tan.",
            json.dumps({
                "type": "object",
                "properties": {"expression": {"type": "string", "description": "e.g. (2 + 3) * sqrt(16)"}},
                "required": ["expression"],
                "additionalProperties": False,
            }),
        )]

    def call(self, name, arguments):
        expression = json.loads(arguments)["expression"]
        try:
            result = calculate(expression)
        except CalcError as e:
            raise Err(ToolError_InvalidArgs(f"cannot evaluate {expression!r}: {e}"))
        return json.dumps({"expression": expression, "result": result})
