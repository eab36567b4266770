// row_output.hpp: what select and dedupe share at the serial end: the header
// of the first input, once, and the check that every later input's header
// names the same columns; writing a record's bytes so that records stay
// records (a last record without a line end gets '\n').
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "core/pipeline/batch_consumer.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/rows.hpp"

namespace csvbloom::detail {

inline bool ends_line(std::string_view s) noexcept { return !s.empty() && (s.back() == '\n' || s.back() == '\r'); }

// Rows [first, end) of `keys` (end > first): they lie back to back in its row arena.
inline std::string_view row_run(const KeyBatch& keys, std::size_t first, std::size_t end) noexcept {
  const char* p = keys.row_data(first);
  return {p, static_cast<std::size_t>(keys.row_data(end - 1) + keys.row_size(end - 1) - p)};
}

class HeaderGate {
 public:
  HeaderGate(RowSink* sink, bool has_header) : sink_(sink), has_header_(has_header) {}
  // Called on every batch, in input order: a new input's header is written
  // (the first) or checked against the first (the others).
  void on_batch(const Batch& b) {
    if (!has_header_ || b.file == last_ || !b.file) return;
    last_ = b.file;
    const FileHeader* h = b.file->header.get();
    if (!h) return;  // an empty input
    if (!first_) {
      first_ = h;
      if (sink_) {
        // FileHeader::bytes runs from the start of the input (after a BOM),
        // so it holds the empty lines before the header too; a record never
        // starts with a line end, so what precedes the header is exactly them.
        std::string bytes = h->bytes.substr(std::min(h->bytes.size(), h->bytes.find_first_not_of("\r\n")));
        if (!ends_line(bytes)) bytes.push_back('\n');
        sink_->write(bytes);
      }
      return;
    }
    if (h != first_ && h->names != first_->names)
      throw Error(ErrorKind::bad_csv,
                  "the header differs from the first input's (" + describe(h->names) + " vs " +
                      describe(first_->names) + "): rows under different headers would not line up",
                  b.file->path, 1);
  }

 private:
  static std::string describe(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) {
      if (!s.empty()) s += ',';
      s += n;
    }
    return s;
  }
  RowSink* sink_;
  bool has_header_;
  const InputFile* last_{nullptr};
  const FileHeader* first_{nullptr};
};

}  // namespace csvbloom::detail
