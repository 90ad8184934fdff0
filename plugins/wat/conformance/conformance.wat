;; The conformance plugin in raw WebAssembly text: the same eight tools, with the same
;; behaviour, as the conformance plugin of every other language (see plugins/README.md).
;; It calls WASI 0.2 directly through the canonical ABI, so it doubles as a reference for
;; how a guest reaches clocks, the environment and the filesystem without a libc.
;;
;; Argument parsing is deliberately minimal: the host has already checked the arguments
;; against each tool's schema, so a tool reads the first number, or the first string value,
;; after the first colon (strings without escapes).
(module
  (import "wasmcrew:plugin/host@0.1.0" "log" (func $log (param i32 i32 i32)))
  (import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration" (func $subscribe_duration (param i64) (result i32)))
  (import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $block (param i32)))
  (import "wasi:cli/environment@0.2.12" "get-environment" (func $get_env (param i32)))
  (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $get_dirs (param i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.open-at" (func $open_at (param i32 i32 i32 i32 i32 i32 i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.read" (func $read (param i32 i64 i64 i32)))

  (memory (export "memory") 2)

  ;; 0..64: return area; 64..128: scratch for WASI results; 1024..: tool list; 2048..: text.
  (data (i32.const 2048) "echo")                                   ;; 2048, 4
  (data (i32.const 2052) "fail")                                   ;; 2052, 4
  (data (i32.const 2056) "spin")                                   ;; 2056, 4
  (data (i32.const 2060) "sleep")                                  ;; 2060, 5
  (data (i32.const 2065) "alloc")                                  ;; 2065, 5
  (data (i32.const 2070) "log")                                    ;; 2070, 3
  (data (i32.const 2073) "env")                                    ;; 2073, 3
  (data (i32.const 2076) "read")                                   ;; 2076, 4
  (data (i32.const 2080) "{\"type\":\"object\"}")                  ;; 2080, 17
  (data (i32.const 2100) "Returns its arguments.")                 ;; 2100, 22
  (data (i32.const 2130) "Always fails.")                          ;; 2130, 13
  (data (i32.const 2150) "Loops forever.")                         ;; 2150, 14
  (data (i32.const 2170) "Sleeps for `seconds`.")                  ;; 2170, 21
  (data (i32.const 2200) "Allocates `mb` MiB.")                    ;; 2200, 19
  (data (i32.const 2220) "Logs a line through host.log.")          ;; 2220, 29
  (data (i32.const 2250) "Returns the environment variable `name`.") ;; 2250, 40
  (data (i32.const 2300) "Returns the file at `path`.")            ;; 2300, 27
  (data (i32.const 2330) "{\"type\":\"object\",\"properties\":{\"seconds\":{\"type\":\"number\",\"minimum\":0}},\"required\":[\"seconds\"]}") ;; 2330, 95
  (data (i32.const 2430) "{\"type\":\"object\",\"properties\":{\"mb\":{\"type\":\"integer\",\"minimum\":0}},\"required\":[\"mb\"]}") ;; 2430, 86
  (data (i32.const 2520) "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}") ;; 2520, 77
  (data (i32.const 2600) "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}") ;; 2600, 77
  (data (i32.const 2680) "failed on purpose")                      ;; 2680, 17
  (data (i32.const 2700) "slept")                                  ;; 2700, 5
  (data (i32.const 2710) "allocated")                              ;; 2710, 9
  (data (i32.const 2720) "hello from wat")                         ;; 2720, 14
  (data (i32.const 2740) "logged")                                 ;; 2740, 6
  (data (i32.const 2750) " is not set")                            ;; 2750, 11
  (data (i32.const 2770) "cannot read: no preopened directory")    ;; 2770, 35
  (data (i32.const 2810) "cannot read: the file cannot be opened") ;; 2810, 38
  (data (i32.const 2850) "no such tool")                           ;; 2850, 12

  ;; list<tool-spec>: eight records of (name, description, parameters), six i32 each.
  (data (i32.const 1024)
    "\00\08\00\00\04\00\00\00" "\34\08\00\00\16\00\00\00" "\20\08\00\00\11\00\00\00"
    "\04\08\00\00\04\00\00\00" "\52\08\00\00\0d\00\00\00" "\20\08\00\00\11\00\00\00"
    "\08\08\00\00\04\00\00\00" "\66\08\00\00\0e\00\00\00" "\20\08\00\00\11\00\00\00"
    "\0c\08\00\00\05\00\00\00" "\7a\08\00\00\15\00\00\00" "\1a\09\00\00\5f\00\00\00"
    "\11\08\00\00\05\00\00\00" "\98\08\00\00\13\00\00\00" "\7e\09\00\00\56\00\00\00"
    "\16\08\00\00\03\00\00\00" "\ac\08\00\00\1d\00\00\00" "\20\08\00\00\11\00\00\00"
    "\19\08\00\00\03\00\00\00" "\ca\08\00\00\28\00\00\00" "\d8\09\00\00\4d\00\00\00"
    "\1c\08\00\00\04\00\00\00" "\fc\08\00\00\1b\00\00\00" "\28\0a\00\00\4d\00\00\00")

  ;; A bump allocator: nothing is freed, since each call runs on a fresh instance.
  (global $heap (mut i32) (i32.const 65536))
  (func $alloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1))) (i32.const -1))
          (then unreachable))))
    (if (local.get $old) (then (memory.copy (local.get $ptr) (local.get $old) (local.get $old_size))))
    (local.get $ptr))

  (func $eq (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (result i32)
    (if (i32.ne (local.get $alen) (local.get $blen)) (then (return (i32.const 0))))
    (block $differ
      (loop $next
        (if (i32.eqz (local.get $alen)) (then (return (i32.const 1))))
        (br_if $differ (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $alen (i32.sub (local.get $alen) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  (func $ok (param $ptr i32) (param $len i32) (result i32)
    (i32.store8 (i32.const 0) (i32.const 0))
    (i32.store (i32.const 4) (local.get $ptr))
    (i32.store (i32.const 8) (local.get $len))
    (i32.const 0))

  ;; $case: 0 invalid-args, 1 failed.
  (func $err (param $case i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store8 (i32.const 0) (i32.const 1))
    (i32.store8 (i32.const 4) (local.get $case))
    (i32.store (i32.const 8) (local.get $ptr))
    (i32.store (i32.const 12) (local.get $len))
    (i32.const 0))

  ;; The index of the first `char` in [ptr, ptr+len) at or after `from`, or len.
  (func $find (param $ptr i32) (param $len i32) (param $from i32) (param $char i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $from) (local.get $len)))
        (br_if $done (i32.eq (i32.load8_u (i32.add (local.get $ptr) (local.get $from))) (local.get $char)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $next)))
    (local.get $from))

  ;; The first unsigned number after the first colon (fractions are dropped).
  (func $arg_number (param $ptr i32) (param $len i32) (result i64)
    (local $i i32) (local $c i32) (local $n i64)
    (local.set $i (call $find (local.get $ptr) (local.get $len) (i32.const 0) (i32.const 58))) ;; ':'
    (block $done
      (loop $skip
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (br_if $skip (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9))))
      (loop $digit
        (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 10))
                               (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (br_if $digit (i32.le_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))))
    (local.get $n))

  ;; The first string value after the first colon, as (start in memory, length) in
  ;; globals $s_ptr / $s_len.
  (global $s_ptr (mut i32) (i32.const 0))
  (global $s_len (mut i32) (i32.const 0))
  (func $arg_string (param $ptr i32) (param $len i32)
    (local $open i32) (local $close i32)
    (local.set $open (call $find (local.get $ptr) (local.get $len)
                       (call $find (local.get $ptr) (local.get $len) (i32.const 0) (i32.const 58))
                       (i32.const 34)))
    (local.set $close (call $find (local.get $ptr) (local.get $len)
                        (i32.add (local.get $open) (i32.const 1)) (i32.const 34)))
    (global.set $s_ptr (i32.add (local.get $ptr) (i32.add (local.get $open) (i32.const 1))))
    (global.set $s_len (i32.sub (local.get $close) (i32.add (local.get $open) (i32.const 1)))))

  (func (export "wasmcrew:plugin/tool@0.1.0#tools") (result i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 8))
    (i32.const 0))

  (func (export "wasmcrew:plugin/tool@0.1.0#call")
        (param $name i32) (param $name_len i32) (param $args i32) (param $args_len i32) (result i32)
    (local $p i32) (local $n i32) (local $out i32)
    (if (call $eq (local.get $name) (local.get $name_len) (i32.const 2048) (i32.const 4)) ;; echo
      (then (return (call $ok (local.get $args) (local.get $args_len)))))
    (if (call $eq (local.get $name) (local.get $name_len) (i32.const 2052) (i32.const 4)) ;; fail
      (then (return (call $err (i32.const 1) (i32.const 2680) (i32.const 17)))))
    (if (call $eq (local.get $name) (local.get $name_len) (i32.const 2056) (i32.const 4)) ;; spin
      (then (loop $forever (br $forever))))
    (if (call $eq (local.get $name) (local.get $name_len) (i32.const 2060) (i32.const 5)) ;; sleep
      (then
        (call $block (call $subscribe_duration
          (i64.mul (call $arg_number (local.get $args) (local.get $args_len)) (i64.const 1000000000))))
        (return (call $ok (i32.const 2700) (i32.const 5)))))
    (if (call $eq (local.get $name) (local.get $name_len) (i32.const 2065) (i32.const 5)) ;; alloc
      (then
        ;; 16 pages per MiB; a refused grow (-1) traps, as running out of memory does
        ;; in every other language.
        (if (i32.eq (memory.grow (i32.wrap_i64 (i64.mul (call $arg_number (local.get $args) (local.get $args_len))
                                                        (i64.const 16))))
                    (i32.const -1))
          (then unreachable))
        (return (call $ok (i32.const 2710) (i32.const 9)))))
    (if (call $eq (local.get $name) (local.get $name_len) (i32.const 2070) (i32.const 3)) ;; log
      (then
        (call $log (i32.const 2) (i32.const 2720) (i32.const 14))
        (return (call $ok (i32.const 2740) (i32.const 6)))))
    (if (call $eq (local.get $name) (local.get $name_len) (i32.const 2073) (i32.const 3)) ;; env
      (then
        (call $arg_string (local.get $args) (local.get $args_len))
        (call $get_env (i32.const 64))
        (local.set $p (i32.load (i32.const 64)))
        (local.set $n (i32.load (i32.const 68)))
        (block $none
          (loop $next
            (br_if $none (i32.eqz (local.get $n)))
            (if (call $eq (i32.load (local.get $p)) (i32.load offset=4 (local.get $p))
                          (global.get $s_ptr) (global.get $s_len))
              (then (return (call $ok (i32.load offset=8 (local.get $p)) (i32.load offset=12 (local.get $p))))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next)))
        ;; "<name> is not set"
        (local.set $out (call $alloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.add (global.get $s_len) (i32.const 11))))
        (memory.copy (local.get $out) (global.get $s_ptr) (global.get $s_len))
        (memory.copy (i32.add (local.get $out) (global.get $s_len)) (i32.const 2750) (i32.const 11))
        (return (call $err (i32.const 1) (local.get $out) (i32.add (global.get $s_len) (i32.const 11))))))
    (if (call $eq (local.get $name) (local.get $name_len) (i32.const 2076) (i32.const 4)) ;; read
      (then
        (call $arg_string (local.get $args) (local.get $args_len))
        (call $get_dirs (i32.const 64))
        (if (i32.eqz (i32.load (i32.const 68)))
          (then (return (call $err (i32.const 1) (i32.const 2770) (i32.const 35)))))
        ;; The first preopen (handle, guest path); the file's path relative to it is what
        ;; follows the guest path and its slash.
        (local.set $p (i32.load (i32.const 64)))
        (local.set $n (i32.add (i32.load offset=8 (local.get $p)) (i32.const 1)))
        (call $open_at (i32.load (local.get $p)) (i32.const 0)
                       (i32.add (global.get $s_ptr) (local.get $n)) (i32.sub (global.get $s_len) (local.get $n))
                       (i32.const 0) (i32.const 1) (i32.const 80))
        (if (i32.load8_u (i32.const 80))
          (then (return (call $err (i32.const 1) (i32.const 2810) (i32.const 38)))))
        (call $read (i32.load (i32.const 84)) (i64.const 1048576) (i64.const 0) (i32.const 96))
        (if (i32.load8_u (i32.const 96))
          (then (return (call $err (i32.const 1) (i32.const 2810) (i32.const 38)))))
        (return (call $ok (i32.load (i32.const 100)) (i32.load (i32.const 104))))))
    (call $err (i32.const 0) (i32.const 2850) (i32.const 12)))
)
