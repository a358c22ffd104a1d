// Layered min-sum layer loops, compiled once per SIMD level. The vector instances process one
// xsimd batch of consecutive checks of a layer at a time (intra-frame: lanes are the Z checks of a
// quasi-cyclic block row, which touch distinct bits); the scalar level is the reference itself.
#include "kernels/ldpc/detail/min_sum.hpp"

#if !defined(QKDPP_SIMD_LEVEL_scalar)
#include <immintrin.h>

#include <xsimd/xsimd.hpp>
#endif

namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL {

// The scalar level uses kMinSumReference directly (min_sum_decoder.cpp).
#if !defined(QKDPP_SIMD_LEVEL_scalar)

namespace {

#if defined(QKDPP_SIMD_LEVEL_avx2)
using Arch = xsimd::avx2;
#else
using Arch = xsimd::sse4_1;
#endif

template <class T>
using Batch = xsimd::batch<T, Arch>;

// Lanes [0, valid) of the segment col[(o + j) mod z]; the fast path is one unaligned load.
template <class T>
inline Batch<T> load_segment(const T* col, std::size_t o, std::size_t z, std::size_t valid,
                             T* tmp) noexcept {
  constexpr std::size_t w = Batch<T>::size;
  if (valid == w && o + w <= z) return Batch<T>::load_unaligned(col + o);
  for (std::size_t j = 0; j < w; ++j) {
    const std::size_t k = o + j >= z ? o + j - z : o + j;
    tmp[j] = j < valid ? col[k] : T{0};
  }
  return Batch<T>::load_aligned(tmp);
}

template <class T>
inline void store_segment(T* col, std::size_t o, std::size_t z, std::size_t valid, T* tmp,
                          const Batch<T>& x) noexcept {
  constexpr std::size_t w = Batch<T>::size;
  if (valid == w && o + w <= z) {
    x.store_unaligned(col + o);
    return;
  }
  x.store_aligned(tmp);
  for (std::size_t j = 0; j < valid; ++j) col[o + j >= z ? o + j - z : o + j] = tmp[j];
}

// m - (m >> shift) or max(m - offset, 0), for m >= 0.
template <class T>
inline Batch<T> attenuate(const Batch<T>& m, const MinSumView<T>& v) noexcept {
  if (v.offset) return xsimd::max(m - Batch<T>(static_cast<T>(v.parameter)), Batch<T>(T{0}));
  if constexpr (sizeof(T) == 1) {
    // No 8-bit shifts: shift 16-bit pairs and clear the bits that crossed from the high byte
    // (m >= 0, so a logical shift is exact).
    using U = xsimd::batch<std::uint16_t, Arch>;
    const U wide = xsimd::bitwise_cast<U>(m) >> v.parameter;
    const std::uint16_t keep = static_cast<std::uint16_t>((0xFFu >> v.parameter) * 0x0101u);
    return m - xsimd::bitwise_cast<Batch<T>>(wide & U(keep));
  } else {
    return m - (m >> v.parameter);
  }
}

// g(m): attenuation, then the message limit.
template <class T>
inline Batch<T> shrink(const Batch<T>& m, const MinSumView<T>& v) noexcept {
  return xsimd::min(attenuate(m, v), Batch<T>(v.message_limit));
}

// m where s >= 0, -m where s < 0 (s is never 0 here: callers pass s | 1).
template <class T>
inline Batch<T> apply_sign(const Batch<T>& m, const Batch<T>& s) noexcept {
#if defined(QKDPP_SIMD_LEVEL_avx2)
  if constexpr (sizeof(T) == 1) return _mm256_sign_epi8(m, s);
  else return _mm256_sign_epi16(m, s);
#else
  if constexpr (sizeof(T) == 1) return _mm_sign_epi8(m, s);
  else return _mm_sign_epi16(m, s);
#endif
}

template <class T>
void iterate(const MinSumView<T>& v) noexcept {
  using B = Batch<T>;
  constexpr std::size_t w = B::size;
  // Locals: stores through T* may alias the view, so the compiler would reload its fields.
  const std::size_t z = v.z, stride = v.stride;
  const T saturation = v.saturation;
  const B low(static_cast<T>(-saturation)), high(saturation), one(T{1});
  T* const posterior = v.posterior;
  T* const messages = v.messages;
  T* const scratch = v.scratch;
  MinSumCursor<T>* const cursors = v.cursors;
  for (std::size_t r = 0; r < v.layers; ++r) {
    const std::size_t b0 = v.layer_ptr[r], degree = v.layer_ptr[r + 1] - b0;
    for (std::size_t k = 0; k < degree; ++k) {
      cursors[k] = {posterior + v.block_col[b0 + k] * stride, v.block_shift[b0 + k]};
    }
    const T* syn = v.syndrome + r * stride;
    T* const layer_messages = messages + b0 * stride;
    T* const tmp = scratch + degree * w;
    for (std::size_t i0 = 0; i0 < z; i0 += w) {
      const std::size_t valid = z - i0 < w ? z - i0 : w;
      B min1 = high, min2 = high, sign = B::load_aligned(syn + i0);
      for (std::size_t k = 0; k < degree; ++k) {
        const MinSumCursor<T>& c = cursors[k];
        const B l = load_segment(c.column, c.offset, z, valid, tmp);
        const B t = xsimd::max(
            xsimd::ssub(l, B::load_aligned(layer_messages + k * stride + i0)), low);
        t.store_aligned(scratch + k * w);
        const B mag = xsimd::abs(t);
        min2 = xsimd::min(min2, xsimd::max(min1, mag));
        min1 = xsimd::min(min1, mag);
        sign ^= t;
      }
      const B g1 = shrink(min1, v), g2 = shrink(min2, v);
      for (std::size_t k = 0; k < degree; ++k) {
        MinSumCursor<T>& c = cursors[k];
        const B t = B::load_aligned(scratch + k * w);
        const B m = xsimd::select(xsimd::abs(t) == min1, g2, g1);
        const B message = apply_sign(m, (sign ^ t) | one);
        message.store_aligned(layer_messages + k * stride + i0);
        store_segment(c.column, c.offset, z, valid, tmp, xsimd::max(xsimd::sadd(t, message), low));
        c.offset += w;
        if (c.offset >= z) c.offset -= z;
      }
    }
  }
}

template <class T>
bool satisfied(const MinSumView<T>& v) noexcept {
  using B = Batch<T>;
  constexpr std::size_t w = B::size;
  const B zero(T{0});
  const std::size_t z = v.z;
  T* tmp = v.scratch;
  for (std::size_t r = 0; r < v.layers; ++r) {
    const std::size_t b0 = v.layer_ptr[r], b1 = v.layer_ptr[r + 1];
    for (std::size_t i0 = 0; i0 < z; i0 += w) {
      const std::size_t valid = z - i0 < w ? z - i0 : w;
      B parity = B::load_aligned(v.syndrome + r * v.stride + i0);
      for (std::size_t b = b0; b < b1; ++b) {
        std::size_t o = i0 + v.block_shift[b];
        if (o >= z) o -= z;
        parity ^= load_segment(v.posterior + v.block_col[b] * v.stride, o, z, valid, tmp);
      }
      if (xsimd::any(parity < zero)) return false;
    }
  }
  return true;
}

}  // namespace

const MinSumKernels kMinSum = {
    {&iterate<std::int8_t>, &satisfied<std::int8_t>},
    {&iterate<std::int16_t>, &satisfied<std::int16_t>},
};

#endif

}  // namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL
