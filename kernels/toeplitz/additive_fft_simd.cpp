// Additive-FFT butterfly and pointwise loops over GF(2^64), compiled once per SIMD level: the
// sse41/avx2 instances multiply two elements per step with PCLMULQDQ and fold both high halves
// with 128-bit shifts; the scalar instance uses the portable carry-less multiply.
#include "kernels/toeplitz/detail/additive_fft.hpp"

#if !defined(QKDPP_SIMD_LEVEL_scalar)
#include <immintrin.h>
#endif

namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL {

namespace {

using U64 = std::uint64_t;

#if defined(QKDPP_SIMD_LEVEL_scalar)

inline U64 gf_mul(U64 a, U64 b) noexcept { return gf64_mul_portable(a, b); }

#else

// gf64_fold on two lanes.
inline __m128i fold2(__m128i hi) noexcept {
  // g r mod t^64 with r = (1 + t)(1 + t^3): two shift-and-xor steps.
  const __m128i g = _mm_xor_si128(_mm_xor_si128(hi, _mm_srli_epi64(hi, 63)),
                                  _mm_xor_si128(_mm_srli_epi64(hi, 61), _mm_srli_epi64(hi, 60)));
  const __m128i x = _mm_xor_si128(g, _mm_slli_epi64(g, 3));
  return _mm_xor_si128(x, _mm_slli_epi64(x, 1));
}

// Lane-wise field product of two pairs of elements.
inline __m128i gf_mul2(__m128i a, __m128i b) noexcept {
  const __m128i p0 = _mm_clmulepi64_si128(a, b, 0x00);
  const __m128i p1 = _mm_clmulepi64_si128(a, b, 0x11);
  return _mm_xor_si128(_mm_unpacklo_epi64(p0, p1), fold2(_mm_unpackhi_epi64(p0, p1)));
}

inline U64 gf_mul(U64 a, U64 b) noexcept {
  const __m128i p = _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(a)),
                                         _mm_cvtsi64_si128(static_cast<long long>(b)), 0x00);
  return static_cast<U64>(_mm_cvtsi128_si64(p)) ^
         gf64_fold(static_cast<U64>(_mm_extract_epi64(p, 1)));
}

inline __m128i load2(const U64* p) noexcept {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
inline void store2(U64* p, __m128i v) noexcept {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
}

#endif

// b ^= a: both butterflies with c = 0 (the first group of every level).
inline void add_halves(const U64* a, U64* b, std::size_t count) noexcept {
  for (std::size_t j = 0; j < count; ++j) b[j] ^= a[j];
}

#if !defined(QKDPP_SIMD_LEVEL_scalar)
// Two lanes of butterflies with constants c (per lane): forward a ^= c b, b ^= a; inverse
// b ^= a, a ^= c b.
template <bool kInverse>
inline void butterfly2(__m128i& a, __m128i& b, __m128i c) noexcept {
  if constexpr (kInverse) {
    b = _mm_xor_si128(b, a);
    a = _mm_xor_si128(a, gf_mul2(b, c));
  } else {
    a = _mm_xor_si128(a, gf_mul2(b, c));
    b = _mm_xor_si128(b, a);
  }
}
#endif

// One group's butterflies (one constant).
template <bool kInverse>
inline void butterflies(U64* a, U64* b, U64 c, std::size_t count) noexcept {
  if (c == 0) return add_halves(a, b, count);
  std::size_t j = 0;
#if !defined(QKDPP_SIMD_LEVEL_scalar)
  const __m128i cc = _mm_set1_epi64x(static_cast<long long>(c));
  const auto step = [&](std::size_t at) {
    __m128i x = load2(a + at), y = load2(b + at);
    butterfly2<kInverse>(x, y, cc);
    store2(a + at, x);
    store2(b + at, y);
  };
  for (; j + 4 <= count; j += 4) step(j), step(j + 2);
  if (j + 2 <= count) step(j), j += 2;
#endif
  for (; j < count; ++j) {
    if constexpr (kInverse) {
      b[j] ^= a[j];
      a[j] ^= gf_mul(b[j], c);
    } else {
      a[j] ^= gf_mul(b[j], c);
      b[j] ^= a[j];
    }
  }
}

// Groups of one butterfly each (h = 1): f = a0 b0 a1 b1 ..., constants differ per pair.
template <bool kInverse>
void pairs_level(U64* f, std::size_t len, const U64* consts) noexcept {
  std::size_t g = 0;
  const std::size_t groups = len / 2;
#if !defined(QKDPP_SIMD_LEVEL_scalar)
  for (; g + 2 <= groups; g += 2) {
    const __m128i x0 = load2(f + 2 * g), x1 = load2(f + 2 * g + 2);
    __m128i a = _mm_unpacklo_epi64(x0, x1), b = _mm_unpackhi_epi64(x0, x1);
    butterfly2<kInverse>(a, b, load2(consts + g));
    store2(f + 2 * g, _mm_unpacklo_epi64(a, b));
    store2(f + 2 * g + 2, _mm_unpackhi_epi64(a, b));
  }
#endif
  for (; g < groups; ++g) {
    butterflies<kInverse>(f + 2 * g, f + 2 * g + 1, consts[g], 1);
  }
}

void forward_level(U64* f, std::size_t len, std::size_t h, const U64* consts) noexcept {
  if (h == 1) return pairs_level<false>(f, len, consts);
  for (std::size_t g = 0; g * 2 * h < len; ++g)
    butterflies<false>(f + 2 * h * g, f + 2 * h * g + h, consts[g], h);
}

void inverse_level(U64* f, std::size_t len, std::size_t h, const U64* consts) noexcept {
  if (h == 1) return pairs_level<true>(f, len, consts);
  for (std::size_t g = 0; g * 2 * h < len; ++g)
    butterflies<true>(f + 2 * h * g, f + 2 * h * g + h, consts[g], h);
}

void forward_butterflies(U64* a, U64* b, U64 c, std::size_t count) noexcept {
  butterflies<false>(a, b, c, count);
}
void inverse_butterflies(U64* a, U64* b, U64 c, std::size_t count) noexcept {
  butterflies<true>(a, b, c, count);
}

void mul(U64* out, const U64* a, const U64* b, std::size_t count) noexcept {
  std::size_t j = 0;
#if !defined(QKDPP_SIMD_LEVEL_scalar)
  for (; j + 2 <= count; j += 2) store2(out + j, gf_mul2(load2(a + j), load2(b + j)));
#endif
  for (; j < count; ++j) out[j] = gf_mul(a[j], b[j]);
}

void mul_acc(U64* acc, const U64* a, const U64* b, std::size_t count) noexcept {
  std::size_t j = 0;
#if !defined(QKDPP_SIMD_LEVEL_scalar)
  for (; j + 2 <= count; j += 2)
    store2(acc + j, _mm_xor_si128(load2(acc + j), gf_mul2(load2(a + j), load2(b + j))));
#endif
  for (; j < count; ++j) acc[j] ^= gf_mul(a[j], b[j]);
}

}  // namespace

const AfftLoops kAfftLoops = {forward_level,       inverse_level, forward_butterflies,
                              inverse_butterflies, mul,           mul_acc};

}  // namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL
