/* inflate_floor: decodes gzip files with one of three libraries and throws the
 * bytes away: what csvbloom's stream decoder could cost at best, per library.
 *
 *   inflate_floor [--lib zlib|isal|libdeflate] [--in KiB] [--out KiB] FILE...
 *
 * Prints "<lib> <decoded bytes> <seconds> <decoded MB/s>" on stdout (for
 * libdeflate also "decode-only <seconds> <MB/s>": without reading the file
 * and faulting in the output buffer, which it needs and the others do not). Every
 * member of a multi-member file is decoded and its CRC-32 and ISIZE checked
 * (exit 1 on any error).
 *
 * zlib and isal stream: an --in KiB read buffer (default 256, csvbloom's) and
 * an --out KiB output buffer (default 1024, the size of csvbloom's stream
 * reads). libdeflate has no streaming API: it reads the whole file and decodes
 * it into one buffer sized by the last trailer's ISIZE (doubled until the
 * output fits): a reference, not something csvbloom can use in bounded memory.
 *
 * Needs zlib1g-dev, libisal-dev, libdeflate-dev (scripts/install-deps --bench).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>

static size_t in_size = 256u << 10, out_size = 1u << 20;
static double decode_seconds = 0; /* libdeflate: the decompress calls alone */

static void die(const char *what, const char *path) {
  fprintf(stderr, "inflate_floor: %s: %s\n", path, what);
  exit(1);
}

static size_t read_some(int fd, unsigned char *p, size_t n, const char *path) {
  ssize_t r = read(fd, p, n);
  if (r < 0) die("read failed", path);
  return (size_t)r;
}

static uint64_t run_zlib(int fd, const char *path, unsigned char *in, unsigned char *out) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 15 + 16) != Z_OK) die("inflateInit2", path);
  uint64_t total = 0;
  int done = 0; /* the last member ended */
  for (;;) {
    if (z.avail_in == 0) {
      z.next_in = in;
      z.avail_in = (uInt)read_some(fd, in, in_size, path);
      if (z.avail_in == 0) break;
    }
    if (done) { inflateReset(&z); done = 0; }
    z.next_out = out;
    z.avail_out = (uInt)out_size;
    int rc = inflate(&z, Z_NO_FLUSH);
    total += out_size - z.avail_out;
    if (rc == Z_STREAM_END) done = 1;
    else if (rc != Z_OK && rc != Z_BUF_ERROR) die(z.msg ? z.msg : "corrupt", path);
  }
  if (!done) die("truncated", path);
  inflateEnd(&z);
  return total;
}

static uint64_t run_isal(int fd, const char *path, unsigned char *in, unsigned char *out) {
  struct inflate_state s;
  struct isal_gzip_header h;
  isal_inflate_init(&s);
  isal_gzip_header_init(&h);
  s.crc_flag = ISAL_GZIP_NO_HDR_VER;
  uint64_t total = 0;
  int in_header = 1, finished = 0, eof = 0;
  for (;;) {
    if (s.avail_in == 0 && !eof) {
      s.next_in = in;
      s.avail_in = (uint32_t)read_some(fd, in, in_size, path);
      if (s.avail_in == 0) eof = 1;
    }
    if (finished) {
      if (s.avail_in == 0) break;
      isal_inflate_reset(&s);
      isal_gzip_header_init(&h);
      s.crc_flag = ISAL_GZIP_NO_HDR_VER;
      in_header = 1;
      finished = 0;
    }
    if (in_header) {
      int rc = isal_read_gzip_header(&s, &h);
      if (rc == ISAL_END_INPUT) { if (eof) die("truncated header", path); continue; }
      if (rc != ISAL_DECOMP_OK) die("bad gzip header", path);
      in_header = 0;
    }
    s.next_out = out;
    s.avail_out = (uint32_t)out_size;
    uint32_t before_in = s.avail_in;
    if (isal_inflate(&s) != ISAL_DECOMP_OK) die("corrupt (or wrong CRC-32/ISIZE)", path);
    uint32_t got = (uint32_t)out_size - s.avail_out;
    total += got;
    if (s.block_state == ISAL_BLOCK_FINISH) finished = 1;
    else if (eof && got == 0 && s.avail_in == before_in) die("truncated", path);
  }
  if (!finished) die("truncated", path);
  return total;
}

static uint64_t run_libdeflate(int fd, const char *path) {
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 18) die("too small", path);
  size_t n = (size_t)st.st_size;
  unsigned char *in = malloc(n);
  if (!in) die("out of memory", path);
  for (size_t got = 0; got < n;) {
    size_t k = read_some(fd, in + got, n - got, path);
    if (k == 0) die("short read", path);
    got += k;
  }
  /* The output size: the sum of the members' ISIZEs is unknown without
   * walking them, so the whole file's last ISIZE is only right for one
   * member; grow and retry otherwise. */
  size_t cap = (size_t)in[n - 4] | (size_t)in[n - 3] << 8 | (size_t)in[n - 2] << 16 | (size_t)in[n - 1] << 24;
  cap += 1u << 20;
  unsigned char *out = malloc(cap);
  if (!out) die("out of memory", path);
  memset(out, 0, cap); /* fault the pages in outside decode_seconds */
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t total = 0;
  size_t pos = 0;
  while (pos < n) {
    size_t used_in = 0, produced = 0;
    enum libdeflate_result r = libdeflate_gzip_decompress_ex(d, in + pos, n - pos, out + total, cap - total,
                                                             &used_in, &produced);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      cap *= 2;
      out = realloc(out, cap);
      if (!out) die("out of memory", path);
      continue;
    }
    if (r != LIBDEFLATE_SUCCESS) die("corrupt", path);
    pos += used_in;
    total += produced;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  decode_seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  libdeflate_free_decompressor(d);
  free(out);
  free(in);
  return total;
}

int main(int argc, char **argv) {
  const char *lib = "isal";
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i += 2) {
    if (i + 1 >= argc) break;
    if (!strcmp(argv[i], "--lib")) lib = argv[i + 1];
    else if (!strcmp(argv[i], "--in")) in_size = (size_t)atol(argv[i + 1]) << 10;
    else if (!strcmp(argv[i], "--out")) out_size = (size_t)atol(argv[i + 1]) << 10;
    else break;
  }
  if (i >= argc || !in_size || !out_size) {
    fprintf(stderr, "usage: inflate_floor [--lib zlib|isal|libdeflate] [--in KiB] [--out KiB] FILE...\n");
    return 2;
  }
  unsigned char *in = malloc(in_size), *out = malloc(out_size);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t total = 0;
  for (; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) die("can't open", argv[i]);
    if (!strcmp(lib, "zlib")) total += run_zlib(fd, argv[i], in, out);
    else if (!strcmp(lib, "isal")) total += run_isal(fd, argv[i], in, out);
    else if (!strcmp(lib, "libdeflate")) total += run_libdeflate(fd, argv[i]);
    else die("unknown --lib", lib);
    close(fd);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%s %llu %.3f %.0f", lib, (unsigned long long)total, s, (double)total / 1e6 / s);
  if (decode_seconds > 0) printf(" decode-only %.3f %.0f", decode_seconds, (double)total / 1e6 / decode_seconds);
  printf("\n");
  free(in);
  free(out);
  return 0;
}
