// tests/unit/test_query.cpp: KeyEncoder (csvbloom/query.hpp), the query side
// of "what is a key": a single-column key is the text as is (normalised); a
// composite key is the text parsed as one CSV row in the filter's dialect.
// The last case closes the loop: keys read from a file by the build are found
// by encoding their text.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "test_bytes.hpp"
#include "csvbloom/build.hpp"
#include "csvbloom/query.hpp"

using namespace csvbloom;
using csvbloom::test::le32;

namespace {

KeySpec spec(std::size_t columns, Normalization n = {}, char delimiter = ',') {
  KeySpec k;
  for (std::size_t i = 0; i < columns; ++i) k.columns.push_back(KeyColumn{"c" + std::to_string(i + 1), 0});
  k.dialect.delimiter = delimiter;
  k.normalization = n;
  return k;
}

std::string encode_ok(const KeyEncoder& e, std::string_view text) {
  std::string out = "stale content", error;
  INFO("key text '" << std::string(text) << "'");
  REQUIRE(e.encode(text, out, &error));
  CHECK(error.empty());
  return out;
}

}  // namespace

TEST_CASE("KeyEncoder: a single-column key is the raw text", "[query]") {
  for (std::size_t cols : {0, 1}) {  // no --key (first column) or one
    KeyEncoder e(spec(cols));
    CHECK(encode_ok(e, "ada@example.org") == "ada@example.org");
    // Not parsed as CSV: commas, quotes and line breaks are part of the key.
    CHECK(encode_ok(e, "Lovelace, Ada") == "Lovelace, Ada");
    CHECK(encode_ok(e, "\"quoted\"") == "\"quoted\"");
    CHECK(encode_ok(e, "a\nb") == "a\nb");
    CHECK(encode_ok(e, "") == "");
    CHECK(encode_ok(e, std::string_view("nul\0byte", 8)) == std::string("nul\0byte", 8));
  }
}

TEST_CASE("KeyEncoder: a single-column key gets the filter's normalisation", "[query]") {
  CHECK(encode_ok(KeyEncoder(spec(1, {true, false})), " \tAda@Example.org\t ") == "Ada@Example.org");
  CHECK(encode_ok(KeyEncoder(spec(1, {false, true})), " Ada@Example.ORG ") == " ada@example.org ");
  CHECK(encode_ok(KeyEncoder(spec(1, {true, true})), "  ADA  ") == "ada");
  CHECK(encode_ok(KeyEncoder(spec(1, {true, true})), "   ") == "");
}

TEST_CASE("KeyEncoder: a composite key is one CSV row", "[query]") {
  KeyEncoder e(spec(2));
  CHECK(encode_ok(e, "Ada,Lovelace") == le32(3) + "Ada" + le32(8) + "Lovelace");
  CHECK(encode_ok(e, "\"Lovelace, Ada\",x") == le32(13) + "Lovelace, Ada" + le32(1) + "x");
  CHECK(encode_ok(e, "\"say \"\"hi\"\"\",\"ab\"c") == le32(8) + "say \"hi\"" + le32(3) + "abc");
  CHECK(encode_ok(e, "\"multi\nline\",y") == le32(10) + "multi\nline" + le32(1) + "y");
  CHECK(encode_ok(e, ",") == le32(0) + le32(0));
  CHECK(encode_ok(e, "a,b\n") == le32(1) + "a" + le32(1) + "b");  // one row with its line end
  CHECK(encode_ok(e, "a,b\r\n") == le32(1) + "a" + le32(1) + "b");

  KeyEncoder semi(spec(3, {}, ';'));
  CHECK(encode_ok(semi, "a,b;c;\"d;e\"") == le32(3) + "a,b" + le32(1) + "c" + le32(3) + "d;e");

  KeyEncoder norm(spec(2, {true, true}));
  CHECK(encode_ok(norm, " ADA ,\" Lovelace\t\"") == le32(3) + "ada" + le32(8) + "lovelace");
}

