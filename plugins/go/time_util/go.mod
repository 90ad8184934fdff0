module wasmcrew.dev/plugins/time_util

go 1.24

require wasmcrew.dev/plugin v0.0.0

replace wasmcrew.dev/plugin => ../wasmcrew
