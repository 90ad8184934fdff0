module wasmcrew.dev/plugin

go 1.24