TEST_CASE("KeyEncoder: a composite key with the wrong shape is refused with a reason", "[query]") {
  KeyEncoder e(spec(2));
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {Case{"Ada", "exactly 2 fields"}, Case{"a,b,c", "got 3"}, Case{"", "exactly 2 fields"},
                        Case{"a,b\nc,d", "more than one row"}, Case{"\"a,b", "unterminated quote"},
                        Case{"a,\"b", "unterminated quote"}}) {
    INFO("key text '" << c.text << "'");
    std::string out, error;
    CHECK_FALSE(e.encode(c.text, out, &error));
    CHECK_THAT(error, Catch::Contains(c.says));
    std::string no_error_slot;
    CHECK_FALSE(e.encode(c.text, no_error_slot, nullptr));  // the error pointer is optional
  }
  std::string out, error;
  CHECK_FALSE(e.encode("x", out, &error));
  CHECK_THAT(error, Catch::Contains("c1+c2"));  // names the key spec
}

TEST_CASE("KeyEncoder: keys the build inserted are found by their text", "[query]") {
  char path[] = "/tmp/csvbloom-test-query-XXXXXX.csv";
  const int fd = ::mkstemps(path, 4);
  REQUIRE(fd >= 0);
  ::close(fd);
  {
    std::ofstream f(path, std::ios::binary);
    f << "first,last,email\r\n"
         "Ada,Lovelace,  Ada@Example.ORG \r\n"
         "\"Grace\",\"Hopper, USN\",grace@example.com\r\n"
         "\"Multi\nLine\",\"x\"\"y\",\"q\"tail\n";
  }
  struct Remove {
    const char* p;
    ~Remove() { std::remove(p); }
  } remove_after{path};

  auto build = [&](KeySpec key) {
    BuildOptions o;
    o.inputs = {path};
    o.key = key;
    BloomFilter f(FilterParams{Layout::blocked512, 1u << 16, 7});
    BuildStats s = build_filter(o, f);
    CHECK(s.keys_inserted == 3);
    return f;
  };
  auto contains = [](const BloomFilter& f, const KeySpec& key, std::string_view text) {
    std::string bytes, error;
    REQUIRE(KeyEncoder(key).encode(text, bytes, &error));
    return f.may_contain(hash_key(bytes, f.params().seed));
  };

  KeySpec pair;
  pair.columns = {KeyColumn{"first", 0}, KeyColumn{"last", 0}};
  BloomFilter fp = build(pair);
  CHECK(contains(fp, pair, "Ada,Lovelace"));
  CHECK(contains(fp, pair, "Grace,\"Hopper, USN\""));
  CHECK(contains(fp, pair, "\"Multi\nLine\",\"x\"\"y\""));
  // 65536 bits, 3 keys, 7 probes: a false positive has probability < 1e-20.
  CHECK_FALSE(contains(fp, pair, "Lovelace,Ada"));
  CHECK_FALSE(contains(fp, pair, "Ada,Lovelac"));

  KeySpec email;
  email.columns = {KeyColumn{"email", 0}};
  email.normalization = {true, true};
  BloomFilter fe = build(email);
  CHECK(contains(fe, email, "ada@example.org"));
  CHECK(contains(fe, email, "\tADA@example.org"));
  CHECK(contains(fe, email, "qtail"));
  CHECK_FALSE(contains(fe, email, "\"q\"tail"));  // a single key is not CSV-decoded
}

TEST_CASE("KeyEncoder::encode_fields: the same bytes as encode() of the row, arity checked", "[query]") {
  const KeyEncoder one(spec(1, Normalization{true, true}));
  std::string out, error;
  const std::string_view email[] = {"  Ada@Example.ORG "};
  REQUIRE(one.encode_fields(email, out, &error));
  CHECK(out == encode_ok(one, "  Ada@Example.ORG "));
  CHECK(out == "ada@example.org");

  const KeyEncoder two(spec(2, Normalization{true, false}));
  const std::string_view name[] = {" Ada", "Lovelace "};
  REQUIRE(two.encode_fields(name, out, &error));
  CHECK(out == encode_ok(two, " Ada,Lovelace "));
  CHECK(out == le32(3) + "Ada" + le32(8) + "Lovelace");
  // A field holding the delimiter needs no quoting here.
  const std::string_view comma[] = {"a,b", "c"};
  REQUIRE(two.encode_fields(comma, out, &error));
  CHECK(out == encode_ok(two, "\"a,b\",c"));

  const std::string_view three[] = {"a", "b", "c"};
  out = "stale";
  CHECK_FALSE(two.encode_fields(three, out, &error));
  CHECK(error.find("exactly 2 fields") != std::string::npos);
  CHECK(error.find("got 3") != std::string::npos);
  CHECK(two.column_count() == 2);
}
