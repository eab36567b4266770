// input_plan.cpp: open, stat and read the headers of all inputs up front.
#include "core/io/input_plan.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>
#include <cerrno>
#include <cstring>
#include <numeric>

#include "core/csv/byte_scan.hpp"
#include "core/csv/key_builder.hpp"
#include "core/common/parallel_for.hpp"
#include "core/csv/record_splitter.hpp"
#include "core/io/stream_decoder.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom::detail {
namespace {

// Planning is system calls on cached metadata: a few threads are enough.
constexpr unsigned kMaxPlanThreads = 8;

struct Fd {
  int fd{-1};
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) s += ", ";
    if (i == 40) {
      s += "... (" + std::to_string(names.size()) + " in all)";
      break;
    }
    s += names[i].empty() ? "(empty)" : names[i];
  }
  return s;
}

// Edit distance (insert, delete, substitute one byte), for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// "; did you mean 'email'?": a header name equal but for case, else the
// closest within 2 edits (and under half the name), else nothing.
std::string did_you_mean(const std::string& name, const std::vector<std::string>& header) {
  for (const auto& h : header)
    if (lower(h) == lower(name)) return "; did you mean '" + h + "'?";
  const std::string* best = nullptr;
  std::size_t best_d = 3;
  for (const auto& h : header) {
    if (h.size() > 256) continue;
    const std::size_t d = edit_distance(lower(name), lower(h));
    if (d < best_d && 2 * d < std::max(name.size(), h.size())) best = &h, best_d = d;
  }
  return best ? "; did you mean '" + *best + "'?" : std::string();
}

// When the key column can't be found in a header that holds a tab, ';' or '|'
// (and is read with another delimiter), that byte is most likely the file's
// delimiter.
std::string delimiter_hint(const std::vector<std::string>& header, char delimiter) {
  for (char c : {'\t', ';', '|'}) {
    if (c == delimiter) continue;
    for (const auto& h : header)
      if (h.find(c) != std::string::npos)
        return std::string(" (the header holds '") + (c == '\t' ? "\\t" : std::string(1, c)) +
               "': if that is the delimiter, pass " + (c == '\t' ? std::string("--tsv") : "--delimiter '" + std::string(1, c) + "'") +
               ")";
  }
  return {};
}

// Reads the first record from bytes that `more` appends to `buf` (it returns
// false at end of input; `buf` may already hold the first bytes, `at_eof`
// saying whether more follow). Returns false with `problem` set when it
// can't be read as CSV; `next` is the offset just past the record.
template <class More>
bool read_first_record(More&& more, std::vector<char>& buf, bool at_eof, const Dialect& d,
                       std::uint64_t max_record_bytes, std::vector<std::string>& fields, std::uint64_t& next,
                       std::uint64_t& bom, std::string& problem) {
  if (buf.empty() && !at_eof) at_eof = !more(buf);
  while (!at_eof && buf.size() < 3) at_eof = !more(buf);
  bom = starts_with_bom(buf.data(), buf.size()) ? 3 : 0;
  for (;;) {
    const FirstRecord r = parse_first_record(buf.data() + bom, buf.data() + buf.size(), at_eof, d, fields);
    switch (r.status) {
      case FirstRecord::found:
      case FirstRecord::none:
        next = bom + r.next;
        return true;
      case FirstRecord::unterminated_quote:
        problem = "unterminated quote in the first record";
        return false;
      case FirstRecord::need_more:
        if (buf.size() >= max_record_bytes) {
          problem = "first record is longer than the record limit (" + std::to_string(max_record_bytes) + " bytes)";
          return false;
        }
        at_eof = !more(buf);
        continue;
    }
  }
}

}  // namespace

