// read_floor: the system-call floor of reading many files, for bench/run.
//
// Makes, for every file, the same system calls that `csvbloom build` makes
// for a small file (a stat to tell regular files from FIFOs and learn the
// size, then open, one read of the whole file, close), on N threads taking
// files 32 at a time (one at a time when they are few), and nothing else: no parsing, hashing or inserting.
// With --no-stat: open, one read, close, the fewest any reader can make.
// On a set of 10,000 files of 10 KB (bench/gen `many`) its time is what any
// tool that must stat and read each file pays at the least; csvbloom's own
// time on that set is compared with it.
//
//   read_floor [-t THREADS] [--no-stat] FILE...
//
// Prints one line: files, bytes and seconds; exits 1 if a file can't be read.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { kBufBytes = 1 << 20 };
static size_t g_grain = 32;  // files taken at a time (1 when they are few)

static char** g_files;
static size_t g_count;
static int g_stat = 1;
static atomic_size_t g_next;
static atomic_ullong g_bytes;
static atomic_int g_failed;

static void* reader(void* arg) {
  (void)arg;
  // Page-aligned: into a malloc'd buffer (16 bytes past a page) the kernel's copy
  // ran at 2.2 GB/s instead of ~10 on this machine.
  char* buf = aligned_alloc(4096, kBufBytes);
  if (!buf) {
    atomic_store(&g_failed, 1);
    return NULL;
  }
  unsigned long long bytes = 0;
  for (size_t b; (b = atomic_fetch_add(&g_next, g_grain)) < g_count;) {
    size_t e = b + g_grain < g_count ? b + g_grain : g_count;
    for (size_t i = b; i < e; ++i) {
      struct stat st;
      if (g_stat && stat(g_files[i], &st) != 0) goto fail;
      int fd = open(g_files[i], O_RDONLY | O_CLOEXEC);
      if (fd < 0) goto fail;
      ssize_t n;
      while ((n = read(fd, buf, kBufBytes)) > 0) {
        bytes += (unsigned long long)n;
        // No second read to see the end: with the stat, the size says the
        // file is read whole; without it, a short read of a regular file is
        // its end. So both make the fewest calls a reader can: open, read,
        // close (plus the stat).
        if (g_stat ? (off_t)n == st.st_size : n < kBufBytes) break;
      }
      close(fd);
      if (n < 0) goto fail;
      continue;
    fail:
      fprintf(stderr, "read_floor: %s: %s\n", g_files[i], strerror(errno));
      atomic_store(&g_failed, 1);
    }
  }
  atomic_fetch_add(&g_bytes, bytes);
  free(buf);
  return NULL;
}

int main(int argc, char** argv) {
  int threads = 1, i = 1;
  for (; i < argc; ++i) {
    if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
      threads = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--no-stat") == 0) {
      g_stat = 0;
    } else {
      break;
    }
  }
  if (threads < 1 || i >= argc) {
    fprintf(stderr, "usage: read_floor [-t THREADS] [--no-stat] FILE...\n");
    return 2;
  }
  g_files = argv + i;
  g_count = (size_t)(argc - i);
  if (g_count < 64 * (size_t)threads) g_grain = 1;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pthread_t* pool = calloc((size_t)threads, sizeof *pool);
  for (int k = 1; k < threads; ++k) pthread_create(&pool[k], NULL, reader, NULL);
  reader(NULL);
  for (int k = 1; k < threads; ++k) pthread_join(pool[k], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  free(pool);
  printf("read_floor: threads=%d stat=%d files=%zu bytes=%llu seconds=%.3f\n", threads, g_stat, g_count,
         (unsigned long long)atomic_load(&g_bytes),
         (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  return atomic_load(&g_failed) ? 1 : 0;
}
