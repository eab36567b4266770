// tests/unit/test_key_spec.cpp: what the key bytes are (csvbloom/key_spec.hpp
// and core/csv/key_builder.hpp): normalisation, the composite encoding (a 4-byte
// little-endian length before each field), and build_key (the build side)
// agreeing with append_composite_key (the query side).
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "test_bytes.hpp"
#include "core/csv/key_builder.hpp"
#include "core/csv/record_splitter.hpp"
#include "csvbloom/key_spec.hpp"

using namespace csvbloom;
using csvbloom::test::le32;

namespace {

std::string normalized(std::string s, Normalization n) {
  s.push_back('\0');  // the one byte of slack the trim policy may write
  char* b = s.data();
  char* e = b + s.size() - 1;
  normalize_field(b, e, n);
  return std::string(b, e);
}

// build_key on the first record of `row` with the given key columns.
detail::BuiltKey built(std::string_view row, std::vector<std::uint32_t> cols, Normalization n, std::string& out,
                       char delim = ',') {
  detail::RecordSplitter sp(delim, '"', std::move(cols));
  detail::RecordInfo r = sp.next(row.data(), row.data() + row.size(), true);
  REQUIRE(r.state == detail::RecordState::complete);
  REQUIRE(r.field_count > sp.max_key_column());
  out.assign(detail::key_room(sp), '\x7f');
  detail::BuiltKey k = detail::build_key(sp, '"', n, out.data());
  REQUIRE(k.size <= out.size());
  out.resize(k.size);
  return k;
}

}  // namespace

TEST_CASE("normalize_field: trim removes ASCII spaces and tabs at both ends only", "[key_spec]") {
  const Normalization trim{true, false};
  CHECK(normalized("  ada  ", trim) == "ada");
  CHECK(normalized("\t ada lovelace\t", trim) == "ada lovelace");
  CHECK(normalized("   ", trim) == "");
  CHECK(normalized("", trim) == "");
  CHECK(normalized("\nada\r", trim) == "\nada\r");  // line breaks and other whitespace stay
  CHECK(normalized("\xc2\xa0x\xc2\xa0", trim) == "\xc2\xa0x\xc2\xa0");  // NBSP is not ASCII space
  CHECK(normalized("  Ada  ", Normalization{false, false}) == "  Ada  ");
}

TEST_CASE("normalize_field: lowercase folds ASCII A-Z only", "[key_spec]") {
  const Normalization lower{false, true};
  CHECK(normalized("Ada@Example.ORG", lower) == "ada@example.org");
  CHECK(normalized("\xc3\x89MILE", lower) == "\xc3\x89mile");  // É untouched, no Unicode folding
  CHECK(normalized("[\\]^_`@{", lower) == "[\\]^_`@{");        // the bytes around A-Z and a-z
  CHECK(normalized("  MiXeD  ", Normalization{true, true}) == "mixed");
}

TEST_CASE("append_composite_key: one field as is, several length-prefixed (LE32)", "[key_spec]") {
  std::string out;
  append_composite_key(out, {"ada@example.org"});
  CHECK(out == "ada@example.org");

  out.clear();
  append_composite_key(out, {"Ada", "Lovelace"});
  CHECK(out == le32(3) + "Ada" + le32(8) + "Lovelace");

  // The prefix is what makes ("ab","c") and ("a","bc") different keys.
  std::string x, y;
  append_composite_key(x, {"ab", "c"});
  append_composite_key(y, {"a", "bc"});
  CHECK(x != y);

  // Little-endian: 300 = 0x012C, 70000 = 0x011170.
  out.clear();
  append_composite_key(out, {std::string(300, 'a'), std::string(70000, 'b'), ""});
  REQUIRE(out.size() == 4 + 300 + 4 + 70000 + 4);
  CHECK(out.substr(0, 4) == std::string("\x2c\x01\x00\x00", 4));
  CHECK(out.substr(304, 4) == std::string("\x70\x11\x01\x00", 4));
  CHECK(out.substr(out.size() - 4) == std::string(4, '\0'));

  // Appends: existing content stays.
  out = "prefix";
  append_composite_key(out, {"a", "b"});
  CHECK(out == "prefix" + le32(1) + "a" + le32(1) + "b");
}

