/* The conformance plugin in C: the same eight tools, with the same behaviour, as the
 * conformance plugin of every other language (see plugins/README.md). */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "../wasmcrew_plugin.h"

#define OBJECT "{\"type\":\"object\"}"

static const wc_tool_spec TOOLS[] = {
    { WC_STR("echo"), WC_STR("Returns its arguments."), WC_STR(OBJECT) },
    { WC_STR("fail"), WC_STR("Always fails."), WC_STR(OBJECT) },
    { WC_STR("spin"), WC_STR("Loops forever."), WC_STR(OBJECT) },
    { WC_STR("sleep"), WC_STR("Sleeps for `seconds`."),
      WC_STR("{\"type\":\"object\",\"properties\":{\"seconds\":{\"type\":\"number\",\"minimum\":0}},\"required\":[\"seconds\"]}") },
    { WC_STR("alloc"), WC_STR("Allocates `mb` MiB."),
      WC_STR("{\"type\":\"object\",\"properties\":{\"mb\":{\"type\":\"integer\",\"minimum\":0}},\"required\":[\"mb\"]}") },
    { WC_STR("log"), WC_STR("Logs a line through host.log."), WC_STR(OBJECT) },
    { WC_STR("env"), WC_STR("Returns the environment variable `name`."),
      WC_STR("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}") },
    { WC_STR("read"), WC_STR("Returns the file at `path`."),
      WC_STR("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}") },
};

const wc_tool_spec *wc_plugin_tools(size_t *count) {
    *count = sizeof TOOLS / sizeof TOOLS[0];
    return TOOLS;
}

static int is(wc_str name, const char *literal) {
    return name.len == strlen(literal) && memcmp(name.ptr, literal, name.len) == 0;
}

static enum wc_status failed(wc_str *result, const char *message) {
    *result = wc_cstr(message);
    return WC_FAILED;
}

static char *format(const char *fmt, const char *a, const char *b) {
    size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0);
    char *out = malloc(n);
    snprintf(out, n, fmt, a, b);
    return out;
}

enum wc_status wc_plugin_call(wc_str name, wc_str args, wc_str *result) {
    if (is(name, "echo")) {
        *result = args;
        return WC_OK;
    }
    if (is(name, "fail")) return failed(result, "failed on purpose");
    if (is(name, "spin")) {
        for (volatile unsigned long i = 0;; i++) {}
    }
    if (is(name, "sleep")) {
        double seconds = wc_json_number(args, "seconds", 0);
        struct timespec t = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
        nanosleep(&t, NULL);
        *result = WC_STR("slept");
        return WC_OK;
    }
    if (is(name, "alloc")) {
        size_t mb = (size_t)wc_json_number(args, "mb", 0);
        /* Kept in a volatile global so the compiler cannot elide the allocation. */
        static char *volatile block;
        block = malloc(mb << 20);
        if (!block) abort(); /* out of memory ends the call, as in every other language */
        memset(block, 1, mb << 20);
        static char text[64];
        snprintf(text, sizeof text, "allocated %zu MB", mb);
        *result = wc_cstr(text);
        return WC_OK;
    }
    if (is(name, "log")) {
        wc_log(WC_INFO, "hello from c");
        *result = WC_STR("logged");
        return WC_OK;
    }
    if (is(name, "env")) {
        wc_str key = wc_json_string(args, "name");
        const char *value = key.ptr ? getenv(key.ptr) : NULL;
        if (!value) return failed(result, format("%s is not set", key.ptr ? key.ptr : "", NULL));
        *result = wc_cstr(value);
        return WC_OK;
    }
    if (is(name, "read")) {
        wc_str path = wc_json_string(args, "path");
        FILE *f = path.ptr ? fopen(path.ptr, "rb") : NULL;
        if (!f) return failed(result, format("cannot read %s: %s", path.ptr ? path.ptr : "", strerror(errno)));
        size_t cap = 4096, len = 0, n;
        char *buf = malloc(cap);
        while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
            len += n;
            if (len == cap) buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        *result = (wc_str){ buf, len };
        return WC_OK;
    }
    *result = WC_STR("no such tool");
    return WC_INVALID_ARGS;
}
