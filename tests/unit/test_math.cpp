// tests/unit/test_math.cpp: the FPR formulas and size_filter().
//
// Pins the sizing numbers (bits per key, k) so that a change in the formulas
// shows up as a test failure, and checks the numerical behaviour of the
// Poisson sum at the extremes.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "csvbloom/error.hpp"
#include "csvbloom/math.hpp"

using namespace csvbloom;

namespace {

// The blocked sum computed the naive way (Poisson terms by recurrence from
// i = 0), valid for moderate lambda where e^{-lambda} does not underflow.
double naive_blocked(double n, double m, unsigned k) {
  const double lambda = n * 512.0 / m;
  double term = std::exp(-lambda), sum = 0;
  for (int i = 0; i < 2000; ++i) {
    sum += term * std::pow(1.0 - std::pow(1.0 - 1.0 / 512.0, k * i), k);
    term *= lambda / (i + 1);
  }
  return sum;
}

ErrorKind kind_of(Layout l, std::uint64_t n, double p) {
  try {
    size_filter(l, n, p);
  } catch (const Error& e) {
    return e.kind();
  }
  FAIL("size_filter did not throw");
  return ErrorKind::io;
}

std::string message_of(Layout l, std::uint64_t n, double p) {
  try {
    size_filter(l, n, p);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("classic_fpr is the textbook formula", "[math]") {
  CHECK(classic_fpr(1000, 9585, 7) == Approx(std::pow(1 - std::exp(-7.0 * 1000 / 9585), 7)).epsilon(1e-12));
  CHECK(classic_fpr(1e6, 9.585e6, 7) == Approx(0.01).epsilon(0.01));
  CHECK(classic_fpr(0, 1000, 3) == 0.0);
  CHECK(classic_fpr(10, 0, 3) == 1.0);
  // Tiny rates keep their digits (expm1): k = 1, n/m = 1e-12.
  CHECK(classic_fpr(1, 1e12, 1) == Approx(1e-12).epsilon(1e-9));
}

TEST_CASE("blocked_fpr equals the naive Poisson sum and is stable at extremes", "[math]") {
  for (double bpk : {2.0, 5.0, 9.9, 15.5, 30.0}) {
    for (unsigned k : {1u, 3u, 6u, 10u, 16u}) {
      INFO("bits/key " << bpk << " k " << k);
      CHECK(blocked_fpr(1e6, bpk * 1e6, k) == Approx(naive_blocked(1e6, bpk * 1e6, k)).epsilon(1e-9));
    }
  }
  // The blocked layout costs FPR relative to classic at the same size.
  CHECK(blocked_fpr(1e6, 9.6e6, 7) > classic_fpr(1e6, 9.6e6, 7));
  // lambda = 5e5 (where e^{-lambda} underflows and a naive sum gives 0 or NaN).
  const double crowded = blocked_fpr(1e9, 1024, 4);
  CHECK(std::isfinite(crowded));
  CHECK(crowded == Approx(1.0).epsilon(1e-9));
  // lambda -> 0: one key in a huge filter; FPR ~ lambda * f(1).
  const double lonely = blocked_fpr(1, 512.0 * 1e9, 8);
  CHECK(lonely > 0);
  CHECK(lonely == Approx(1e-9 * std::pow(1 - std::pow(511.0 / 512, 8), 8)).epsilon(1e-6));
  CHECK(blocked_fpr(0, 512, 3) == 0.0);
  CHECK(expected_fpr(Layout::classic, 1e6, 1e7, 7) == classic_fpr(1e6, 1e7, 7));
  CHECK(expected_fpr(Layout::blocked512, 1e6, 1e7, 7) == blocked_fpr(1e6, 1e7, 7));
}

TEST_CASE("size_filter: blocked bits per key", "[math]") {
  const std::uint64_t n = 1000000;
  const Sizing one = size_filter(Layout::blocked512, n, 0.01);
  const double bpk1 = static_cast<double>(one.bits) / n;
  CHECK(one.bits % 512 == 0);
  CHECK(bpk1 <= 10.5);
  CHECK(bpk1 >= 9.7);
  CHECK(bpk1 <= 10.2);
  CHECK(one.hashes == 6);                       // pinned (9.90 bits/key, k = 6)
  CHECK(bpk1 == Approx(9.896).epsilon(0.001));  // pinned
  CHECK(one.expected_fpr <= 0.01);
  CHECK(one.expected_fpr == Approx(blocked_fpr(n, one.bits, one.hashes)));

  const Sizing tenth = size_filter(Layout::blocked512, n, 0.001);
  const double bpk01 = static_cast<double>(tenth.bits) / n;
  CHECK(bpk01 == Approx(15.5).epsilon(0.01));
  CHECK(tenth.hashes == 9);
  CHECK(tenth.expected_fpr <= 0.001);
}

TEST_CASE("size_filter: classic matches the textbook within rounding", "[math]") {
  // Textbook: m = -n ln p / (ln 2)^2, k = (m/n) ln 2, for real k. With the
  // best integer k the minimum is a little above; with 64-bit granularity at
  // most 64 bits more. So: within [textbook, textbook * 1.002 + 64].
  const std::uint64_t n = 1000000;
  for (double p : {0.01, 0.001, 1e-4}) {
    const Sizing s = size_filter(Layout::classic, n, p);
    const double textbook = -static_cast<double>(n) * std::log(p) / (std::log(2.0) * std::log(2.0));
    INFO("p " << p << " bits " << s.bits << " textbook " << textbook);
    CHECK(s.bits % 64 == 0);
    CHECK(static_cast<double>(s.bits) >= textbook);
    CHECK(static_cast<double>(s.bits) <= textbook * 1.002 + 64);
    CHECK(s.hashes == static_cast<std::uint32_t>(std::lround(static_cast<double>(s.bits) / n * std::log(2.0))));
    CHECK(s.expected_fpr <= p);
  }
  CHECK(size_filter(Layout::classic, n, 0.01).hashes == 7);
  CHECK(size_filter(Layout::classic, n, 0.001).hashes == 10);
}

TEST_CASE("size_filter returns the smallest size for every layout", "[math]") {
  for (Layout l : {Layout::blocked512, Layout::classic}) {
    const std::uint64_t unit = l == Layout::classic ? 64 : 512;
    for (std::uint64_t n : {1ull, 7ull, 1000ull, 123457ull, 10000000000ull}) {
      for (double p : {0.3, 0.01, 1e-5}) {
        INFO(layout_name(l) << " n " << n << " p " << p);
        const Sizing s = size_filter(l, n, p);
        CHECK(s.bits % unit == 0);
        CHECK(s.bits >= unit);
        CHECK(s.hashes >= 1);
        CHECK(s.hashes <= kMaxHashes);
        CHECK(s.expected_fpr <= p);
        CHECK(s.expected_fpr == expected_fpr(l, double(n), double(s.bits), s.hashes));
        // No k does it with one unit less, and s.hashes is the best k at s.bits.
        for (std::uint32_t k = 1; k <= kMaxHashes; ++k) {
          if (s.bits > unit) CHECK(expected_fpr(l, double(n), double(s.bits - unit), k) > p);
          CHECK(expected_fpr(l, double(n), double(s.bits), k) >= s.expected_fpr);
        }
      }
    }
  }
}

TEST_CASE("size_filter rejects bad arguments, naming them", "[math]") {
  for (Layout l : {Layout::blocked512, Layout::classic}) {
    CHECK(kind_of(l, 0, 0.01) == ErrorKind::invalid_argument);
    CHECK(kind_of(l, 1000, 0.0) == ErrorKind::invalid_argument);
    CHECK(kind_of(l, 1000, 1.0) == ErrorKind::invalid_argument);
    CHECK(kind_of(l, 1000, 1.5) == ErrorKind::invalid_argument);
    CHECK(kind_of(l, 1000, -1.0) == ErrorKind::invalid_argument);
    CHECK(kind_of(l, 1000, std::numeric_limits<double>::quiet_NaN()) == ErrorKind::invalid_argument);
    CHECK(kind_of(l, 1000, std::numeric_limits<double>::infinity()) == ErrorKind::invalid_argument);
    CHECK(kind_of(l, 1ull << 60, 0.01) == ErrorKind::invalid_argument);
    CHECK(kind_of(l, ~0ull, 0.5) == ErrorKind::invalid_argument);
  }
  CHECK_THAT(message_of(Layout::blocked512, 0, 0.01), Catch::Contains("capacity") && Catch::Contains("0"));
  CHECK_THAT(message_of(Layout::blocked512, 10, 1.5), Catch::Contains("1.5"));
  CHECK_THAT(message_of(Layout::blocked512, 10, -1), Catch::Contains("-1"));
  CHECK_THAT(message_of(Layout::blocked512, 10, std::nan("")), Catch::Contains("nan"));
  // Too big: says how many bytes it would need (1e13 keys at 1% ~ 1.24e13 bytes).
  const std::string big = message_of(Layout::blocked512, 10000000000000ull, 0.01);
  CHECK_THAT(big, Catch::Contains("would need about 1.23") && Catch::Contains("bytes"));
  // Just under the limit still works: 2^46 bits hold ~7.1e12 keys at 1% (blocked, 9.9 bits/key).
  CHECK(size_filter(Layout::blocked512, 7000000000000ull, 0.01).bits <= kMaxFilterBits);
}

TEST_CASE("size_filter grows with capacity and with precision", "[math]") {
  std::uint64_t prev = 0;
  for (std::uint64_t n = 1; n <= 100000000; n *= 10) {
    const auto b = size_filter(Layout::blocked512, n, 0.01).bits;
    CHECK(b >= prev);
    prev = b;
  }
  CHECK(size_filter(Layout::blocked512, 1000000, 0.001).bits > size_filter(Layout::blocked512, 1000000, 0.01).bits);
}
