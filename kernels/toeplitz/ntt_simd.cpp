// NTT butterfly and pointwise loops, compiled once per SIMD level; the AVX2 instance processes
// eight 32-bit lanes with _mm256_mul_epu32-based Montgomery products.
#include "kernels/toeplitz/detail/ntt.hpp"

#if defined(QKDPP_SIMD_LEVEL_avx2)
#include <immintrin.h>
#endif

namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL {

namespace {

#if defined(QKDPP_SIMD_LEVEL_avx2)
constexpr std::size_t kLanes = 8;

struct Vec {
  static __m256i load(const std::uint32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  static void store(std::uint32_t* p, __m256i v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
  }
  static __m256i add(__m256i a, __m256i b) {
    const __m256i p = _mm256_set1_epi32(static_cast<int>(kNttPrime));
    const __m256i s = _mm256_add_epi32(a, b);
    return _mm256_min_epu32(s, _mm256_sub_epi32(s, p));
  }
  static __m256i sub(__m256i a, __m256i b) {
    const __m256i p = _mm256_set1_epi32(static_cast<int>(kNttPrime));
    const __m256i d = _mm256_sub_epi32(a, b);
    return _mm256_min_epu32(d, _mm256_add_epi32(d, p));
  }
  // Montgomery product of eight lanes: even lanes via mul_epu32 directly, odd lanes shifted down.
  static __m256i mul(__m256i a, __m256i b) {
    const __m256i p = _mm256_set1_epi32(static_cast<int>(kNttPrime));
    const __m256i pinv = _mm256_set1_epi32(static_cast<int>(kNttPrimeNegInv));
    const __m256i t_even = _mm256_mul_epu32(a, b);
    const __m256i t_odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(b, 32));
    const __m256i q_even = _mm256_mul_epu32(t_even, pinv);
    const __m256i q_odd = _mm256_mul_epu32(t_odd, pinv);
    const __m256i r_even = _mm256_add_epi64(t_even, _mm256_mul_epu32(q_even, p));
    const __m256i r_odd = _mm256_add_epi64(t_odd, _mm256_mul_epu32(q_odd, p));
    const __m256i r = _mm256_blend_epi32(_mm256_srli_epi64(r_even, 32), r_odd, 0xAA);
    return _mm256_min_epu32(r, _mm256_sub_epi32(r, p));
  }
};
#else
constexpr std::size_t kLanes = 0;
#endif

void dif(std::uint32_t* lo, std::uint32_t* hi, const std::uint32_t* tw,
         std::size_t count) noexcept {
  std::size_t j = 0;
#if defined(QKDPP_SIMD_LEVEL_avx2)
  for (; j + kLanes <= count; j += kLanes) {
    const __m256i u = Vec::load(lo + j), v = Vec::load(hi + j);
    Vec::store(lo + j, Vec::add(u, v));
    Vec::store(hi + j, Vec::mul(Vec::sub(u, v), Vec::load(tw + j)));
  }
#endif
  for (; j < count; ++j) {
    const std::uint32_t u = lo[j], v = hi[j];
    lo[j] = ntt_add(u, v);
    hi[j] = ntt_mont_mul(ntt_sub(u, v), tw[j]);
  }
}

void dit(std::uint32_t* lo, std::uint32_t* hi, const std::uint32_t* tw,
         std::size_t count) noexcept {
  std::size_t j = 0;
#if defined(QKDPP_SIMD_LEVEL_avx2)
  for (; j + kLanes <= count; j += kLanes) {
    const __m256i u = Vec::load(lo + j);
    const __m256i v = Vec::mul(Vec::load(hi + j), Vec::load(tw + j));
    Vec::store(lo + j, Vec::add(u, v));
    Vec::store(hi + j, Vec::sub(u, v));
  }
#endif
  for (; j < count; ++j) {
    const std::uint32_t u = lo[j], v = ntt_mont_mul(hi[j], tw[j]);
    lo[j] = ntt_add(u, v);
    hi[j] = ntt_sub(u, v);
  }
}

void mul_acc(std::uint32_t* acc, const std::uint32_t* a, const std::uint32_t* b,
             std::size_t count) noexcept {
  std::size_t j = 0;
#if defined(QKDPP_SIMD_LEVEL_avx2)
  for (; j + kLanes <= count; j += kLanes) {
    Vec::store(acc + j, Vec::add(Vec::load(acc + j), Vec::mul(Vec::load(a + j), Vec::load(b + j))));
  }
#endif
  for (; j < count; ++j) acc[j] = ntt_add(acc[j], ntt_mont_mul(a[j], b[j]));
}

void mul_scalar(std::uint32_t* out, const std::uint32_t* in, std::uint32_t c,
                std::size_t count) noexcept {
  std::size_t j = 0;
#if defined(QKDPP_SIMD_LEVEL_avx2)
  const __m256i vc = _mm256_set1_epi32(static_cast<int>(c));
  for (; j + kLanes <= count; j += kLanes) Vec::store(out + j, Vec::mul(Vec::load(in + j), vc));
#endif
  for (; j < count; ++j) out[j] = ntt_mont_mul(in[j], c);
}

// Scalar reference of the small levels: block sizes 8, 4, 2 (forward) or 2, 4, 8 (inverse).
void small_levels_scalar(std::uint32_t* a, std::size_t len, const std::uint32_t* table,
                         bool inverse) noexcept {
  for (int step = 0; step < 3; ++step) {
    const std::size_t half = inverse ? (std::size_t{1} << step) : (std::size_t{4} >> step);
    for (std::size_t start = 0; start < len; start += 2 * half) {
      if (inverse) {
        dit(a + start, a + start + half, table + half, half);
      } else {
        dif(a + start, a + start + half, table + half, half);
      }
    }
  }
}

#if defined(QKDPP_SIMD_LEVEL_avx2)
// Two blocks of 8 points (registers x = block a, y = block b) through the levels in registers:
// 128-bit lane permutes expose the half-4 pairs, 64-bit unpacks the half-2 pairs, 32-bit
// shuffles the half-1 pairs (whose twiddle is 1).
__m256i twiddles(const std::uint32_t* table, std::size_t half) {
  if (half == 4)
    return _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 4)));
  return _mm256_set_epi32(static_cast<int>(table[3]), static_cast<int>(table[2]),
                          static_cast<int>(table[3]), static_cast<int>(table[2]),
                          static_cast<int>(table[3]), static_cast<int>(table[2]),
                          static_cast<int>(table[3]), static_cast<int>(table[2]));
}

