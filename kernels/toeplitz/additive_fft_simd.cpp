// Additive-FFT butterfly and pointwise loops over GF(2^64), compiled once per SIMD level: the
// sse41/avx2 instances multiply two elements per step with PCLMULQDQ and fold both high halves
// with 128-bit shifts; the avx512 instance multiplies eight per step with VPCLMULQDQ (and uses the
// two-element steps for the tails); the scalar instance uses the portable carry-less multiply.
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

#if defined(QKDPP_SIMD_LEVEL_avx512)
// The zero-masking forms with every lane selected: GCC 12's plain shifts and unpacks pass an
// undefined vector that it then warns about.
constexpr __mmask8 kAll8 = 0xff;
inline __m512i srli64(__m512i x, unsigned n) noexcept {
  return _mm512_maskz_srli_epi64(kAll8, x, n);
}
inline __m512i slli64(__m512i x, unsigned n) noexcept {
  return _mm512_maskz_slli_epi64(kAll8, x, n);
}

// fold2 on eight lanes (0x96: three-way XOR).
inline __m512i fold8(__m512i hi) noexcept {
  const __m512i g = _mm512_ternarylogic_epi64(_mm512_xor_si512(hi, srli64(hi, 63)), srli64(hi, 61),
                                              srli64(hi, 60), 0x96);
  const __m512i x = _mm512_xor_si512(g, slli64(g, 3));
  return _mm512_xor_si512(x, slli64(x, 1));
}

// gf_mul2 on eight lanes: per 128-bit lane, the products of the even and the odd elements.
inline __m512i gf_mul8(__m512i a, __m512i b) noexcept {
  const __m512i p0 = _mm512_clmulepi64_epi128(a, b, 0x00);
  const __m512i p1 = _mm512_clmulepi64_epi128(a, b, 0x11);
  return _mm512_xor_si512(_mm512_maskz_unpacklo_epi64(kAll8, p0, p1),
                          fold8(_mm512_maskz_unpackhi_epi64(kAll8, p0, p1)));
}

#endif

// The vector widths' operations, for loops written once: two elements per SSE register, eight
// per AVX-512 register.
struct Lanes2 {
  using V = __m128i;
  static constexpr std::size_t kCount = 2;
  static V load(const U64* p) noexcept { return _mm_loadu_si128(reinterpret_cast<const V*>(p)); }
  static void store(U64* p, V v) noexcept { _mm_storeu_si128(reinterpret_cast<V*>(p), v); }
  static V broadcast(U64 c) noexcept { return _mm_set1_epi64x(static_cast<long long>(c)); }
  static V add(V a, V b) noexcept { return _mm_xor_si128(a, b); }
  static V mul(V a, V b) noexcept { return gf_mul2(a, b); }
};

#if defined(QKDPP_SIMD_LEVEL_avx512)
struct Lanes8 {
  using V = __m512i;
  static constexpr std::size_t kCount = 8;
  static V load(const U64* p) noexcept { return _mm512_loadu_si512(p); }
  static void store(U64* p, V v) noexcept { _mm512_storeu_si512(p, v); }
  static V broadcast(U64 c) noexcept { return _mm512_set1_epi64(static_cast<long long>(c)); }
  static V add(V a, V b) noexcept { return _mm512_xor_si512(a, b); }
  static V mul(V a, V b) noexcept { return gf_mul8(a, b); }
};
#endif

#endif

// b ^= a: both butterflies with c = 0 (the first group of every level).
inline void add_halves(const U64* a, U64* b, std::size_t count) noexcept {
  for (std::size_t j = 0; j < count; ++j) b[j] ^= a[j];
}

#if !defined(QKDPP_SIMD_LEVEL_scalar)
// One vector of butterflies with constants c (per lane): forward a ^= c b, b ^= a; inverse
// b ^= a, a ^= c b.
template <class L, bool kInverse>
inline void butterfly(typename L::V& a, typename L::V& b, typename L::V c) noexcept {
  if constexpr (kInverse) {
    b = L::add(b, a);
    a = L::add(a, L::mul(b, c));
  } else {
    a = L::add(a, L::mul(b, c));
    b = L::add(b, a);
  }
}

// Butterflies of one constant over a[j..), b[j..) while whole vectors remain (two per step);
// advances j.
template <class L, bool kInverse>
inline void butterfly_run(U64* a, U64* b, U64 c, std::size_t& j, std::size_t count) noexcept {
  const typename L::V cc = L::broadcast(c);
  const auto step = [&](std::size_t at) {
    typename L::V x = L::load(a + at), y = L::load(b + at);
    butterfly<L, kInverse>(x, y, cc);
    L::store(a + at, x);
    L::store(b + at, y);
  };
  for (; j + 2 * L::kCount <= count; j += 2 * L::kCount) step(j), step(j + L::kCount);
  if (j + L::kCount <= count) step(j), j += L::kCount;
}

// out[j..) = a b, or ^= a b (kAccumulate), while whole vectors remain; advances j. out may alias a.
template <class L, bool kAccumulate>
inline void product_run(U64* out, const U64* a, const U64* b, std::size_t& j,
                        std::size_t count) noexcept {
  for (; j + L::kCount <= count; j += L::kCount) {
    const typename L::V p = L::mul(L::load(a + j), L::load(b + j));
    L::store(out + j, kAccumulate ? L::add(L::load(out + j), p) : p);
  }
}
#endif

#if defined(QKDPP_SIMD_LEVEL_avx512)

