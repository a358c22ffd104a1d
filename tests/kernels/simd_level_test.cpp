// SIMD level names and the active level never exceeding what the CPU supports.
#include "kernels/dispatch/simd_level.hpp"

#include <gtest/gtest.h>

namespace qkdpp::kernels {
namespace {

TEST(SimdLevel, NamesRoundTrip) {
  for (SimdLevel l : {SimdLevel::kScalar, SimdLevel::kSse41, SimdLevel::kAvx2}) {
    EXPECT_EQ(parse_simd_level(to_string(l)), l);
  }
  EXPECT_FALSE(parse_simd_level("avx512").has_value());
}

TEST(SimdLevel, ActiveLevelIsSupportedByTheCpu) {
  EXPECT_LE(static_cast<int>(active_simd_level()), static_cast<int>(cpu_simd_level()));
}

}  // namespace
}  // namespace qkdpp::kernels
