// tests/unit/build_test_support.hpp: what the build_filter tests share
// (test_build_*.cpp): a filter built by build_filter() on temporary files, the
// configurations every test runs through, and the reference reader's verdict
// (csv_reference.hpp, a byte-at-a-time reader with Python's csv semantics) to
// compare it with.
//
// The filter a build gives is compared word for word with one built by
// inserting the keys the reference reader finds in the same bytes. That one
// comparison covers both correctness and determinism: every thread split,
// chunk size (down to 16 bytes, so chunk boundaries fall inside quoted
// fields, CRLFs and multi-line records), queue size and file order must give
// the same words. Errors must be the same first error (file and 1-based line,
// counting the header and newlines inside quoted fields) whatever the
// configuration.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "csv_reference.hpp"
#include "temp_dir.hpp"
#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom::test {

inline FilterParams test_params() { return FilterParams{Layout::blocked512, 1u << 18, 6}; }

struct Built {
  std::vector<std::uint64_t> words;
  BuildStats stats;
  std::uint64_t filter_keys{0};
};

inline Built run(const BuildOptions& o, BuildProgress* progress = nullptr) {
  BloomFilter f(test_params());
  BuildStats s = build_filter(o, f, progress);
  return {std::vector<std::uint64_t>(f.words().begin(), f.words().end()), s, f.keys_inserted()};
}

struct Config {
  unsigned readers, workers;
  std::size_t chunk, queue;
};

inline std::string describe(const Config& c) {
  return "readers " + std::to_string(c.readers) + ", workers " + std::to_string(c.workers) + ", chunk " +
         std::to_string(c.chunk) + ", queue_batches " + std::to_string(c.queue);
}

inline std::vector<Config> all_configs() {
  std::vector<Config> out;
  const std::pair<unsigned, unsigned> threads[] = {{1, 0}, {1, 1}, {2, 1}, {4, 3}, {3, 0}};
  const std::size_t chunks[] = {16, 100, 4096, 1u << 20};
  const std::size_t queues[] = {0, 1, 2, 7};
  std::size_t i = 0;
  for (auto [r, w] : threads)
    for (std::size_t c : chunks) {
      // Every thread split meets every chunk size; queue sizes rotate.
      out.push_back({r, w, c, queues[i++ % 4]});
    }
  // And every queue size with the most threads and the smallest chunks.
  for (std::size_t q : queues) out.push_back({4, 3, 16, q});
  return out;
}

inline BuildOptions options(std::vector<std::string> inputs, const std::string& key, const Config& c) {
  BuildOptions o;
  o.inputs = std::move(inputs);
  o.key.columns = {KeyColumn{key, 0}};
  o.readers = c.readers;
  o.workers = c.workers;
  o.chunk_bytes = c.chunk;
  o.queue_batches = c.queue;
  return o;
}

// What the reference reader says a build should insert.
struct Expected {
  std::vector<std::string> keys;
  std::uint64_t rows{0}, empty_keys{0}, bad_rows{0};
  std::vector<std::uint64_t> bad_lines;
};

inline Expected expect(const std::string& content, const std::vector<std::string>& key_names, Normalization n = {},
                bool allow_ragged = false) {
  Expected e;
  const std::size_t start = content.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  auto recs = csvref::parse_all(content, ',', '"', start);
  if (recs.empty()) return e;
  const auto& header = recs[0].fields;
  std::vector<std::size_t> cols;
  for (const auto& k : key_names) {
    auto it = std::find(header.begin(), header.end(), k);
    REQUIRE(it != header.end());
    cols.push_back(static_cast<std::size_t>(it - header.begin()));
  }
  const std::size_t needed = *std::max_element(cols.begin(), cols.end()) + 1;
  for (std::size_t i = 1; i < recs.size(); ++i) {
    const auto& r = recs[i];
    ++e.rows;
    if (r.unterminated || r.fields.size() < needed || (!allow_ragged && r.fields.size() != header.size())) {
      ++e.bad_rows;
      e.bad_lines.push_back(r.line);
      continue;
    }
    std::vector<std::string> parts;
    std::size_t total = 0;
    for (auto c : cols) {
      parts.push_back(csvref::normalize(r.fields[c], n.trim, n.lowercase));
      total += parts.back().size();
    }
    if (total == 0) {
      ++e.empty_keys;
      continue;
    }
    e.keys.push_back(csvref::composite(parts));
  }
  return e;
}

inline std::vector<std::uint64_t> filter_of(const std::vector<std::string>& keys) {
  BloomFilter f(test_params());
  for (const auto& k : keys) f.insert(hash_key(k, f.params().seed));
  return std::vector<std::uint64_t>(f.words().begin(), f.words().end());
}

// A realistic, nasty CSV: header with a quoted newline, quoted names with
// commas and doubled quotes, multi-line notes, long fields, LF / CRLF / lone
// CR line ends, blank lines, empty and padded keys. With stray_quotes, some
// unquoted fields hold a quote (`it"s`), which breaks the quote parity that
// chunks use to guess where records start.
inline std::string make_csv(std::uint64_t seed, std::size_t rows, bool stray_quotes = false, bool bom = false) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const char* ends[] = {"\n", "\r\n", "\n", "\r"};
  std::string s = bom ? "\xEF\xBB\xBF" : "";
  s += "id,email,\"full, name\",\"notes\non two lines\"\n";
  for (std::size_t i = 0; i < rows; ++i) {
    std::string email = "user" + std::to_string(seed * 100000 + i) + "@example.org";
    switch (pick(8)) {
      case 0: email = "\"" + email + "\""; break;
      case 1: email = "\"  " + email + " \""; break;
      case 2: email = pick(3) ? "" : "\"\""; break;
      case 3: email = "\"" + email + ",x\"\"y\""; break;
      default: break;
    }
    std::string name;
    switch (pick(4)) {
      case 0: name = "\"Lovelace, Ada\""; break;
      case 1: name = "\"The \"\"Countess\"\"\""; break;
      case 2: name = "plain name"; break;
      default: name = ""; break;
    }
    std::string notes;
    switch (pick(6)) {
      case 0: notes = "\"line one\nline two\r\nline three\""; break;
      case 1: notes = "\"" + std::string(20 + pick(60), 'n') + "\""; break;
      case 2: notes = std::string(pick(50), 'm'); break;
      case 3: notes = stray_quotes ? "it\"s" : "its"; break;
      case 4: notes = stray_quotes ? "a\"b\"\"c" : "abc"; break;
      default: notes = "\"ends with newline\n\""; break;
    }
    s += std::to_string(i) + "," + email + "," + name + "," + notes + ends[pick(4)];
    if (pick(20) == 0) s += ends[pick(2)];  // an empty line
  }
  return s;
}

}  // namespace csvbloom::test