FirstRecord parse_first_record(const char* b, const char* e, bool at_eof, const Dialect& d,
                               std::vector<std::string>& fields) {
  fields.clear();
  RecordSplitter probe(d.delimiter, d.quote, {0});
  const char* p = b;
  RecordInfo r{};
  for (;;) {
    if (p >= e) return {at_eof ? FirstRecord::none : FirstRecord::need_more, static_cast<std::size_t>(p - b)};
    r = probe.next(p, e, at_eof);
    if (r.state != RecordState::blank) break;
    p = r.next;
  }
  if (r.state == RecordState::incomplete) return {FirstRecord::need_more, 0};
  if (r.state == RecordState::unterminated_quote) return {FirstRecord::unterminated_quote, 0};
  std::vector<std::uint32_t> all(r.field_count);
  std::iota(all.begin(), all.end(), 0u);
  RecordSplitter splitter(d.delimiter, d.quote, all);
  splitter.next(p, e, at_eof);
  std::string tmp;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const FieldRef& f = splitter.key(i);
    tmp.resize(static_cast<std::size_t>(f.end - f.begin) + 1);
    tmp.resize(decode_field(f, d.quote, tmp.data()));
    fields.push_back(tmp);
  }
  return {FirstRecord::found, static_cast<std::size_t>(r.next - b)};
}

std::string resolve_key_columns(const KeySpec& key, const std::vector<std::string>& header,
                                std::uint32_t field_count, std::vector<std::uint32_t>& columns) {
  const std::string hint = delimiter_hint(header, key.dialect.delimiter);
  columns.clear();
  if (key.columns.empty()) {
    columns.push_back(0);
    return {};
  }
  for (const auto& c : key.columns) {
    if (!c.by_name()) {
      if (c.index > field_count) {
        // A header may name a column "2020": --key 2020 is an index, =2020 the name.
        const std::string number = std::to_string(c.index);
        const bool named = std::find(header.begin(), header.end(), number) != header.end();
        return "key column " + number + " is out of range: the " +
               (header.empty() ? "first record has " : "header has ") + std::to_string(field_count) +
               " column" + (field_count == 1 ? "" : "s") +
               (header.empty() ? std::string() : " (" + join_names(header) + ")") +
               (named ? "; for the column named '" + number + "', give the key as =" + number : std::string()) + hint;
      }
      columns.push_back(c.index - 1);
      continue;
    }
    if (header.empty()) return "key column '" + c.name + "' is a name, but the input has no header: use an index";
    std::vector<std::uint32_t> hits;
    for (std::uint32_t i = 0; i < header.size(); ++i)
      if (header[i] == c.name) hits.push_back(i);
    if (hits.empty())
      return "no column '" + c.name + "' in the header (columns: " + join_names(header) + ")" +
             did_you_mean(c.name, header) + hint;
    if (hits.size() > 1) {
      std::string where;
      for (auto h : hits) where += (where.empty() ? "" : " and ") + std::to_string(h + 1);
      return "column '" + c.name + "' appears " + std::to_string(hits.size()) + " times in the header (columns " +
             where + "): select it by index";
    }
    columns.push_back(hits[0]);
  }
  return {};
}

// What planning one path found: the file, or why it can't be used.
struct PlannedInput {
  InputFile file;
  std::string problem;  // empty: usable
  bool missing_column{false};
};

std::string apply_first_record(InputFile& in, std::vector<std::string> first, std::uint64_t bom,
                               std::uint64_t after_first, const char* head, std::size_t head_size,
                               const BuildOptions& options) {
  const Dialect& d = options.key.dialect;
  in.data_start = bom;
  // No record at all where a header is expected (a 0-byte file from a failed
  // export): an error, not a file that adds nothing to the filter.
  if (first.empty())
    return d.has_header ? "is empty, but a header is expected (with --no-header an empty file adds no keys)"
                        : std::string();
  const auto field_count = static_cast<std::uint32_t>(first.size());
  std::vector<std::string> header;
  if (d.has_header) {
    in.data_start = after_first;
    if (!in.stream && after_first <= head_size) {
      // The header may hold quoted newlines: count them for line numbers.
      in.data_start_line = 1 + count_quotes_newlines(head, static_cast<std::size_t>(after_first), d.quote).newlines;
    }
    if (head && after_first <= head_size)
      in.header = std::make_shared<const FileHeader>(
          FileHeader{std::string(head + bom, static_cast<std::size_t>(after_first - bom)), first});
    header = std::move(first);
  }
  std::string why = resolve_key_columns(options.key, header, field_count, in.key_columns);
  if (why.empty() && !options.allow_ragged) in.expected_fields = field_count;
  return why;
}

PlannedInput plan_one(const std::string& path, const InputStat* known, const BuildOptions& options,
                      bool defer_small) {
  Dialect d = options.key.dialect;
  d.delimiter = input_delimiter(path, options);
  PlannedInput out;
  auto fail = [&](std::string why) {
    out.problem = std::move(why);
    return out;
  };
  InputFile in;
  in.path = path;
  in.delimiter = d.delimiter;
  // stat before open: opening a FIFO here, even briefly, would let a
  // writer waiting in open() start, and closing it again would kill that
  // writer with SIGPIPE (and the build would then wait forever).
  struct stat st {};
  if (known && known->known && known->regular) {  // stat'ed moments ago (BuildOptions::input_stats)
    st.st_mode = S_IFREG;
    st.st_size = static_cast<off_t>(known->size);
  } else if (::stat(path.c_str(), &st) != 0) {
    return fail(path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return fail(path + ": is a directory");
  if (!S_ISREG(st.st_mode)) {  // FIFO, character device, socket: read once, in order
    if (::access(path.c_str(), R_OK) != 0) return fail(path + ": " + std::strerror(errno));
    in.stream = true;
    out.file = std::move(in);
    return out;
  }
  // (Only files of one chunk: smaller chunks, as tests use, keep the chunked path.)
  if (defer_small && st.st_size > 0 &&
      static_cast<std::uint64_t>(st.st_size) <= std::min<std::uint64_t>(kSmallFileBytes, options.chunk_bytes)) {
    in.size = static_cast<std::uint64_t>(st.st_size);
    in.header_pending = true;  // its reader reads the header (plan_small_file)
    out.file = std::move(in);
    return out;
  }
  Fd fd;
  fd.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0) return fail(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(path + ": changed while being checked");  // replaced between stat and open
  in.size = static_cast<std::uint64_t>(st.st_size);
  // One pread serves the magic bytes, the header and its line count
  // (10,000-file globs pay per system call: four per file here).
  std::vector<char> buf;
  std::uint64_t offset = 0;
  auto more = [&](std::vector<char>& b) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(std::max<std::size_t>(b.size(), 64u << 10), in.size - offset));
    if (want == 0) return false;
    const std::size_t old = b.size();
    b.resize(old + want);
    std::size_t have = 0;
    while (have < want) {
      ssize_t r = ::pread(fd.fd, b.data() + old + have, want - have, static_cast<off_t>(offset + have));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw Error(ErrorKind::io, std::strerror(errno), path);
      if (r == 0) throw Error(ErrorKind::io, "the file shrank while being read", path);
      have += static_cast<std::size_t>(r);
    }
    offset += want;
    return offset < in.size;
  };
  std::vector<std::string> first;
  std::uint64_t after_first = 0, bom = 0;
  std::string problem;
  bool ok = true;
  try {
    const bool at_eof = !more(buf);
    in.compression =
        detect_compression(reinterpret_cast<const unsigned char*>(buf.data()), std::min<std::size_t>(buf.size(), 4));
    if (in.compression != Compression::none) {
      // Compressed: one sequential stream; decode its head now only to
      // check the header (the pipeline decodes it again from the start).
      in.stream = true;
      buf.clear();
      if (::lseek(fd.fd, 0, SEEK_SET) != 0) throw Error(ErrorKind::io, std::strerror(errno), path);
      StreamDecoder dec(fd.fd, path);
      ok = read_first_record(
          [&](std::vector<char>& b) {
            const std::size_t old = b.size();
            b.resize(old + (64u << 10));
            const std::size_t n = dec.read(b.data() + old, 64u << 10);
            b.resize(old + n);
            return n > 0;
          },
          buf, false, d, options.max_record_bytes, first, after_first, bom, problem);
    } else {
      ok = read_first_record(more, buf, at_eof, d, options.max_record_bytes, first, after_first, bom, problem);
    }
  } catch (const Error& e) {
    ok = false;
    problem = e.message();
  }
  if (!ok) return fail(path + ":1: " + problem);
  std::string why = apply_first_record(in, std::move(first), bom, after_first, buf.data(), buf.size(), options);
  if (!why.empty()) {
    out.missing_column = true;
    return fail(path + ": " + why);
  }
  out.file = std::move(in);
  return out;
}

std::string plan_small_file(InputFile& in, const char* bytes, std::size_t n, const BuildOptions& options,
                            bool& missing_column, HeaderMemo* memo) {
  missing_column = false;
  if (memo && !memo->bytes.empty() && memo->delimiter == in.delimiter && n >= memo->bytes.size() &&
      std::memcmp(bytes, memo->bytes.data(), memo->bytes.size()) == 0) {
    in.data_start = memo->bytes.size();
    in.data_start_line = memo->data_start_line;
    in.key_columns = memo->key_columns;
    in.expected_fields = memo->expected_fields;
    in.header = memo->header;
    in.header_pending = false;
    return {};
  }
  const std::uint64_t bom = starts_with_bom(bytes, n) ? 3 : 0;
  std::vector<std::string> first;
  Dialect d = options.key.dialect;
  d.delimiter = in.delimiter;
  const FirstRecord r = parse_first_record(bytes + bom, bytes + n, true, d, first);
  if (r.status == FirstRecord::unterminated_quote) return in.path + ":1: unterminated quote in the first record";
  const bool found = r.status == FirstRecord::found;
  std::string why = apply_first_record(in, std::move(first), bom, bom + r.next, bytes, n, options);
  if (why.empty()) {
    in.header_pending = false;
    // Only a header that ends in '\n': one that ends at the end of the file,
    // or in a lone '\r', could be followed by more of itself in another file.
    const std::size_t end = static_cast<std::size_t>(in.data_start);
    if (memo && found && options.key.dialect.has_header && end > 0 && bytes[end - 1] == '\n') {
      memo->bytes.assign(bytes, end);
      memo->data_start_line = in.data_start_line;
      memo->delimiter = in.delimiter;
      memo->key_columns = in.key_columns;
      memo->expected_fields = in.expected_fields;
      memo->header = in.header;
    }
    return why;
  }
  missing_column = true;
  return in.path + ": " + why;
}

char input_delimiter(const std::string& path, const BuildOptions& options) noexcept {
  if (!options.delimiter_by_extension) return options.key.dialect.delimiter;
  std::string_view name(path);
  for (std::string_view z : {".gz", ".zst"})
    if (name.size() > z.size() && name.substr(name.size() - z.size()) == z) name.remove_suffix(z.size());
  auto ends_with_ci = [&](std::string_view ext) {
    if (name.size() < ext.size()) return false;
    for (std::size_t i = 0; i < ext.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(name[name.size() - ext.size() + i])) != ext[i]) return false;
    return true;
  };
  return ends_with_ci(".tsv") ? '\t' : options.key.dialect.delimiter;
}

