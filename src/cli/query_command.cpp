// query_command.cpp: `csvbloom query`: which keys may be in a filter.
//
// Keys come from the arguments or from stdin (one per line, or NUL-separated
// with -0), are read and answered in batches (hash a batch, then probe it
// with prefetching), and printed through one large buffer (each line as it
// comes with --line-buffered). Exit codes follow grep: 0 when a key was
// selected (printed, counted), 1 when none, 2 on error.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <spdlog/spdlog.h>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/query.hpp"

namespace csvbloom::cli {
namespace {

struct QueryFlags {
  std::string filter;
  std::vector<std::string> keys;
  bool null_separated{false};
  bool absent{false};
  bool count{false};
  bool silent{false};
  bool no_verify{false};
  bool line_buffered{false};
  std::string on_error{"fail"};
  std::string delimiter;  // composite keys typed in another dialect than the filter's
};

// Keys answered per batch: enough for prefetching to hide the cache misses
// of a filter much larger than the cache.
constexpr std::size_t kQueryBatch = 4096;

class Answerer {
 public:
  Answerer(const LoadedFilter& lf, const KeySpec& spec, const QueryFlags& f)
      : filter_(lf.filter), encoder_(spec), flags_(f),
        raw_(lf.metadata.key.column_count() == 1 && !lf.metadata.key.normalization.trim &&
             !lf.metadata.key.normalization.lowercase) {
    keys_.reserve(kQueryBatch);
    hashes_.reserve(kQueryBatch);
  }
  ~Answerer() { flush_output(); }

  // `key` must stay valid until flush() (the caller's buffer). `where` names
  // it in errors ("line 12", "argument 3"). A blank key is skipped, for
  // single and composite filters alike: build never inserts an empty key.
  void add(std::string_view key, const std::string_view where_kind, std::uint64_t where_number) {
    if (key.empty()) return;
    KeyHash h;
    if (raw_) {
      h = hash_key(key, filter_.params().seed);
    } else {
      std::string error;
      if (!encoder_.encode(key, scratch_, &error)) {
        std::string shown(key.substr(0, 80));
        const std::string what =
            std::string(where_kind) + " " + std::to_string(where_number) + ": " + error + ": '" + shown + "'";
        if (flags_.on_error != "skip") throw Error(ErrorKind::invalid_argument, what);
        if (skipped_++ == 0) first_skipped_ = what;
        return;
      }
      h = hash_key(scratch_, filter_.params().seed);
    }
    ++total_;
    keys_.push_back(key);
    hashes_.push_back(h);
    if (keys_.size() == kQueryBatch) flush();
  }

  void flush() {
    std::unique_ptr<bool[]> hits(new bool[keys_.size()]);
    filter_.contains_batch(hashes_.data(), hashes_.size(), hits.get());
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      present_ += hits[i];
      if (flags_.count || flags_.silent || hits[i] == flags_.absent) continue;
      out_.append(keys_[i]);
      out_.push_back(flags_.null_separated ? '\0' : '\n');
    }
    keys_.clear();
    hashes_.clear();
    if (out_.size() >= (1u << 20)) flush_output();
  }

  void flush_output() {
    if (out_.empty()) return;
    if (std::fwrite(out_.data(), 1, out_.size(), stdout) != out_.size())
      throw Error(ErrorKind::io, std::string("can't write to stdout: ") + std::strerror(errno));
    out_.clear();
  }

  std::uint64_t present() const { return present_; }
  std::uint64_t total() const { return total_; }
  std::uint64_t skipped() const { return skipped_; }
  const std::string& first_skipped() const { return first_skipped_; }

