// Simulated BSC keys: measured QBER within statistical error, chunking independence, determinism.
#include "engine/simulation/correlated_keys.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace qkdpp::engine {
namespace {

using kernels::BitVector;

struct Drawn {
  BitVector alice, bob;
  std::uint64_t errors;
};

Drawn draw(std::uint64_t bits, const QberProfile& profile, std::uint64_t seed,
           std::uint64_t chunk) {
  CorrelatedKeySource src(bits, profile, seed);
  Drawn d{{}, {}, 0};
  BitVector a, b;
  while (src.next(chunk, a, b)) {
    d.alice.append(a);
    d.bob.append(b);
  }
  d.errors = src.errors();
  return d;
}

// |measured - expected| within 5 binomial standard deviations.
void expect_qber(const BitVector& a, const BitVector& b, std::size_t from, std::size_t n,
                 double expected) {
  const double measured =
      static_cast<double>(hamming_distance(a.slice(from, n), b.slice(from, n))) /
      static_cast<double>(n);
  const double sigma = std::sqrt(expected * (1 - expected) / static_cast<double>(n));
  EXPECT_NEAR(measured, expected, 5 * sigma + 1e-12) << "bits [" << from << ", " << from + n << ")";
}

TEST(CorrelatedKeys, MeasuredQberMatchesConstantProfile) {
  constexpr std::uint64_t kBits = 1 << 21;
  for (double q : {0.005, 0.03, 0.11}) {
    const Drawn d = draw(kBits, QberProfile::constant(q), 11, 1 << 16);
    EXPECT_EQ(hamming_distance(d.alice, d.bob), d.errors);
    expect_qber(d.alice, d.bob, 0, kBits, q);
    // Alice is uniform: popcount within 5 sigma of n/2.
    EXPECT_NEAR(static_cast<double>(d.alice.popcount()), kBits / 2.0, 5 * std::sqrt(kBits / 4.0));
  }
}

TEST(CorrelatedKeys, ZeroQberGivesIdenticalKeys) {
  const Drawn d = draw(100000, QberProfile::constant(0.0), 3, 6400);
  EXPECT_EQ(d.alice, d.bob);
  EXPECT_EQ(d.errors, 0u);
}

TEST(CorrelatedKeys, JumpIsHonouredOnEachSide) {
  constexpr std::uint64_t kBits = 1 << 21;
  const Drawn d = draw(kBits, QberProfile::parse("0.01,0.08@0.5"), 5, 1 << 18);
  expect_qber(d.alice, d.bob, 0, kBits / 2, 0.01);
  expect_qber(d.alice, d.bob, kBits / 2, kBits / 2, 0.08);
}

TEST(CorrelatedKeys, DriftFollowsTheRampQuarterByQuarter) {
  constexpr std::uint64_t kBits = 1 << 22;
  const QberProfile p = QberProfile::parse("0.02,~0.10@1");
  const Drawn d = draw(kBits, p, 9, 1 << 20);
  for (int k = 0; k < 4; ++k) {
    const double mid = (k + 0.5) / 4.0;  // linear profile: quarter mean = value at its midpoint
    expect_qber(d.alice, d.bob, k * kBits / 4, kBits / 4, p.qber_at(mid));
  }
}

TEST(CorrelatedKeys, OutputDependsOnSeedNotOnChunking) {
  const QberProfile p = QberProfile::parse("0.03,0.07@0.3,~0.01@0.9");
  const Drawn one = draw(300001, p, 42, 300032);
  const Drawn small = draw(300001, p, 42, 64);
  const Drawn odd = draw(300001, p, 42, 64 * 77);
  EXPECT_EQ(one.alice, small.alice);
  EXPECT_EQ(one.bob, small.bob);
  EXPECT_EQ(one.bob, odd.bob);
  const Drawn other = draw(300001, p, 43, 64 * 77);
  EXPECT_NE(one.alice, other.alice);
  EXPECT_NE(one.alice ^ one.bob, other.alice ^ other.bob);
}

TEST(CorrelatedKeys, RejectsChunksThatAreNotWordMultiples) {
  CorrelatedKeySource src(1000, QberProfile::constant(0.01), 1);
  BitVector a, b;
  EXPECT_THROW(src.next(100, a, b), std::invalid_argument);
  EXPECT_TRUE(src.next(1000, a, b));  // a final short chunk is fine
  EXPECT_EQ(a.size(), 1000u);
  EXPECT_FALSE(src.next(64, a, b));
}

}  // namespace
}  // namespace qkdpp::engine
