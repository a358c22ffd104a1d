// The carry-less multiply of the SIMD level this translation unit is compiled for: PCLMULQDQ on
// sse41/avx2 (both are built with -mpclmul), the portable table method on scalar. Include only
// from sources passed to qkdpp_add_dispatched_sources().
#pragma once

#include <cstdint>

#include "kernels/gf2/clmul.hpp"

#if !defined(QKDPP_SIMD_LEVEL)
#error "clmul_arch.hpp is for dispatched translation units (QKDPP_SIMD_LEVEL undefined)"
#endif

#if defined(QKDPP_SIMD_LEVEL_scalar)

namespace qkdpp::kernels::QKDPP_SIMD_LEVEL {
// A 128-bit carry-less product accumulator.
struct Acc128 {
  Clmul128 v;
  Acc128& operator^=(const Acc128& o) noexcept {
    v.lo ^= o.v.lo;
    v.hi ^= o.v.hi;
    return *this;
  }
  std::uint64_t lo() const noexcept { return v.lo; }
  std::uint64_t hi() const noexcept { return v.hi; }
};
inline Acc128 clmul(std::uint64_t a, std::uint64_t b) noexcept { return {clmul64_portable(a, b)}; }
}  // namespace qkdpp::kernels::QKDPP_SIMD_LEVEL

#else

#include <immintrin.h>

namespace qkdpp::kernels::QKDPP_SIMD_LEVEL {
struct Acc128 {
  __m128i v = _mm_setzero_si128();
  Acc128& operator^=(const Acc128& o) noexcept {
    v = _mm_xor_si128(v, o.v);
    return *this;
  }
  std::uint64_t lo() const noexcept { return static_cast<std::uint64_t>(_mm_cvtsi128_si64(v)); }
  std::uint64_t hi() const noexcept { return static_cast<std::uint64_t>(_mm_extract_epi64(v, 1)); }
};
inline Acc128 clmul(std::uint64_t a, std::uint64_t b) noexcept {
  return {_mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(a)),
                               _mm_cvtsi64_si128(static_cast<long long>(b)), 0x00)};
}
}  // namespace qkdpp::kernels::QKDPP_SIMD_LEVEL

#endif