std::vector<InputFile> plan_inputs(const BuildOptions& options, bool defer_small_files) {
  // Files are planned in parallel: a 10,000-file glob pays five system calls
  // and a header parse per file before the first key is read (bench/gen
  // `many`: about half of a build's wall time on one thread).
  const std::size_t n = options.inputs.size();
  std::vector<PlannedInput> planned(n);
  parallel_for(n, std::clamp(options.readers + options.workers, 1u, kMaxPlanThreads), [&](std::size_t i) {
    if (options.inputs[i] == "-") return;  // standard input: below
    try {
      const InputStat* known = options.input_stats.size() == n ? &options.input_stats[i] : nullptr;
      planned[i] = plan_one(options.inputs[i], known, options, defer_small_files);
    } catch (const std::exception& e) {  // bad_alloc and the like: report, don't terminate
      planned[i].problem = options.inputs[i] + ": " + e.what();
    }
  });
  std::vector<InputFile> files;
  files.reserve(n);
  std::vector<std::string> problems;
  bool missing_column = false;
  int stdin_count = 0;
  if (options.inputs.empty()) problems.push_back("no inputs given");
  for (std::size_t i = 0; i < n; ++i) {
    if (options.inputs[i] == "-") {
      InputFile in;
      in.path = "-";
      in.delimiter = options.key.dialect.delimiter;
      in.stream = true;
      if (++stdin_count == 2) problems.push_back("-: standard input is given more than once");
      files.push_back(std::move(in));
      continue;
    }
    PlannedInput& p = planned[i];
    if (!p.problem.empty()) {
      problems.push_back(std::move(p.problem));
      missing_column = missing_column || p.missing_column;
      continue;
    }
    files.push_back(std::move(p.file));
  }
  // Some inputs can't be used: plan the deferred ones in full too, so that
  // the error lists every problem.
  if (!problems.empty() && defer_small_files) return plan_inputs(options, false);
  if (!problems.empty()) {
    std::string msg;
    if (problems.size() == 1) {
      msg = problems[0];
    } else {
      msg = std::to_string(problems.size()) + " inputs can't be used:";
      for (std::size_t i = 0; i < problems.size(); ++i) {
        if (i == 50) {
          msg += "\n  ... and " + std::to_string(problems.size() - 50) + " more";
          break;
        }
        msg += "\n  " + problems[i];
      }
    }
    throw Error(missing_column ? ErrorKind::missing_column : ErrorKind::io, msg);
  }
  return files;
}

}  // namespace csvbloom::detail

