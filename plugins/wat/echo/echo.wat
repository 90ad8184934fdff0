;; A minimal wasmcrew tool plugin in raw WebAssembly text: one tool, `echo`, which returns
;; its arguments. It shows the canonical ABI that `wit/plugin.wit` lowers to, for authors
;; of new language bindings. `cargo xtask plugins` embeds the `wasmcrew:plugin/plugin` world
;; and wraps it into a component (plugins/out/wat/echo.wasm).
(module
  ;; wasmcrew:plugin/host.log(level: level, message: string): the enum is an i32, the
  ;; string a (pointer, length) pair in this module's memory.
  (import "wasmcrew:plugin/host@0.1.0" "log" (func $log (param i32 i32 i32)))

  (memory (export "memory") 1)

  ;; Fixed places: a return area and the tool list.
  (global $ret i32 (i32.const 16))
  (data (i32.const 64) "echo")
  (data (i32.const 80) "Returns its arguments unchanged.")
  (data (i32.const 128) "{\"type\":\"object\",\"description\":\"Any JSON object; it is returned as is.\"}")
  (data (i32.const 256) "echoing")
  ;; list<tool-spec> with one element: three strings = six i32s (pointer, length).
  (data (i32.const 32)
    "\40\00\00\00\04\00\00\00"   ;; name        -> 64, 4
    "\50\00\00\00\20\00\00\00"   ;; description -> 80, 32
    "\80\00\00\00\48\00\00\00")  ;; parameters  -> 128, 72

  ;; The host copies argument strings into guest memory through this allocator. A bump
  ;; allocator is enough: every call runs on a fresh instance, so nothing needs freeing.
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1)))
                    (i32.const -1))
          (then unreachable))))
    (local.get $ptr))

  ;; tools: func() -> list<tool-spec>. A list is returned through a return area holding
  ;; (pointer, count).
  (func (export "wasmcrew:plugin/tool@0.1.0#tools") (result i32)
    (i32.store (global.get $ret) (i32.const 32))
    (i32.store offset=4 (global.get $ret) (i32.const 1))
    (global.get $ret))

  ;; call: func(name: string, arguments: string) -> result<string, tool-error>. The result
  ;; goes in the return area: byte 0 is the case (0 ok, 1 err); for ok, the string at 4 and
  ;; 8; for err, the tool-error case at 4 (0 invalid-args, 1 failed) and its string at 8, 12.
  ;; The host only calls tools that `tools` lists, so `name` is always "echo" here.
  (func (export "wasmcrew:plugin/tool@0.1.0#call")
        (param $name i32) (param $name_len i32) (param $args i32) (param $args_len i32) (result i32)
    (call $log (i32.const 1) (i32.const 256) (i32.const 7)) ;; level 1 = debug
    (i32.store8 (global.get $ret) (i32.const 0))
    (i32.store offset=4 (global.get $ret) (local.get $args))
    (i32.store offset=8 (global.get $ret) (local.get $args_len))
    (global.get $ret))
)
