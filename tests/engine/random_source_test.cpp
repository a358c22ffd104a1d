// The two random sources behind one interface.
#include "engine/random/random_source.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace qkdpp::engine {
namespace {

TEST(RandomSource, SeededIsReproducibleAndSaysSo) {
  SeededRandom a(5), b(5), c(5, 1);
  const auto x = a.random_bits(1000);
  EXPECT_EQ(x, b.random_bits(1000));
  EXPECT_NE(x, c.random_bits(1000));
  EXPECT_FALSE(a.is_cryptographic());
  EXPECT_NE(a.description().find("xoshiro256**"), std::string::npos);
  EXPECT_NE(a.description().find("seed=5"), std::string::npos);
}

TEST(RandomSource, SystemIsCryptographicAndUnpredictable) {
  SystemRandom r;
  EXPECT_TRUE(r.is_cryptographic());
  EXPECT_NE(r.description().find("os-csprng"), std::string::npos);
  const auto x = r.random_bits(4099), y = r.random_bits(4099);
  EXPECT_NE(x, y);  // fails with probability 2^-4099
  EXPECT_EQ(x.words().back() >> (4099 % 64), 0u) << "padding must stay zero";
  EXPECT_NEAR(static_cast<double>(x.popcount()), 4099 / 2.0, 6 * std::sqrt(4099 / 4.0));
}

TEST(RandomSource, WorksThroughTheInterface) {
  std::unique_ptr<RandomSource> sources[] = {std::make_unique<SeededRandom>(1),
                                             std::make_unique<SystemRandom>()};
  for (auto& s : sources) {
    const std::uint64_t a = s->next_u64(), b = s->next_u64();
    EXPECT_NE(a, b);
    EXPECT_EQ(s->random_bits(0).size(), 0u);
  }
}

}  // namespace
}  // namespace qkdpp::engine
