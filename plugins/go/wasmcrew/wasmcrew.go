// Package plugin is the wasmcrew plugin contract (wit/plugin.wit) for Go, written by hand
// with go:wasmexport and go:wasmimport (wit-bindgen's Go output needs a module only the
// Go proxy serves). A plugin implements Plugin and calls Register from an init function.
//
// Every call runs on a fresh instance, so nothing here is ever freed.
package plugin

import "unsafe"

// ToolSpec describes one tool to the model.
type ToolSpec struct {
	Name        string
	Description string
	// Parameters is the JSON Schema of the arguments object, as JSON text.
	Parameters string
}

// Status is how a call ended.
type Status int32

const (
	// OK: the result is the tool's output.
	OK Status = iota
	// InvalidArgs: the result says why the arguments cannot be used.
	InvalidArgs
	// Failed: the result says how the tool failed.
	Failed
)

// Plugin is what a Go plugin implements.
type Plugin interface {
	Tools() []ToolSpec
	Call(name, arguments string) (string, Status)
}

var registered Plugin

// Register sets the plugin; call it from an init function.
func Register(p Plugin) { registered = p }

// Level of a log line.
type Level int32

const (
	Trace Level = iota
	Debug
	Info
	Warn
	Error
)

//go:wasmimport wasmcrew:plugin/host@0.1.0 log
func hostLog(level int32, ptr unsafe.Pointer, length uint32)

// Log appends a line to the call's log.
func Log(level Level, message string) {
	hostLog(int32(level), unsafe.Pointer(unsafe.StringData(message)), uint32(len(message)))
}

// The return area, and what the host still has to read after an export returns.
var (
	ret   [4]uint32
	specs []uint32
	kept  []string
)

func address(p unsafe.Pointer) uint32 { return uint32(uintptr(p)) }

func stringAt(ptr, length uint32) string {
	return unsafe.String((*byte)(unsafe.Pointer(uintptr(ptr))), length)
}

//go:wasmexport wasmcrew:plugin/tool@0.1.0#tools
func exportTools() uint32 {
	tools := registered.Tools()
	specs = make([]uint32, 0, 6*len(tools))
	for _, t := range tools {
		for _, s := range []string{t.Name, t.Description, t.Parameters} {
			kept = append(kept, s)
			specs = append(specs, address(unsafe.Pointer(unsafe.StringData(s))), uint32(len(s)))
		}
	}
	ret[0] = address(unsafe.Pointer(unsafe.SliceData(specs)))
	ret[1] = uint32(len(tools))
	return address(unsafe.Pointer(&ret))
}

//go:wasmexport wasmcrew:plugin/tool@0.1.0#call
func exportCall(namePtr, nameLen, argsPtr, argsLen uint32) uint32 {
	out, status := registered.Call(stringAt(namePtr, nameLen), stringAt(argsPtr, argsLen))
	kept = append(kept, out)
	data := address(unsafe.Pointer(unsafe.StringData(out)))
	if status == OK {
		ret[0], ret[1], ret[2] = 0, data, uint32(len(out))
	} else {
		ret[0], ret[2], ret[3] = 1, data, uint32(len(out))
		ret[1] = 1
		if status == InvalidArgs {
			ret[1] = 0
		}
	}
	return address(unsafe.Pointer(&ret))
}

// The host (and the WASI adapter, while the Go runtime is still starting) allocate guest
// memory through cabi_realloc, so it must not touch the Go heap: a static arena.
var (
	arena     [8 << 20]byte
	arenaUsed uint32
)

//go:wasmexport cabi_realloc
func cabiRealloc(old, oldSize, align, newSize uint32) uint32 {
	if newSize == 0 {
		return align
	}
	base := address(unsafe.Pointer(&arena[0]))
	p := (base + arenaUsed + align - 1) &^ (align - 1)
	if p-base+newSize > uint32(len(arena)) {
		panic("wasmcrew: cabi_realloc arena exhausted")
	}
	arenaUsed = p - base + newSize
	if old != 0 {
		copy(arena[p-base:p-base+oldSize], arena[old-base:old-base+oldSize])
	}
	return p
}
