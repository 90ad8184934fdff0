"""The conformance plugin in Python: the same eight tools, with the same behaviour, as the
conformance plugin of every other language (see plugins/README.md)."""

import json
import os
import time

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import host
from wit_world.imports.types import ToolError_Failed, ToolError_InvalidArgs, ToolSpec

OBJECT = '{"type":"object"}'


def schema(name, kind, minimum=None):
    prop = {"type": kind}
    if minimum is not None:
        prop["minimum"] = minimum
    return json.dumps({"type": "object", "properties": {name: prop}, "required": [name]})


class Tool(exports.Tool):
    def tools(self):
        return [
            ToolSpec("echo", "Returns its arguments.", OBJECT),
            ToolSpec("fail", "Always fails.", OBJECT),
            ToolSpec("spin", "Loops forever.", OBJECT),
            ToolSpec("sleep", "Sleeps for `seconds`.", schema("seconds", "number", 0)),
            ToolSpec("alloc", "Allocates `mb` MiB.", schema("mb", "integer", 0)),
            ToolSpec("log", "Logs a line through host.log.", OBJECT),
            ToolSpec("env", "Returns the environment variable `name`.", schema("name", "string")),
            ToolSpec("read", "Returns the file at `path`.", schema("path", "string")),
        ]

    def call(self, name, arguments):
        try:
            args = json.loads(arguments)
        except ValueError as e:
            raise Err(ToolError_InvalidArgs(str(e)))
        if name == "echo":
            return arguments
        if name == "fail":
            raise Err(ToolError_Failed("failed on purpose"))
        if name == "spin":
            while True:
                pass
        if name == "sleep":
            time.sleep(args["seconds"])
            return "slept"
        if name == "alloc":
            # Not caught: running out of memory ends the call, as in every other language.
            block = bytearray(args["mb"] << 20)
            return f"allocated {len(block) >> 20} MB"
        if name == "log":
            host.log(host.Level.INFO, "hello from python")
            return "logged"
        if name == "env":
            value = os.environ.get(args["name"])
            if value is None:
                raise Err(ToolError_Failed(f"{args['name']} is not set"))
            return value
        if name == "read":
            try:
                with open(args["path"]) as f:
                    return f.read()
            except OSError as e:
                raise Err(ToolError_Failed(f"cannot read {args['path']}: {e}"))
        raise Err(ToolError_InvalidArgs(f"no tool {name}"))
