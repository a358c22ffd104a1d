// Runtime choice of the instruction-set level for dispatched kernels (scalar, SSE4.1, AVX2,
// AVX-512).
#pragma once

#include <optional>
#include <string_view>

namespace qkdpp::kernels {

// Ordered: a higher level implies every lower one. sse41 and avx2 also require POPCNT and
// PCLMULQDQ; avx2 also BMI2 and FMA; avx512 also AVX-512 F, CD, DQ, BW and VL (x86-64-v4) and GFNI
// (see cmake/QkdppSimd.cmake for the exact flags). Only some kernels have an avx512 instance (the
// LDPC decoder's layer loops); the others run their avx2 one at that level.
enum class SimdLevel { kScalar = 0, kSse41 = 1, kAvx2 = 2, kAvx512 = 3 };

// Best level this CPU supports.
SimdLevel cpu_simd_level() noexcept;
// Level dispatched kernels use: the CPU's best, lowered by the environment variable QKDPP_SIMD
// (scalar, sse4.1, avx2, avx512) when it names a lower level. Read once per process.
SimdLevel active_simd_level() noexcept;

std::string_view to_string(SimdLevel level) noexcept;

// The one of three per-level instances (function pointers or pointers to tables) for `level`;
// kernels without an avx512 instance use their avx2 one there.
template <class T>
constexpr T select_by_level(SimdLevel level, T scalar, T sse41, T avx2) noexcept {
  return level >= SimdLevel::kAvx2 ? avx2 : level == SimdLevel::kSse41 ? sse41 : scalar;
}
// The same for kernels with an avx512 instance.
template <class T>
constexpr T select_by_level(SimdLevel level, T scalar, T sse41, T avx2, T avx512) noexcept {
  return level == SimdLevel::kAvx512 ? avx512 : select_by_level(level, scalar, sse41, avx2);
}
std::optional<SimdLevel> parse_simd_level(std::string_view name) noexcept;

}  // namespace qkdpp::kernels