void dif_tail(std::uint32_t* a, std::size_t len, const std::uint32_t* table) noexcept {
  const __m256i tw4 = twiddles(table, 4), tw2 = twiddles(table, 2);
  std::size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    const __m256i x = Vec::load(a + i), y = Vec::load(a + i + 8);
    __m256i lo = _mm256_permute2x128_si256(x, y, 0x20), hi = _mm256_permute2x128_si256(x, y, 0x31);
    __m256i l1 = Vec::add(lo, hi), h1 = Vec::mul(Vec::sub(lo, hi), tw4);
    lo = _mm256_unpacklo_epi64(l1, h1);
    hi = _mm256_unpackhi_epi64(l1, h1);
    const __m256i l2 = Vec::add(lo, hi), h2 = Vec::mul(Vec::sub(lo, hi), tw2);
    const __m256i e = _mm256_castps_si256(_mm256_shuffle_ps(
        _mm256_castsi256_ps(l2), _mm256_castsi256_ps(h2), _MM_SHUFFLE(2, 0, 2, 0)));
    const __m256i o = _mm256_castps_si256(_mm256_shuffle_ps(
        _mm256_castsi256_ps(l2), _mm256_castsi256_ps(h2), _MM_SHUFFLE(3, 1, 3, 1)));
    const __m256i e3 = Vec::add(e, o), o3 = Vec::sub(e, o);
    const __m256i p = _mm256_unpacklo_epi32(e3, o3), q = _mm256_unpackhi_epi32(e3, o3);
    const __m256i l = _mm256_unpacklo_epi64(p, q), h = _mm256_unpackhi_epi64(p, q);
    Vec::store(a + i, _mm256_permute2x128_si256(l, h, 0x20));
    Vec::store(a + i + 8, _mm256_permute2x128_si256(l, h, 0x31));
  }
  if (i < len) small_levels_scalar(a + i, len - i, table, false);
}

void dit_head(std::uint32_t* a, std::size_t len, const std::uint32_t* table) noexcept {
  const __m256i tw4 = twiddles(table, 4), tw2 = twiddles(table, 2);
  std::size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    const __m256i x = Vec::load(a + i), y = Vec::load(a + i + 8);
    const __m256i e = _mm256_castps_si256(
        _mm256_shuffle_ps(_mm256_castsi256_ps(x), _mm256_castsi256_ps(y), _MM_SHUFFLE(2, 0, 2, 0)));
    const __m256i o = _mm256_castps_si256(
        _mm256_shuffle_ps(_mm256_castsi256_ps(x), _mm256_castsi256_ps(y), _MM_SHUFFLE(3, 1, 3, 1)));
    const __m256i e1 = Vec::add(e, o), o1 = Vec::sub(e, o);
    const __m256i a1 = _mm256_unpacklo_epi32(e1, o1), b1 = _mm256_unpackhi_epi32(e1, o1);
    __m256i lo = _mm256_unpacklo_epi64(a1, b1), hi = _mm256_unpackhi_epi64(a1, b1);
    __m256i v = Vec::mul(hi, tw2);
    const __m256i l2 = Vec::add(lo, v), h2 = Vec::sub(lo, v);
    const __m256i a2 = _mm256_unpacklo_epi64(l2, h2), b2 = _mm256_unpackhi_epi64(l2, h2);
    lo = _mm256_permute2x128_si256(a2, b2, 0x20);
    hi = _mm256_permute2x128_si256(a2, b2, 0x31);
    v = Vec::mul(hi, tw4);
    const __m256i l3 = Vec::add(lo, v), h3 = Vec::sub(lo, v);
    Vec::store(a + i, _mm256_permute2x128_si256(l3, h3, 0x20));
    Vec::store(a + i + 8, _mm256_permute2x128_si256(l3, h3, 0x31));
  }
  if (i < len) small_levels_scalar(a + i, len - i, table, true);
}
#else
void dif_tail(std::uint32_t* a, std::size_t len, const std::uint32_t* table) noexcept {
  small_levels_scalar(a, len, table, false);
}
void dit_head(std::uint32_t* a, std::size_t len, const std::uint32_t* table) noexcept {
  small_levels_scalar(a, len, table, true);
}
#endif

void dif4(std::uint32_t* a, std::size_t q, const std::uint32_t* tw, std::uint32_t quarter,
          std::size_t j0, std::size_t count) noexcept {
  std::uint32_t* p0 = a + j0;
  std::uint32_t* p1 = p0 + q;
  std::uint32_t* p2 = p1 + q;
  std::uint32_t* p3 = p2 + q;
  std::size_t j = 0;
#if defined(QKDPP_SIMD_LEVEL_avx2)
  const __m256i vq = _mm256_set1_epi32(static_cast<int>(quarter));
  for (; j + kLanes <= count; j += kLanes) {
    const __m256i w1 = Vec::load(tw + j), w1b = Vec::mul(w1, vq), w2 = Vec::mul(w1, w1);
    const __m256i x0 = Vec::load(p0 + j), x1 = Vec::load(p1 + j), x2 = Vec::load(p2 + j),
                  x3 = Vec::load(p3 + j);
    const __m256i y0 = Vec::add(x0, x2), y2 = Vec::mul(Vec::sub(x0, x2), w1);
    const __m256i y1 = Vec::add(x1, x3), y3 = Vec::mul(Vec::sub(x1, x3), w1b);
    Vec::store(p0 + j, Vec::add(y0, y1));
    Vec::store(p1 + j, Vec::mul(Vec::sub(y0, y1), w2));
    Vec::store(p2 + j, Vec::add(y2, y3));
    Vec::store(p3 + j, Vec::mul(Vec::sub(y2, y3), w2));
  }
#endif
  for (; j < count; ++j) {
    const std::uint32_t w1 = tw[j], w1b = ntt_mont_mul(w1, quarter), w2 = ntt_mont_mul(w1, w1);
    const std::uint32_t y0 = ntt_add(p0[j], p2[j]), y2 = ntt_mont_mul(ntt_sub(p0[j], p2[j]), w1);
    const std::uint32_t y1 = ntt_add(p1[j], p3[j]), y3 = ntt_mont_mul(ntt_sub(p1[j], p3[j]), w1b);
    p0[j] = ntt_add(y0, y1);
    p1[j] = ntt_mont_mul(ntt_sub(y0, y1), w2);
    p2[j] = ntt_add(y2, y3);
    p3[j] = ntt_mont_mul(ntt_sub(y2, y3), w2);
  }
}

void dit4(std::uint32_t* a, std::size_t q, const std::uint32_t* tw, std::uint32_t quarter,
          std::size_t j0, std::size_t count) noexcept {
  std::uint32_t* p0 = a + j0;
  std::uint32_t* p1 = p0 + q;
  std::uint32_t* p2 = p1 + q;
  std::uint32_t* p3 = p2 + q;
  std::size_t j = 0;
#if defined(QKDPP_SIMD_LEVEL_avx2)
  const __m256i vq = _mm256_set1_epi32(static_cast<int>(quarter));
  for (; j + kLanes <= count; j += kLanes) {
    const __m256i w1 = Vec::load(tw + j), w1b = Vec::mul(w1, vq), w2 = Vec::mul(w1, w1);
    const __m256i x0 = Vec::load(p0 + j), x2 = Vec::load(p2 + j);
    const __m256i v1 = Vec::mul(Vec::load(p1 + j), w2), v3 = Vec::mul(Vec::load(p3 + j), w2);
    const __m256i y0 = Vec::add(x0, v1), y1 = Vec::sub(x0, v1), y2 = Vec::add(x2, v3),
                  y3 = Vec::sub(x2, v3);
    const __m256i u2 = Vec::mul(y2, w1), u3 = Vec::mul(y3, w1b);
    Vec::store(p0 + j, Vec::add(y0, u2));
    Vec::store(p2 + j, Vec::sub(y0, u2));
    Vec::store(p1 + j, Vec::add(y1, u3));
    Vec::store(p3 + j, Vec::sub(y1, u3));
  }
#endif
  for (; j < count; ++j) {
    const std::uint32_t w1 = tw[j], w1b = ntt_mont_mul(w1, quarter), w2 = ntt_mont_mul(w1, w1);
    const std::uint32_t v1 = ntt_mont_mul(p1[j], w2), v3 = ntt_mont_mul(p3[j], w2);
    const std::uint32_t y0 = ntt_add(p0[j], v1), y1 = ntt_sub(p0[j], v1);
    const std::uint32_t y2 = ntt_add(p2[j], v3), y3 = ntt_sub(p2[j], v3);
    const std::uint32_t u2 = ntt_mont_mul(y2, w1), u3 = ntt_mont_mul(y3, w1b);
    p0[j] = ntt_add(y0, u2);
    p2[j] = ntt_sub(y0, u2);
    p1[j] = ntt_add(y1, u3);
    p3[j] = ntt_sub(y1, u3);
  }
}

}  // namespace

const NttLoops kNttLoops = {&dif, &dit, &mul_acc, &mul_scalar, &dif_tail, &dit_head, &dif4, &dit4};

}  // namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL
