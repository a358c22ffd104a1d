// SIMD level names and the active level never exceeding what the CPU supports.
#include "kernels/dispatch/simd_level.hpp"

#include <gtest/gtest.h>

namespace qkdpp::kernels {
namespace {

TEST(SimdLevel, NamesRoundTrip) {
  for (SimdLevel l :
       {SimdLevel::kScalar, SimdLevel::kSse41, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    EXPECT_EQ(parse_simd_level(to_string(l)), l);
  }
  EXPECT_FALSE(parse_simd_level("avx10").has_value());
  EXPECT_FALSE(parse_simd_level("").has_value());
}

TEST(SimdLevel, KernelsWithoutAnAvx512InstanceUseTheirAvx2One) {
  EXPECT_EQ(select_by_level(SimdLevel::kAvx512, 0, 1, 2), 2);
  EXPECT_EQ(select_by_level(SimdLevel::kAvx2, 0, 1, 2), 2);
  EXPECT_EQ(select_by_level(SimdLevel::kSse41, 0, 1, 2), 1);
  EXPECT_EQ(select_by_level(SimdLevel::kScalar, 0, 1, 2), 0);
  EXPECT_EQ(select_by_level(SimdLevel::kAvx512, 0, 1, 2, 3), 3);
  EXPECT_EQ(select_by_level(SimdLevel::kAvx2, 0, 1, 2, 3), 2);
}

TEST(SimdLevel, ActiveLevelIsSupportedByTheCpu) {
  EXPECT_LE(static_cast<int>(active_simd_level()), static_cast<int>(cpu_simd_level()));
}

}  // namespace
}  // namespace qkdpp::kernels
