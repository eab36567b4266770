// json_writer.hpp: a minimal JSON emitter for --json / --stats-json output
// (flat objects, arrays of objects; strings escaped per RFC 8259; bytes that
// are not valid UTF-8 are escaped as \u00XX of their byte value).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace csvbloom::cli {

class JsonWriter {
 public:
  std::string str() const { return out_ + "\n"; }

  JsonWriter& begin_object(const char* key = nullptr) { return open(key, '{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array(const char* key = nullptr) { return open(key, '['); }
  JsonWriter& end_array() { return close(']'); }

  JsonWriter& field(const char* key, const std::string& v) {
    prefix(key);
    quote(v);
    return *this;
  }
  JsonWriter& field(const char* key, const char* v) { return field(key, std::string(v)); }
  JsonWriter& field(const char* key, std::uint64_t v) {
    prefix(key);
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& field(const char* key, std::uint32_t v) { return field(key, static_cast<std::uint64_t>(v)); }
  JsonWriter& field(const char* key, std::nullptr_t) {
    prefix(key);
    out_ += "null";
    return *this;
  }
  JsonWriter& field(const char* key, bool v) {
    prefix(key);
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonWriter& field(const char* key, double v) {
    prefix(key);
    if (!std::isfinite(v)) {
      out_ += "null";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v);
      out_ += buf;
    }
    return *this;
  }

 private:
  JsonWriter& open(const char* key, char c) {
    prefix(key);
    out_ += c;
    first_ = true;
    ++depth_;
    return *this;
  }
  JsonWriter& close(char c) {
    --depth_;
    out_ += '\n';
    out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
    out_ += c;
    first_ = false;
    return *this;
  }
  void prefix(const char* key) {
    if (depth_ > 0) {
      if (!first_) out_ += ',';
      out_ += '\n';
      out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
    }
    first_ = false;
    if (key) {
      quote(key);
      out_ += ": ";
    }
  }
  void quote(const std::string& s) {
    out_ += '"';
    for (std::size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += static_cast<char>(c);
      } else if (c == '\n') {
        out_ += "\\n";
      } else if (c == '\t') {
        out_ += "\\t";
      } else if (c == '\r') {
        out_ += "\\r";
      } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !valid_utf8_at(s, i))) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out_ += buf;
      } else if (c >= 0x80) {
        std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        out_.append(s, i, n);
        i += n - 1;
      } else {
        out_ += static_cast<char>(c);
      }
    }
    out_ += '"';
  }
  static bool valid_utf8_at(const std::string& s, std::size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    return true;
  }
  std::string out_;
  bool first_{true};
  int depth_{0};
};

}  // namespace csvbloom::cli