// Levels with groups of 2h = 2, 4 or 8 words, sixteen words (16 / 2h groups) at a time: the
// groups' first halves gathered into one vector and their second halves into another (word
// order kept), the constants spread to the lanes of their groups, and the results scattered back.
template <bool kInverse>
inline std::size_t narrow_groups(U64* f, std::size_t len, std::size_t h,
                                 const U64* consts) noexcept {
  alignas(64) long long first[8], group[8], back[16];
  for (std::size_t k = 0; k < 8; ++k) {
    const std::size_t w = (k / h) * 2 * h + k % h;  // the k-th first-half word of the 16
    first[k] = static_cast<long long>(w);
    group[k] = static_cast<long long>(w / (2 * h));
  }
  // Word j of the 16 comes from the first halves (index < 8) or the second (8 + index).
  for (std::size_t j = 0; j < 16; ++j) {
    const std::size_t k = (j / (2 * h)) * h + j % h;
    back[j] = static_cast<long long>(j % (2 * h) < h ? k : 8 + k);
  }
  const __m512i first_idx = _mm512_load_si512(first);
  const __m512i second_idx =
      _mm512_add_epi64(first_idx, _mm512_set1_epi64(static_cast<long long>(h)));
  const __m512i group_idx = _mm512_load_si512(group), idx0 = _mm512_load_si512(back),
                idx1 = _mm512_load_si512(back + 8);
  const std::size_t groups_per_step = 8 / h;
  const auto const_mask = static_cast<__mmask8>((1u << groups_per_step) - 1);
  std::size_t at = 0;
  for (; at + 16 <= len; at += 16) {
    const __m512i x0 = Lanes8::load(f + at), x1 = Lanes8::load(f + at + 8);
    __m512i a = _mm512_permutex2var_epi64(x0, first_idx, x1);
    __m512i b = _mm512_permutex2var_epi64(x0, second_idx, x1);
    const __m512i c = _mm512_maskz_permutexvar_epi64(
        kAll8, group_idx, _mm512_maskz_loadu_epi64(const_mask, consts + at / (2 * h)));
    butterfly<Lanes8, kInverse>(a, b, c);
    Lanes8::store(f + at, _mm512_permutex2var_epi64(a, idx0, b));
    Lanes8::store(f + at + 8, _mm512_permutex2var_epi64(a, idx1, b));
  }
  return at;
}
#endif

// One group's butterflies (one constant).
template <bool kInverse>
inline void butterflies(U64* a, U64* b, U64 c, std::size_t count) noexcept {
  if (c == 0) return add_halves(a, b, count);
  std::size_t j = 0;
#if defined(QKDPP_SIMD_LEVEL_avx512)
  butterfly_run<Lanes8, kInverse>(a, b, c, j, count);
#endif
#if !defined(QKDPP_SIMD_LEVEL_scalar)
  butterfly_run<Lanes2, kInverse>(a, b, c, j, count);
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
    const __m128i x0 = Lanes2::load(f + 2 * g), x1 = Lanes2::load(f + 2 * g + 2);
    __m128i a = _mm_unpacklo_epi64(x0, x1), b = _mm_unpackhi_epi64(x0, x1);
    butterfly<Lanes2, kInverse>(a, b, Lanes2::load(consts + g));
    Lanes2::store(f + 2 * g, _mm_unpacklo_epi64(a, b));
    Lanes2::store(f + 2 * g + 2, _mm_unpackhi_epi64(a, b));
  }
#endif
  for (; g < groups; ++g) {
    butterflies<kInverse>(f + 2 * g, f + 2 * g + 1, consts[g], 1);
  }
}

template <bool kInverse>
void level(U64* f, std::size_t len, std::size_t h, const U64* consts) noexcept {
  std::size_t done = 0;  // words already transformed (whole groups)
#if defined(QKDPP_SIMD_LEVEL_avx512)
  if (h <= 4) done = narrow_groups<kInverse>(f, len, h, consts);
#endif
  if (h == 1) {
    pairs_level<kInverse>(f + done, len - done, consts + done / 2);
    return;
  }
  for (std::size_t g = done / (2 * h); g * 2 * h < len; ++g)
    butterflies<kInverse>(f + 2 * h * g, f + 2 * h * g + h, consts[g], h);
}

void forward_level(U64* f, std::size_t len, std::size_t h, const U64* consts) noexcept {
  level<false>(f, len, h, consts);
}

void inverse_level(U64* f, std::size_t len, std::size_t h, const U64* consts) noexcept {
  level<true>(f, len, h, consts);
}

void forward_butterflies(U64* a, U64* b, U64 c, std::size_t count) noexcept {
  butterflies<false>(a, b, c, count);
}
void inverse_butterflies(U64* a, U64* b, U64 c, std::size_t count) noexcept {
  butterflies<true>(a, b, c, count);
}

void mul(U64* out, const U64* a, const U64* b, std::size_t count) noexcept {
  std::size_t j = 0;
#if defined(QKDPP_SIMD_LEVEL_avx512)
  product_run<Lanes8, false>(out, a, b, j, count);
#endif
#if !defined(QKDPP_SIMD_LEVEL_scalar)
  product_run<Lanes2, false>(out, a, b, j, count);
#endif
  for (; j < count; ++j) out[j] = gf_mul(a[j], b[j]);
}

void mul_acc(U64* acc, const U64* a, const U64* b, std::size_t count) noexcept {
  std::size_t j = 0;
#if defined(QKDPP_SIMD_LEVEL_avx512)
  product_run<Lanes8, true>(acc, a, b, j, count);
#endif
#if !defined(QKDPP_SIMD_LEVEL_scalar)
  product_run<Lanes2, true>(acc, a, b, j, count);
#endif
  for (; j < count; ++j) acc[j] ^= gf_mul(a[j], b[j]);
}

}  // namespace

const AfftLoops kAfftLoops = {forward_level,       inverse_level, forward_butterflies,
                              inverse_butterflies, mul,           mul_acc};

}  // namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL
