// csvbloom/error.hpp: the one error type the library throws.
//
// Every failure a user can cause (bad CSV, unreadable file, corrupt filter, bad
// parameter) is reported as csvbloom::Error, which carries where it happened
// (file, 1-based line and column when known) so that the CLI can print
// "file:line:col: what" without knowing anything about the failure.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace csvbloom {

enum class ErrorKind : std::uint8_t {
  invalid_argument,  // a parameter that makes no sense (fpr 0, capacity 0, ...)
  io,                // open/read/write/rename failed
  bad_csv,           // a record the CSV layer could not accept
  missing_column,    // a key column absent from a header
  corrupt_filter,    // a filter file that failed validation or its checksum
  incompatible,      // filters whose parameters differ (merge)
  cancelled,         // the caller's cancel flag was raised
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, std::string file = {}, std::uint64_t line = 0,
        std::uint64_t column = 0)
      : std::runtime_error(format(message, file, line, column)),
        kind_(kind), message_(std::move(message)), file_(std::move(file)), line_(line), column_(column) {}

  ErrorKind kind() const noexcept { return kind_; }
  const std::string& message() const noexcept { return message_; }  // without the location
  const std::string& file() const noexcept { return file_; }
  std::uint64_t line() const noexcept { return line_; }      // 0 = unknown
  std::uint64_t column() const noexcept { return column_; }  // 0 = unknown

 private:
  static std::string format(const std::string& m, const std::string& f, std::uint64_t l, std::uint64_t c) {
    if (f.empty()) return m;
    // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on "a" + to_string(n).
    std::string s = f;
    if (l) {
      s += ':';
      s += std::to_string(l);
    }
    if (l && c) {
      s += ':';
      s += std::to_string(c);
    }
    s += ": ";
    s += m;
    return s;
  }
  ErrorKind kind_;
  std::string message_, file_;
  std::uint64_t line_, column_;
};

}  // namespace csvbloom
