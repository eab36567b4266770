// cli_common.cpp: see cli_common.hpp.
#include "cli/cli_common.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <climits>
#include <cstdio>
#include <cstring>

#include "core/common/build_defaults.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"

namespace csvbloom::cli {

void add_verbosity_flags(CLI::App& app, Verbosity& v) {
  app.add_flag("-q,--quiet", v.quiet, "Print nothing on stderr but errors");
  app.add_flag("-v,--verbose", v.verbose, "Say more (repeat for debug detail)");
}

void setup_logging(const Verbosity& v) {
  auto logger = spdlog::stderr_logger_st("csvbloom");
  logger->set_pattern("csvbloom: %l: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(v.quiet ? spdlog::level::err
                            : v.verbose >= 2 ? spdlog::level::trace
                            : v.verbose == 1 ? spdlog::level::debug
                                             : spdlog::level::info);
}

void print_error(const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "csvbloom: error: %s\n", what.c_str());
}

std::string with_commas(std::uint64_t n) {
  // Built forwards (string::insert here drew GCC 12's false -Wstringop-overflow).
  const std::string digits = std::to_string(n);
  std::string s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
  return buf;
}

char parse_delimiter(const std::string& t) {
  if (t.size() == 1) return t[0];
  if (t == "\\t" || t == "tab" || t == "TAB") return '\t';
  if (t == "\\\\") return '\\';
  if (t.size() == 4 && t[0] == '\\' && t[1] == 'x') {
    char* end = nullptr;
    long v = std::strtol(t.c_str() + 2, &end, 16);
    if (*end == '\0') return static_cast<char>(v);
  }
  throw CLI::ValidationError("--delimiter", "must be one byte, or \\t, tab or \\xHH (got '" + t + "')");
}

std::string describe_byte(char c) {
  if (c == '\t') return "\\t";
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
    return buf;
  }
  return std::string(1, c);
}

std::vector<KeyColumn> parse_key_columns(const std::vector<std::string>& keys) {
  std::vector<KeyColumn> cols;
  for (const auto& k : keys) {
    if (k.empty()) throw CLI::ValidationError("--key", "a key column can't be empty");
    if (k[0] == '=') {
      cols.push_back({k.substr(1), 0});
      continue;
    }
    if (k.find_first_not_of("0123456789") == std::string::npos) {
      unsigned long long v = std::strtoull(k.c_str(), nullptr, 10);
      if (v == 0 || v > UINT32_MAX)
        throw CLI::ValidationError("--key", "column indexes start at 1 (got " + k + ")");
      cols.push_back({"", static_cast<std::uint32_t>(v)});
      continue;
    }
    cols.push_back({k, 0});
  }
  return cols;
}

