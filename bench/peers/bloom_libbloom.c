/*
 * bloom_libbloom -- single-threaded peer for the csvbloom benchmarks.
 *
 * Reads CSV files line by line with getline(3), extracts the 2nd field
 * (the email key) and adds it to a libbloom filter (Debian: libbloom-dev).
 *
 *   bloom_libbloom [options] CAPACITY FPR FILE...
 *     --split-only   do not touch a filter: only split lines and extract the
 *                    field (a checksum is printed so nothing is optimised
 *                    away) -- the "C field splitter" floor
 *     -o OUT         write the raw filter bits to OUT (libbloom has no file
 *                    format; this reads its private bf/bytes fields)
 *     --check FILE   after building, look up each line of FILE and print how
 *                    many may be present (for a false-positive-rate check);
 *                    may be repeated (up to 8): one count per line of stdout
 *
 * Field extraction is deliberately simple (as a typical hand-written tool):
 * each physical line is one record, the first line of each file is a header;
 * a key starting with '"' ends at the next '"' (emails hold no quotes).
 * A quoted field with an embedded newline makes the continuation line a bogus
 * record; those are rare (~0.1%) and counted as records anyway.
 * Stats go to stderr: records, bytes, seconds.
 */
#define _GNU_SOURCE
#include <bloom.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Sets key and len to the 2nd comma-separated field of line[0..n). Returns 0 if none. */
static int second_field(char *line, size_t n, const char **key, size_t *len) {
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    char *end = line + n;
    char *p = memchr(line, ',', n);
    if (!p) return 0;
    p++;
    char *q;
    if (p < end && *p == '"') {
        p++;
        q = memchr(p, '"', (size_t)(end - p));
        if (!q) q = end;
    } else {
        q = memchr(p, ',', (size_t)(end - p));
        if (!q) q = end;
    }
    *key = p;
    *len = (size_t)(q - p);
    return 1;
}

static void usage(void) {
    fprintf(stderr, "usage: bloom_libbloom [--split-only] [-o OUT] [--check KEYS] "
                    "CAPACITY FPR FILE...\n");
    exit(2);
}

int main(int argc, char **argv) {
    int split_only = 0;
    const char *out = NULL, *checks[8];
    int nchecks = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--split-only")) split_only = 1;
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--check") && i + 1 < argc && nchecks < 8)
            checks[nchecks++] = argv[++i];
        else if (!strcmp(argv[i], "--")) { i++; break; }
        else usage();
    }
    if (argc - i < 3) usage();
    long long capacity = atoll(argv[i]);
    double fpr = atof(argv[i + 1]);
    i += 2;
    if (capacity <= 0 || capacity > 0x7fffffff || !(fpr > 0 && fpr < 1)) {
        fprintf(stderr, "bloom_libbloom: bad CAPACITY (1..2^31-1) or FPR (0..1)\n");
        return 2;
    }

    struct bloom bf;
    if (!split_only && bloom_init(&bf, (int)capacity, fpr) != 0) {
        fprintf(stderr, "bloom_libbloom: bloom_init failed\n");
        return 2;
    }

    double t0 = now();
    unsigned long long records = 0, bytes = 0, sum = 0;
    char *line = NULL;
    size_t cap = 0;
    static char iobuf[1 << 20];
    for (; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        if (!f) {
            fprintf(stderr, "bloom_libbloom: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
        ssize_t n;
        int header = 1;
        while ((n = getline(&line, &cap, f)) > 0) {
            bytes += (unsigned long long)n;
            if (header) { header = 0; continue; }
            const char *key;
            size_t len;
            if (!second_field(line, (size_t)n, &key, &len)) continue;
            records++;
            if (split_only) sum += len + (unsigned char)key[0];
            else bloom_add(&bf, key, (int)len);
        }
        if (ferror(f)) {
            fprintf(stderr, "bloom_libbloom: %s: read error\n", argv[i]);
            return 2;
        }
        fclose(f);
    }
    double t1 = now();
    fprintf(stderr, "bloom_libbloom: mode=%s records=%llu bytes=%llu seconds=%.3f",
            split_only ? "split-only" : "libbloom", records, bytes, t1 - t0);
    if (split_only) fprintf(stderr, " checksum=%llu\n", sum);
    else fprintf(stderr, " bits=%d hashes=%d filter_bytes=%d\n", bf.bits, bf.hashes, bf.bytes);

    if (!split_only && out) {
        FILE *o = fopen(out, "wb");
        if (!o || fwrite(bf.bf, 1, (size_t)bf.bytes, o) != (size_t)bf.bytes || fclose(o)) {
            fprintf(stderr, "bloom_libbloom: cannot write %s\n", out);
            return 2;
        }
    }
    for (int ci = 0; !split_only && ci < nchecks; ci++) {
        const char *check = checks[ci];
        FILE *c = fopen(check, "r");
        if (!c) {
            fprintf(stderr, "bloom_libbloom: %s: %s\n", check, strerror(errno));
            return 2;
        }
        unsigned long long total = 0, hits = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, c)) > 0) {
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
            total++;
            hits += bloom_check(&bf, line, (int)n) == 1;
        }
        fclose(c);
        printf("%llu\n", hits);
        fprintf(stderr, "bloom_libbloom: check %s: %llu/%llu may be present (%.6f)\n", check,
                hits, total, total ? (double)hits / total : 0.0);
    }
    free(line);
    if (!split_only) bloom_free(&bf);
    return 0;
}
