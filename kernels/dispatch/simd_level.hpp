// Runtime choice of the instruction-set level for dispatched kernels (scalar, SSE4.1, AVX2).
#pragma once

#include <optional>
#include <string_view>

namespace qkdpp::kernels {

// Ordered: a higher level implies every lower one. sse41 and avx2 also require POPCNT and
// PCLMULQDQ; avx2 also BMI2 and FMA (see cmake/QkdppSimd.cmake for the exact flags).
enum class SimdLevel { kScalar = 0, kSse41 = 1, kAvx2 = 2 };

// Best level this CPU supports.
SimdLevel cpu_simd_level() noexcept;
// Level dispatched kernels use: the CPU's best, lowered by the environment variable QKDPP_SIMD
// (scalar, sse4.1, avx2) when it names a lower level. Read once per process.
SimdLevel active_simd_level() noexcept;

std::string_view to_string(SimdLevel level) noexcept;

// The one of three per-level instances (function pointers or pointers to tables) for `level`.
template <class T>
constexpr T select_by_level(SimdLevel level, T scalar, T sse41, T avx2) noexcept {
  return level == SimdLevel::kAvx2 ? avx2 : level == SimdLevel::kSse41 ? sse41 : scalar;
}
std::optional<SimdLevel> parse_simd_level(std::string_view name) noexcept;

}  // namespace qkdpp::kernels
