// query_command.cpp: `csvbloom query`: which keys may be in a filter.
//
// Keys come from the arguments or from stdin (one per line, or NUL-separated
// with -0), are read and answered in batches (hash a batch, then probe it
// with prefetching), and printed through one large buffer. Exit codes follow
// grep: 0 some key may be present, 1 none, 2 error.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

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
};

// Keys answered per batch: enough for prefetching to hide the cache misses
// of a filter much larger than the cache.
constexpr std::size_t kQueryBatch = 4096;

class Answerer {
 public:
  Answerer(const LoadedFilter& lf, const QueryFlags& f)
      : filter_(lf.filter), encoder_(lf.metadata.key), flags_(f),
        raw_(lf.metadata.key.column_count() == 1 && !lf.metadata.key.normalization.trim &&
             !lf.metadata.key.normalization.lowercase) {
    keys_.reserve(kQueryBatch);
    hashes_.reserve(kQueryBatch);
  }
  ~Answerer() { flush_output(); }

  // `key` must stay valid until flush() (the caller's buffer).
  void add(std::string_view key) {
    KeyHash h;
    if (raw_) {
      h = hash_key(key, filter_.params().seed);
    } else {
      std::string error;
      if (!encoder_.encode(key, scratch_, &error)) {
        std::string shown(key.substr(0, 80));
        throw Error(ErrorKind::invalid_argument, error + ": '" + shown + "'");
      }
      h = hash_key(scratch_, filter_.params().seed);
    }
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

 private:
  const BloomFilter& filter_;
  KeyEncoder encoder_;
  const QueryFlags& flags_;
  bool raw_;
  std::string scratch_, out_;
  std::vector<std::string_view> keys_;
  std::vector<KeyHash> hashes_;
  std::uint64_t present_{0};
};

int run_query(QueryFlags& f) {
  LoadedFilter lf = load_filter(f.filter, !f.no_verify);
  std::uint64_t total = 0, present = 0;
  {
    Answerer answer(lf, f);
    if (!f.keys.empty()) {
      for (const auto& k : f.keys) answer.add(k);
      answer.flush();
      total = f.keys.size();
    } else {
      // Stdin in 1 MiB blocks; keys are views into the block, answered before
      // the block is reused. The partial last line moves to the front.
      const char sep = f.null_separated ? '\0' : '\n';
      std::vector<char> buf(1u << 20);
      std::size_t have = 0;
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
          answer.add(std::string_view(buf.data() + start, len));
          ++total;
          start = nl ? end + 1 : end;
        }
        answer.flush();
        std::memmove(buf.data(), buf.data() + start, have - start);
        have -= start;
      }
    }
    answer.flush();
    present = answer.present();
  }
  if (f.count) std::printf("%llu\n", static_cast<unsigned long long>(f.absent ? total - present : present));
  if (std::fflush(stdout) != 0) throw Error(ErrorKind::io, std::string("can't write to stdout: ") + std::strerror(errno));
  return present ? kExitOk : kExitNoneFound;
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
      "Exit status: 0 if some key may be present, 1 if none is, 2 on error.\n"
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
  return [f] { return run_query(*f); };
}

}  // namespace csvbloom::cli