TEST_CASE("build_key: single and composite keys from a parsed record", "[key_spec]") {
  std::string out;
  detail::BuiltKey k = built("1,Ada,Lovelace,ada@example.org\n", {3}, {}, out);
  CHECK(out == "ada@example.org");
  CHECK_FALSE(k.empty);

  k = built("1,Ada,Lovelace,ada@example.org\n", {1, 2}, {}, out);
  CHECK(out == le32(3) + "Ada" + le32(8) + "Lovelace");

  // --key order, not column order; a column may repeat.
  built("1,Ada,Lovelace\n", {2, 1, 2}, {}, out);
  CHECK(out == le32(8) + "Lovelace" + le32(3) + "Ada" + le32(8) + "Lovelace");

  // Quoted fields are decoded before encoding.
  built("\"Lovelace, Ada\",\"say \"\"hi\"\"\",\"ab\"c\n", {0, 1, 2}, {}, out);
  CHECK(out == le32(13) + "Lovelace, Ada" + le32(8) + "say \"hi\"" + le32(3) + "abc");

  // Long fields: length bytes beyond the first.
  const std::string long_field(260, 'z');
  built("x," + long_field + "\n", {0, 1}, {}, out);
  CHECK(out == le32(1) + "x" + le32(260) + long_field);
}

TEST_CASE("build_key: normalisation applies to each field, inside quotes too", "[key_spec]") {
  std::string out;
  built("\"  Ada \",\tLOVELACE\t,x\n", {0, 1}, Normalization{true, true}, out);
  CHECK(out == le32(3) + "ada" + le32(8) + "lovelace");

  built("\"  Ada@Example.ORG \"\n", {0}, Normalization{true, false}, out);
  CHECK(out == "Ada@Example.ORG");
  built("\"  Ada@Example.ORG \"\n", {0}, Normalization{false, true}, out);
  CHECK(out == "  ada@example.org ");
}

TEST_CASE("build_key: empty keys", "[key_spec]") {
  std::string out;
  CHECK(built("a,,c\n", {1}, {}, out).empty);
  CHECK(built("a,\"\",c\n", {1}, {}, out).empty);
  CHECK(built("a,  ,c\n", {1}, Normalization{true, false}, out).empty);
  CHECK_FALSE(built("a,  ,c\n", {1}, {}, out).empty);
  // Composite: empty only when every field is empty; the encoding still has the prefixes.
  detail::BuiltKey k = built(",,c\n", {0, 1}, {}, out);
  CHECK(k.empty);
  CHECK(out == le32(0) + le32(0));
  CHECK_FALSE(built(",b,\n", {0, 1}, {}, out).empty);
}

TEST_CASE("build_key agrees with append_composite_key on decoded, normalised fields", "[key_spec]") {
  const std::vector<std::string> rows = {
      "plain,\"quoted, with comma\",\"messy\"tail,  Spaced  ,\"\"\"\",x\n",
      "\"\",b,\"multi\nline\",\tTAB\t,e,f\n",
      "0123456789abcdefghij,\"0123456789\"\"abcdefghij\",k,l,m,n",
  };
  const std::vector<std::vector<std::uint32_t>> col_sets = {{0}, {1}, {2}, {0, 1}, {3, 2, 1}, {4, 0}, {5, 5}};
  for (const auto& row : rows) {
    for (const auto& cols : col_sets) {
      for (Normalization n : {Normalization{false, false}, Normalization{true, false}, Normalization{false, true},
                              Normalization{true, true}}) {
        INFO(row << " cols " << cols.size() << " first " << cols[0] << " trim " << n.trim << " lower " << n.lowercase);
        std::string got;
        built(row, cols, n, got);
        // The query side: fields decoded and normalised one by one.
        detail::RecordSplitter all(',', '"', {0, 1, 2, 3, 4, 5});
        all.next(row.data(), row.data() + row.size(), true);
        std::vector<std::string> fields;
        for (auto c : cols) {
          const detail::FieldRef& f = all.key(c);
          std::string dec(static_cast<std::size_t>(f.end - f.begin) + 1, '\0');
          dec.resize(detail::decode_field(f, '"', dec.data()));
          fields.push_back(normalized(dec, n));
        }
        std::vector<std::string_view> views(fields.begin(), fields.end());
        std::string want;
        append_composite_key(want, views);
        CHECK(got == want);
      }
    }
  }
}

TEST_CASE("KeySpec::describe and column_count", "[key_spec]") {
  KeySpec k;
  CHECK(k.describe() == "#1");
  CHECK(k.column_count() == 1);
  k.columns = {KeyColumn{"email", 0}};
  CHECK(k.describe() == "email");
  k.columns = {KeyColumn{"", 3}, KeyColumn{"last_name", 0}};
  CHECK(k.describe() == "#3+last_name");
  CHECK(k.column_count() == 2);
  CHECK(k.columns[0].by_name() == false);
  CHECK(k.columns[1].by_name());
}