namespace csvbloom {

std::uint64_t estimate_rows(const std::vector<std::string>& inputs, const Dialect& dialect) {
  // Sizing must not undershoot: a filter sized for fewer keys than it gets
  // misses its FPR target (Unicode's UnicodeData.txt, long rows first,
  // was estimated from its head at 25,960 rows for 34,924: 3.2% FPR for 1%).
  // So a plain file up to kExactBytes has its newlines counted, every one
  // (about what `wc -l` costs; quoted newlines counted too, so the count is
  // an upper bound on rows); a larger one is sampled at kSamples places and
  // sized by its densest sample (shortest rows) plus 10%. A compressed file
  // can't be sampled past its head: its head's density times its decoded
  // size, plus 50% (a stopgap until the decoder can count the whole stream
  // cheaply); the decoded size is the larger of the head's compression ratio
  // applied to the whole and what the file declares (declared_decoded_size). Streams make the
  // total unknowable: 0.
  constexpr std::uint64_t kExactBytes = 256ull << 20;  // ~0.1 s of memchr-speed counting from the page cache
  constexpr std::size_t kSample = 64u << 10;
  constexpr int kSamples = 16;
  double rows = 0;
  std::vector<char> buf(std::max<std::size_t>(kSample, 1u << 20));
  for (const auto& path : inputs) {
    if (path == "-") return 0;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    if (!S_ISREG(st.st_mode)) return 0;  // a stream: its size is unknown (and it must not be opened here)
    if (st.st_size == 0) continue;
    detail::Fd fd;
    fd.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd.fd < 0) continue;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    unsigned char magic[4] = {0, 0, 0, 0};
    const ssize_t m = ::pread(fd.fd, magic, 4, 0);
    double per_file = 0;
    const detail::Compression compression =
        m > 0 ? detail::detect_compression(magic, static_cast<std::size_t>(m)) : detail::Compression::none;
    if (compression != detail::Compression::none) {
      // Compressed: decode the head, and scale by the compression ratio seen there.
      double got = 0, raw_used = 0;
      try {
        detail::StreamDecoder dec(fd.fd, path);
        std::size_t n = 0, k;
        while (n < kSample && (k = dec.read(buf.data() + n, kSample - n)) > 0) n += k;
        got = static_cast<double>(n);
        raw_used = static_cast<double>(dec.raw_bytes_consumed());
      } catch (const Error&) {
        got = 0;
      }
      if (got <= 0) continue;
      const auto lines = std::max<std::uint64_t>(
          detail::count_quotes_newlines(buf.data(), static_cast<std::size_t>(got), dialect.quote).newlines,
          static_cast<std::uint64_t>(std::count(buf.data(), buf.data() + static_cast<std::size_t>(got), '\r')));
      const double density = static_cast<double>(std::max<std::uint64_t>(lines, 1)) / got;  // newlines per byte
      if (raw_used >= static_cast<double>(size)) {
        per_file = static_cast<double>(lines + (buf[static_cast<std::size_t>(got) - 1] != '\n'));
      } else {
        // The decoded size: the head's compression ratio applied to the whole.
        // The head often compresses worse than the rest (zstd -3 on
        // repetitive rows: 5.7x in its first 64 KiB, 12x overall, which sized
        // a 50,000-row file for 34,924 keys: 4% FPR for 1%). What the file
        // declares of its decoded size is a floor for the decoded bytes; at
        // most 16 times the head's ratio, so that a corrupt header (zstd's
        // field is 64 bits) gives the decoder's error, not an absurd size.
        const double by_ratio = static_cast<double>(size) * (got / raw_used);
        const double declared = static_cast<double>(detail::declared_decoded_size(fd.fd, size, compression));
        per_file = 1.5 * density * std::max(by_ratio, std::min(16 * by_ratio, declared));
      }
    } else if (size <= kExactBytes) {
      std::uint64_t lf = 0, cr = 0;
      char last = '\n';
      for (std::uint64_t off = 0; off < size;) {
        const ssize_t r = ::pread(fd.fd, buf.data(), buf.size(), static_cast<off_t>(off));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        lf += static_cast<std::uint64_t>(std::count(buf.data(), buf.data() + r, '\n'));
        cr += static_cast<std::uint64_t>(std::count(buf.data(), buf.data() + r, '\r'));
        last = buf[static_cast<std::size_t>(r) - 1];
        off += static_cast<std::uint64_t>(r);
      }
      // Lines end in LF, CRLF or a lone CR (old Mac exports): the larger count.
      per_file = static_cast<double>(std::max(lf, cr) + (last != '\n' && last != '\r'));
    } else {
      double densest = 0;  // newlines per byte
      for (int i = 0; i < kSamples; ++i) {
        const std::uint64_t off = (size - kSample) / (kSamples - 1) * static_cast<std::uint64_t>(i);
        const ssize_t r = ::pread(fd.fd, buf.data(), kSample, static_cast<off_t>(off));
        if (r <= 0) continue;
        const auto lines = static_cast<double>(std::max(std::count(buf.data(), buf.data() + r, '\n'),
                                                        std::count(buf.data(), buf.data() + r, '\r')));
        densest = std::max(densest, std::max(lines, 1.0) / static_cast<double>(r));
      }
      per_file = 1.1 * densest * static_cast<double>(size);
    }
    rows += std::max(0.0, per_file - (dialect.has_header ? 1 : 0));
  }
  return static_cast<std::uint64_t>(std::ceil(rows));
}

}  // namespace csvbloom