 private:
  const BloomFilter& filter_;
  KeyEncoder encoder_;
  const QueryFlags& flags_;
  bool raw_;
  std::string scratch_, out_;
  std::vector<std::string_view> keys_;
  std::vector<KeyHash> hashes_;
  std::uint64_t present_{0}, total_{0}, skipped_{0};
  std::string first_skipped_;
};

int run_query(QueryFlags& f) {
  setup_logging(Verbosity{});
  LoadedFilter lf = load_filter(f.filter, !f.no_verify);
  KeySpec spec = lf.metadata.key;
  if (!f.delimiter.empty()) {
    if (spec.column_count() == 1)
      throw CLI::ValidationError("--delimiter", "is for composite keys; " + f.filter + " has a single key column");
    spec.dialect.delimiter = parse_delimiter(f.delimiter);
    if (spec.dialect.delimiter == '"' || spec.dialect.delimiter == '\n' || spec.dialect.delimiter == '\r')
      throw CLI::ValidationError("--delimiter", "can't be a quote or a line break");
  }
  std::uint64_t total = 0, present = 0, skipped = 0;
  std::string first_skipped;
  {
    Answerer answer(lf, spec, f);
    if (!f.keys.empty()) {
      for (std::size_t i = 0; i < f.keys.size(); ++i) answer.add(f.keys[i], "argument", i + 1);
      answer.flush();
    } else {
      // Stdin in 1 MiB blocks; keys are views into the block, answered before
      // the block is reused. The partial last line moves to the front.
      const char sep = f.null_separated ? '\0' : '\n';
      std::vector<char> buf(1u << 20);
      std::size_t have = 0;
      std::uint64_t line = 0;
      bool eof = false;
      while (!eof) {
        if (have == buf.size()) buf.resize(buf.size() * 2);  // a key longer than the buffer
        ssize_t r = ::read(STDIN_FILENO, buf.data() + have, buf.size() - have);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw Error(ErrorKind::io, std::string("can't read stdin: ") + std::strerror(errno));
        if (r == 0) eof = true;
        have += static_cast<std::size_t>(r);
        std::size_t start = 0;
        for (;;) {
          const char* nl = static_cast<const char*>(std::memchr(buf.data() + start, sep, have - start));
          std::size_t end = nl ? static_cast<std::size_t>(nl - buf.data()) : have;
          if (!nl && !(eof && end > start)) break;
          std::size_t len = end - start;
          if (!f.null_separated && len && buf[start + len - 1] == '\r') --len;  // CRLF input
          answer.add(std::string_view(buf.data() + start, len), f.null_separated ? "key" : "line", ++line);
          start = nl ? end + 1 : end;
        }
        answer.flush();
        if (f.line_buffered) {
          // What a read returned is answered now (`tail -f keys | csvbloom query`).
          answer.flush_output();
          if (std::fflush(stdout) != 0) throw Error(ErrorKind::io, std::string("can't write to stdout: ") + std::strerror(errno));
        }
        std::memmove(buf.data(), buf.data() + start, have - start);
        have -= start;
      }
    }
    answer.flush();
    present = answer.present();
    total = answer.total();
    skipped = answer.skipped();
    first_skipped = answer.first_skipped();
  }
  const std::uint64_t selected = f.absent ? total - present : present;
  if (f.count) std::printf("%llu\n", static_cast<unsigned long long>(selected));
  if (std::fflush(stdout) != 0) throw Error(ErrorKind::io, std::string("can't write to stdout: ") + std::strerror(errno));
  if (skipped)
    spdlog::warn("skipped {} key{} that did not parse as a row of the filter's key columns; the first: {}",
                 with_commas(skipped), skipped == 1 ? "" : "s", first_skipped);
  return selected ? kExitOk : kExitNoneFound;
}

}  // namespace

std::function<int()> register_query(CLI::App& app) {
  auto f = std::make_shared<QueryFlags>();
  CLI::App* cmd = app.add_subcommand("query", "Print the keys that may be in a filter");
  cmd->footer(
      "Keys come from the arguments, else from stdin, one per line (a trailing CR is\n"
      "dropped) or NUL-separated with -0. A filter built with several --key columns\n"
      "takes each key as one CSV row in the filter's dialect, e.g. 'Ada,Lovelace'.\n"
      "The filter's --trim/--lowercase are applied to the keys asked.\n\n"
      "Blank lines (and empty arguments) are skipped: build never inserts an empty\n"
      "key. A composite key that does not parse is an error naming its line (exit\n"
      "2), or with --on-error skip is counted, reported and skipped.\n\n"
      "Exit status, as grep's: 0 if a key was selected (printed or counted: a key\n"
      "that may be present, or with --absent one that is absent), 1 if none, 2 on\n"
      "error.\n"
      "'May be present' is a Bloom filter's answer: false positives happen at about\n"
      "the filter's FPR (see `csvbloom info`); false negatives never.\n\n"
      "Examples:\n"
      "  csvbloom query emails.bloom alice@example.com\n"
      "  cut -d, -f2 new.csv | csvbloom query --absent emails.bloom > unseen.txt");
  cmd->add_option("filter", f->filter, "Filter file")->required();
  cmd->add_option("keys", f->keys, "Keys to look up (default: read stdin)");
  cmd->add_flag("-0,--null", f->null_separated, "Stdin keys and output are NUL-separated");
  cmd->add_flag("--absent", f->absent, "Print the keys that are certainly absent instead");
  cmd->add_flag("-c,--count", f->count, "Print only how many keys were selected");
  cmd->add_flag("-s,--silent", f->silent, "Print nothing; answer with the exit status only");
  cmd->add_flag("--no-verify", f->no_verify, "Skip the checksum over the whole file (faster on huge filters)");
  cmd->add_flag("--line-buffered", f->line_buffered, "Answer each line as it arrives (tail -f), as grep does");
  cmd->add_option("--on-error", f->on_error, "A composite key that does not parse: fail (exit 2 naming the line) or skip")
      ->check(CLI::IsMember({"fail", "skip"}))->capture_default_str();
  cmd->add_option("-d,--delimiter", f->delimiter,
                  "Delimiter of composite keys typed in another dialect than the filter's (one byte, \\t, \\xHH)");
  return [f] { return run_query(*f); };
}

}  // namespace csvbloom::cli
