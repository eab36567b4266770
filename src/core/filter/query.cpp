// query.cpp: key text -> the bytes the build hashed (see query.hpp).
#include "csvbloom/query.hpp"

#include <numeric>

#include "core/csv/key_builder.hpp"

namespace csvbloom {

KeyEncoder::KeyEncoder(KeySpec spec) : spec_(std::move(spec)) {}

bool KeyEncoder::encode(std::string_view text, std::string& out, std::string* error) const {
  const std::size_t k = spec_.column_count();
  if (k == 1) {
    // The text is the field's value, as is (plus one byte of slack for trim).
    out.assign(text);
    out.push_back('\0');
    char* b = out.data();
    char* e = b + text.size();
    normalize_field(b, e, spec_.normalization);
    const std::size_t len = static_cast<std::size_t>(e - b);
    std::memmove(out.data(), b, len);
    out.resize(len);
    return true;
  }
  std::vector<std::uint32_t> cols(k);
  std::iota(cols.begin(), cols.end(), 0u);
  detail::RecordSplitter splitter(spec_.dialect.delimiter, spec_.dialect.quote, cols);
  const char* b = text.data();
  const char* e = b + text.size();
  detail::RecordInfo r = splitter.next(b, e, true);
  if (r.state == detail::RecordState::unterminated_quote) {
    if (error) *error = "unterminated quote in composite key";
    return false;
  }
  const bool trailing = r.state == detail::RecordState::complete && r.next != e;
  if (r.state != detail::RecordState::complete || r.field_count != k || trailing) {
    if (error)
      *error = "a composite key needs exactly " + std::to_string(k) + " fields in one CSV row (" +
               spec_.describe() + "), got " + (trailing ? "more than one row" : std::to_string(r.field_count));
    return false;
  }
  out.resize(detail::key_room(splitter));
  detail::BuiltKey key = detail::build_key(splitter, spec_.dialect.quote, spec_.normalization, out.data());
  out.resize(key.size);
  return true;
}

bool KeyEncoder::encode_fields(std::span<const std::string_view> fields, std::string& out, std::string* error) const {
  const std::size_t k = spec_.column_count();
  if (fields.size() != k) {
    if (error)
      *error = "the key needs exactly " + std::to_string(k) + (k == 1 ? " field" : " fields") + " (" +
               spec_.describe() + "), got " + std::to_string(fields.size());
    return false;
  }
  // The fields are normalised in one copy (each with a byte of slack: trim
  // may write a NUL at the old end), then joined as the build joins them.
  std::string copy;
  for (std::string_view f : fields) copy.append(f).push_back('\0');
  std::vector<std::string_view> normalised;
  normalised.reserve(k);
  char* p = copy.data();
  for (std::string_view f : fields) {
    char* b = p;
    char* e = b + f.size();
    p = e + 1;
    normalize_field(b, e, spec_.normalization);
    normalised.emplace_back(b, static_cast<std::size_t>(e - b));
  }
  out.clear();
  append_composite_key(out, normalised);
  return true;
}

}  // namespace csvbloom
