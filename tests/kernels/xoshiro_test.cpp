// xoshiro256** and SplitMix64 against published values, plus determinism of seeds and streams.
#include <gtest/gtest.h>

#include <set>

#include "kernels/random/xoshiro256.hpp"

namespace qkdpp::kernels {
namespace {

TEST(SplitMix64, MatchesReferenceOutputForSeedZero) {
  std::uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xe220a8397b1dcdafULL);  // Vigna's splitmix64.c, seed 0
  EXPECT_EQ(splitmix64(state), 0x6e789e6aa1b965f4ULL);
}

TEST(Xoshiro256StarStar, SameSeedSameSequenceDifferentSeedOrStreamDiffers) {
  Xoshiro256StarStar a(42), b(42), c(43), d(42, 1);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
    EXPECT_NE(x, d.next());
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Xoshiro256StarStar, DoublesAreInUnitIntervalWithMeanOneHalf) {
  Xoshiro256StarStar rng(7);
  double sum = 0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) {
    const double u = rng.next_double();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // Standard error of the mean is sqrt(1/12/kN) ~ 6.5e-4; allow 6 sigma.
  EXPECT_NEAR(sum / kN, 0.5, 6 * 6.5e-4);
}

}  // namespace
}  // namespace qkdpp::kernels
