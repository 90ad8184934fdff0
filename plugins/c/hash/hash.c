/* `hash`: the SHA-256 or CRC-32 of a text (its UTF-8 bytes), in hex. */
#include <stdio.h>

#include "../wasmcrew_plugin.h"

static const wc_tool_spec TOOLS[] = {
    { WC_STR("hash"),
      WC_STR("Hashes a text (its UTF-8 bytes) with SHA-256 or CRC-32 and returns the hex digest."),
      WC_STR("{\"type\":\"object\",\"properties\":{"
             "\"text\":{\"type\":\"string\",\"description\":\"The text to hash.\"},"
             "\"algorithm\":{\"type\":\"string\",\"enum\":[\"sha256\",\"crc32\"],\"default\":\"sha256\"}},"
             "\"required\":[\"text\"],\"additionalProperties\":false}") },
};

const wc_tool_spec *wc_plugin_tools(size_t *count) {
    *count = 1;
    return TOOLS;
}

/* CRC-32 (IEEE 802.3, reflected, as zlib). */
static uint32_t crc32(const unsigned char *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* SHA-256 (FIPS 180-4). */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char b[64]) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = bb; bb = a; a = t1 + t2;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha256(const unsigned char *p, size_t n, unsigned char out[32]) {
    uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    size_t i = 0;
    for (; i + 64 <= n; i += 64) sha256_block(h, p + i);
    unsigned char tail[128] = { 0 };
    size_t rest = n - i;
    memcpy(tail, p + i, rest);
    tail[rest] = 0x80;
    size_t blocks = rest + 9 > 64 ? 2 : 1;
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++) tail[blocks * 64 - 1 - k] = (unsigned char)(bits >> (8 * k));
    for (size_t k = 0; k < blocks; k++) sha256_block(h, tail + 64 * k);
    for (int k = 0; k < 8; k++) {
        out[4 * k] = (unsigned char)(h[k] >> 24); out[4 * k + 1] = (unsigned char)(h[k] >> 16);
        out[4 * k + 2] = (unsigned char)(h[k] >> 8); out[4 * k + 3] = (unsigned char)h[k];
    }
}

enum wc_status wc_plugin_call(wc_str name, wc_str args, wc_str *result) {
    (void)name;
    wc_str text = wc_json_string(args, "text");
    wc_str algorithm = wc_json_string(args, "algorithm");
    static char out[128];
    const unsigned char *bytes = (const unsigned char *)text.ptr;
    if (!algorithm.ptr || strcmp(algorithm.ptr, "sha256") == 0) {
        unsigned char digest[32];
        sha256(bytes, text.len, digest);
        char hex[65];
        for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
        snprintf(out, sizeof out, "{\"algorithm\":\"sha256\",\"hex\":\"%s\"}", hex);
    } else {
        snprintf(out, sizeof out, "{\"algorithm\":\"crc32\",\"hex\":\"%08x\"}", crc32(bytes, text.len));
    }
    *result = wc_cstr(out);
    return WC_OK;
}
