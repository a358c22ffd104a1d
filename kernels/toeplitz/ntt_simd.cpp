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

}  // namespace

const NttLoops kNttLoops = {&dif, &dit, &mul_acc, &mul_scalar};

}  // namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL
