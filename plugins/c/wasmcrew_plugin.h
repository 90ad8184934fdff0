/*
 * The wasmcrew plugin contract (wit/plugin.wit) for C, written out by hand: the canonical
 * ABI for one world of strings is small enough to read whole. Include this header in
 * exactly one .c file of a plugin and implement the two functions it declares:
 *
 *   const wc_tool_spec *wc_plugin_tools(size_t *count);
 *   enum wc_status wc_plugin_call(wc_str name, wc_str arguments, wc_str *result);
 *
 * Strings are (pointer, length), not NUL-terminated. Nothing needs freeing: every call runs
 * on a fresh instance whose memory is dropped afterwards.
 */
#ifndef WASMCREW_PLUGIN_H
#define WASMCREW_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const char *ptr; size_t len; } wc_str;

/* Laid out as the ABI's record of three strings: six 32-bit words. */
typedef struct { wc_str name; wc_str description; wc_str parameters; } wc_tool_spec;

enum wc_level { WC_TRACE, WC_DEBUG, WC_INFO, WC_WARN, WC_ERROR };
enum wc_status { WC_OK, WC_INVALID_ARGS, WC_FAILED };

#define WC_STR(literal) ((wc_str){ (literal), sizeof(literal) - 1 })

static inline wc_str wc_cstr(const char *s) { return (wc_str){ s, strlen(s) }; }

/* Implemented by the plugin. */
const wc_tool_spec *wc_plugin_tools(size_t *count);
enum wc_status wc_plugin_call(wc_str name, wc_str arguments, wc_str *result);

/* wasmcrew:plugin/host.log(level, message) */
__attribute__((import_module("wasmcrew:plugin/host@0.1.0"), import_name("log")))
extern void wc__host_log(int32_t level, const char *ptr, size_t len);

static inline void wc_log(enum wc_level level, const char *message) {
    wc__host_log((int32_t)level, message, strlen(message));
}

/* The host allocates argument strings in guest memory through this. */
__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    (void)old_size;
    if (new_size == 0) return (void *)align;
    void *p = realloc(old, new_size);
    if (!p) abort();
    return p;
}

/* Results go back through a return area: for a list, (pointer, count); for
 * result<string, tool-error>, byte 0 is the case (0 ok, 1 err), then either the string at
 * 4..12 or the tool-error case (0 invalid-args, 1 failed) at 4 and its string at 8..16. */
static uint32_t wc__ret[4];

__attribute__((export_name("wasmcrew:plugin/tool@0.1.0#tools")))
uint32_t *wc__export_tools(void) {
    size_t count = 0;
    const wc_tool_spec *tools = wc_plugin_tools(&count);
    wc__ret[0] = (uint32_t)(uintptr_t)tools;
    wc__ret[1] = (uint32_t)count;
    return wc__ret;
}

__attribute__((export_name("wasmcrew:plugin/tool@0.1.0#call")))
uint32_t *wc__export_call(char *name, size_t name_len, char *args, size_t args_len) {
    wc_str result = { "", 0 };
    enum wc_status status =
        wc_plugin_call((wc_str){ name, name_len }, (wc_str){ args, args_len }, &result);
    if (status == WC_OK) {
        wc__ret[0] = 0;
        wc__ret[1] = (uint32_t)(uintptr_t)result.ptr;
        wc__ret[2] = (uint32_t)result.len;
    } else {
        wc__ret[0] = 1;
        wc__ret[1] = status == WC_INVALID_ARGS ? 0 : 1;
        wc__ret[2] = (uint32_t)(uintptr_t)result.ptr;
        wc__ret[3] = (uint32_t)result.len;
    }
    return wc__ret;
}

/* Argument helpers. The host has already checked the arguments against the tool's JSON
 * Schema, so these only find a top-level field of a known type. */

/* The start of the value of top-level `key` in `json`, or NULL. */
static const char *wc__field(wc_str json, const char *key) {
    size_t key_len = strlen(key);
    int depth = 0, in_string = 0;
    for (size_t i = 0; i < json.len; i++) {
        char c = json.ptr[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = 0;
            continue;
        }
        if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') depth--;
        else if (c == '"') {
            if (depth == 1 && i + key_len + 1 < json.len &&
                memcmp(json.ptr + i + 1, key, key_len) == 0 && json.ptr[i + key_len + 1] == '"') {
                size_t j = i + key_len + 2;
                while (j < json.len && (json.ptr[j] == ' ' || json.ptr[j] == ':' ||
                                        json.ptr[j] == '\t' || json.ptr[j] == '\n' || json.ptr[j] == '\r'))
                    j++;
                return j < json.len ? json.ptr + j : NULL;
            }
            in_string = 1;
        }
    }
    return NULL;
}

/* The number at top-level `key`, or `fallback`. */
static inline double wc_json_number(wc_str json, const char *key, double fallback) {
    const char *v = wc__field(json, key);
    return v ? strtod(v, NULL) : fallback;
}

static void wc__utf8(char **out, uint32_t cp) {
    char *o = *out;
    if (cp < 0x80) *o++ = (char)cp;
    else if (cp < 0x800) { *o++ = (char)(0xC0 | cp >> 6); *o++ = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18); *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F));
    }
    *out = o;
}

/* The string at top-level `key`, unescaped into a new NUL-terminated buffer (its length in
 * the result), or { NULL, 0 }. */
static wc_str wc_json_string(wc_str json, const char *key) {
    const char *v = wc__field(json, key);
    if (!v || *v != '"') return (wc_str){ NULL, 0 };
    const char *end = json.ptr + json.len;
    char *buf = malloc((size_t)(end - v) + 1), *o = buf;
    for (const char *p = v + 1; p < end && *p != '"'; p++) {
        if (*p != '\\' || p + 1 >= end) { *o++ = *p; continue; }
        switch (*++p) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            uint32_t cp = (uint32_t)strtoul((char[5]){ p[1], p[2], p[3], p[4], 0 }, NULL, 16);
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p + 6 < end && p[1] == '\\' && p[2] == 'u') {
                uint32_t lo = (uint32_t)strtoul((char[5]){ p[3], p[4], p[5], p[6], 0 }, NULL, 16);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            wc__utf8(&o, cp);
            break;
        }
        default: *o++ = *p; /* \" \\ \/ */
        }
    }
    *o = 0;
    return (wc_str){ buf, (size_t)(o - buf) };
}

#endif
