// The conformance plugin in Go: the same eight tools, with the same behaviour, as the
// conformance plugin of every other language (see plugins/README.md).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	plugin "wasmcrew.dev/plugin"
)

const object = `{"type":"object"}`

func schema(name, kind string) string {
	return fmt.Sprintf(`{"type":"object","properties":{%q:{"type":%q,"minimum":0}},"required":[%q]}`, name, kind, name)
}

type conformance struct{}

func (conformance) Tools() []plugin.ToolSpec {
	return []plugin.ToolSpec{
		{Name: "echo", Description: "Returns its arguments.", Parameters: object},
		{Name: "fail", Description: "Always fails.", Parameters: object},
		{Name: "spin", Description: "Loops forever.", Parameters: object},
		{Name: "sleep", Description: "Sleeps for `seconds`.", Parameters: schema("seconds", "number")},
		{Name: "alloc", Description: "Allocates `mb` MiB.", Parameters: schema("mb", "integer")},
		{Name: "log", Description: "Logs a line through host.log.", Parameters: object},
		{Name: "env", Description: "Returns the environment variable `name`.",
			Parameters: `{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`},
		{Name: "read", Description: "Returns the file at `path`.",
			Parameters: `{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}`},
	}
}

var sink []byte

func (conformance) Call(name, arguments string) (string, plugin.Status) {
	var args struct {
		Seconds float64 `json:"seconds"`
		MB      int     `json:"mb"`
		Name    string  `json:"name"`
		Path    string  `json:"path"`
	}
	if err := json.Unmarshal([]byte(arguments), &args); err != nil {
		return err.Error(), plugin.InvalidArgs
	}
	switch name {
	case "echo":
		return arguments, plugin.OK
	case "fail":
		return "failed on purpose", plugin.Failed
	case "spin":
		for i := 0; ; i++ {
		}
	case "sleep":
		time.Sleep(time.Duration(args.Seconds * float64(time.Second)))
		return "slept", plugin.OK
	case "alloc":
		// Running out of memory ends the call (the runtime aborts), as in every language.
		sink = make([]byte, args.MB<<20)
		for i := range sink {
			sink[i] = 1
		}
		return fmt.Sprintf("allocated %d MB", len(sink)>>20), plugin.OK
	case "log":
		plugin.Log(plugin.Info, "hello from go")
		return "logged", plugin.OK
	case "env":
		value, ok := os.LookupEnv(args.Name)
		if !ok {
			return args.Name + " is not set", plugin.Failed
		}
		return value, plugin.OK
	case "read":
		data, err := os.ReadFile(args.Path)
		if err != nil {
			return fmt.Sprintf("cannot read %s: %v", args.Path, err), plugin.Failed
		}
		return string(data), plugin.OK
	}
	return "no tool " + name, plugin.InvalidArgs
}

func init() { plugin.Register(conformance{}) }

func main() {}