void check_output_path(const std::string& path, const std::string& flag, OutputKinds kinds) {
  struct stat st {};
  // lstat: a symbolic link is refused whatever it points to, because the
  // rename replaces the link, not its target (`-o /dev/stdout`, a link to
  // /proc/self/fd/1, would become a regular file).
  if (::lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return;  // new, or a file to replace
  const bool rows = kinds == OutputKinds::device_in_place;
  if (rows && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) return;  // written in place (Output)
  const char* what = S_ISLNK(st.st_mode)    ? "a symbolic link"
                     : S_ISDIR(st.st_mode)  ? "a directory"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISFIFO(st.st_mode) ? "a FIFO"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "not a regular file";
  throw CLI::ValidationError(flag, "'" + path + "' is " + what +
                                       (rows ? ": give a regular file's path (written to a temp file renamed over "
                                               "it), or a character device or FIFO (written in place)"
                                             : ": the filter is written to a temp file renamed over the output, "
                                               "which would replace it; give a regular file's path"));
}

void check_stdout_free_of_rows(const std::string& flag, const std::string& path, const std::string& rows_output) {
  if (path == "-" && (rows_output.empty() || rows_output == "-"))
    throw CLI::ValidationError(flag, "'-' is standard output, which carries the rows: give a file, or -o for the rows");
}

void check_filter_to_stdout(const std::string& flag) {
  if (::isatty(STDOUT_FILENO))
    throw CLI::ValidationError(flag, "'-' writes the filter to standard output, which is a terminal: redirect it");
}

void check_apart(const std::string& flag, const std::string& path, const std::vector<NamedPath>& reads,
                 const std::vector<NamedPath>& writes) {
  const std::string clash = detail::output_clash(flag, path, reads, writes);
  if (!clash.empty()) throw CLI::ValidationError(flag, clash);
}

void check_output_replaceable(const std::string& path, const std::vector<std::string>& inputs, bool force,
                              const std::string& flag) {
  check_apart(flag, path, named_inputs(inputs));
  struct stat out {};
  if (::stat(path.c_str(), &out) != 0 || !S_ISREG(out.st_mode)) return;  // new: nothing to lose
  if (force || out.st_size == 0) return;
  char magic[sizeof csvbloom::kMagic] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  const bool is_filter = f && std::fread(magic, 1, sizeof magic, f) == sizeof magic &&
                         std::memcmp(magic, csvbloom::kMagic, sizeof magic) == 0;
  if (f) std::fclose(f);
  if (!is_filter)
    throw CLI::ValidationError(flag, "'" + path + "' exists and is not a csvbloom filter: pass --force to replace it");
}

void require_capacity_if_unsized(const std::vector<std::string>& inputs) {
  const std::string in = detail::first_unsized_input(inputs);
  if (in == "-") throw CLI::ValidationError("--capacity", "is required when reading standard input (its size is unknown)");
  if (!in.empty())
    throw CLI::ValidationError("--capacity", "is required when an input is a FIFO or device (" + in +
                                                 "): it is read as a stream, its size is unknown");
}

std::string count_of(std::uint64_t n, const std::string& noun) {
  if (n == 1) return with_commas(n) + " " + noun;
  const char last = noun.empty() ? ' ' : noun.back();
  return with_commas(n) + " " + noun + (last == 's' || last == 'h' || last == 'x' ? "es" : "s");
}

std::string distinct_keys_text(double estimated_distinct, double fill_ratio) {
  // Above 90% of the bits set (at the target a filter is about half full),
  // more keys barely change the fill: what the fill says is a lower bound.
  const std::string n = with_commas(static_cast<std::uint64_t>(estimated_distinct + 0.5));
  return fill_ratio > 0.9 ? "more than " + n : "~" + n;
}

void check_filter_fits_in_memory(std::uint64_t bytes) {
  struct sysinfo si {};
  if (::sysinfo(&si) != 0) return;  // can't tell: let the allocation decide
  const double unit = si.mem_unit ? si.mem_unit : 1;
  const double room = (static_cast<double>(si.totalram) + static_cast<double>(si.totalswap)) * unit;
  if (static_cast<double>(bytes) <= room) return;
  throw csvbloom::Error(csvbloom::ErrorKind::invalid_argument,
                        "the filter would need " + human_bytes(static_cast<double>(bytes)) +
                            " of memory, more than this machine's " + human_bytes(room) +
                            " of RAM and swap: lower --capacity, raise --fpr, or give a smaller --bits");
}

namespace {
// One slot per temp file: a slot's path is written before its flag is set,
// so the handler never unlinks a half-written path. (One slot was a bug:
// dedupe -o OUT --save S registered OUT's temp over S's, and S's temp file
// outlived a Ctrl-C; tests/cli/test_rows_signals.sh.)
char g_temp_path[kProtectedTempFiles][PATH_MAX + 1];
volatile sig_atomic_t g_protected[kProtectedTempFiles] = {};

extern "C" void on_fatal_signal(int sig) {
  for (int i = 0; i < kProtectedTempFiles; ++i)
    if (g_protected[i]) ::unlink(g_temp_path[i]);
  ::_exit(128 + sig);
}

int slot_of(const std::string& temp_path) {
  for (int i = 0; i < kProtectedTempFiles; ++i)
    if (g_protected[i] && temp_path.compare(0, PATH_MAX, g_temp_path[i]) == 0) return i;
  return -1;
}
}  // namespace

void protect_temp_file(const std::string& temp_path) {
  int slot = 0;
  while (slot < kProtectedTempFiles && g_protected[slot]) ++slot;
  if (slot == kProtectedTempFiles) slot = 0;  // more than the CLI ever writes at once: keep the newest
  g_protected[slot] = 0;
  std::size_t n = std::min<std::size_t>(temp_path.size(), PATH_MAX);
  std::memcpy(g_temp_path[slot], temp_path.data(), n);
  g_temp_path[slot][n] = '\0';
  g_protected[slot] = 1;
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  // SIGPIPE too: `dedupe --save S | head` ends by it (as grep does) and must
  // not leave S's temp file behind; the status is the same 141.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::sigaction(sig, &sa, nullptr);
}

void unprotect_temp_file() {
  for (int i = 0; i < kProtectedTempFiles; ++i) g_protected[i] = 0;
}

void unprotect_temp_file(const std::string& temp_path) {
  if (const int slot = slot_of(temp_path); slot >= 0) g_protected[slot] = 0;
}

}  // namespace csvbloom::cli
