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

// QKDPP_MM(op): the level's intrinsic of that name (_mm512_op, _mm256_op or _mm_op), for the
// operations whose spelling differs only in the prefix.
#if defined(QKDPP_SIMD_LEVEL_avx512)
using Arch = xsimd::avx512bw;
#define QKDPP_MM(op) _mm512_##op
#elif defined(QKDPP_SIMD_LEVEL_avx2)
using Arch = xsimd::avx2;
#define QKDPP_MM(op) _mm256_##op
#else
using Arch = xsimd::sse4_1;
#define QKDPP_MM(op) _mm_##op
#endif

using B = xsimd::batch<Posterior, Arch>;
constexpr std::size_t kW = B::size;

// Lanes [0, valid) of the segment col[(o + j) mod z]; the fast path is one unaligned load.
inline B load_segment(const Posterior* col, std::size_t o, std::size_t z, std::size_t valid,
                      Posterior* tmp) noexcept {
  if (valid == kW && o + kW <= z) return B::load_unaligned(col + o);
  for (std::size_t j = 0; j < kW; ++j) {
    const std::size_t k = o + j >= z ? o + j - z : o + j;
    tmp[j] = j < valid ? col[k] : Posterior{0};
  }
  return B::load_aligned(tmp);
}

inline void store_segment(Posterior* col, std::size_t o, std::size_t z, std::size_t valid,
                          Posterior* tmp, const B& x) noexcept {
  if (valid == kW && o + kW <= z) {
    x.store_unaligned(col + o);
    return;
  }
  x.store_aligned(tmp);
  for (std::size_t j = 0; j < valid; ++j) col[o + j >= z ? o + j - z : o + j] = tmp[j];
}

// Check messages: 16-bit as they are, 8-bit sign-extended on load and packed on store (they fit:
// |R| <= message_limit <= 127).
template <class M>
inline B load_messages(const M* p) noexcept {
  if constexpr (sizeof(M) == 2) {
    return B::load_aligned(p);
  } else {
#if defined(QKDPP_SIMD_LEVEL_avx512)
    return _mm512_cvtepi8_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
#elif defined(QKDPP_SIMD_LEVEL_avx2)
    return _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(p)));
#else
    return _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
#endif
  }
}

template <class M>
inline void store_messages(M* p, const B& x) noexcept {
  if constexpr (sizeof(M) == 2) {
    x.store_aligned(p);
  } else {
#if defined(QKDPP_SIMD_LEVEL_avx512)
    // The zero-masking form: the plain one passes GCC 12 an undefined vector it warns about.
    _mm256_store_si256(reinterpret_cast<__m256i*>(p),
                       _mm512_maskz_cvtsepi16_epi8(~__mmask32{0}, x));
#elif defined(QKDPP_SIMD_LEVEL_avx2)
    const __m256i v = x;
    _mm_store_si128(reinterpret_cast<__m128i*>(p),
                    _mm_packs_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
#else
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(x, x));
#endif
  }
}

// m where s > 0, -m where s < 0 (callers pass s | 1, never 0).
inline B apply_sign(const B& m, const B& s) noexcept {
#if defined(QKDPP_SIMD_LEVEL_avx512)
  return _mm512_mask_sub_epi16(m, _mm512_movepi16_mask(s), _mm512_setzero_si512(), m);
#elif defined(QKDPP_SIMD_LEVEL_avx2)
  return _mm256_sign_epi16(m, s);
#else
  return _mm_sign_epi16(m, s);
#endif
}

// g(m) for m >= 0 by the view's rule (MinSumView::rule), then the message limit.
template <class M>
inline B shrink(const B& m, const MinSumView<M>& v) noexcept {
  const B parameter(static_cast<Posterior>(v.parameter));
  B attenuated;
  switch (v.rule) {
    case MinSumVariant::kNormalized:
      attenuated = m - (m >> v.parameter);
      break;
    case MinSumVariant::kOffset:
      attenuated = xsimd::max(m - parameter, B(0));
      break;
    case MinSumVariant::kScaledOffset:
      attenuated = xsimd::max(B(QKDPP_MM(mulhrs_epi16)(m, B(v.factor))) - parameter, B(0));
      break;
    case MinSumVariant::kBoxPlus:  // update_chunk_boxplus
      attenuated = m;
      break;
  }
  return xsimd::min(attenuated, B(v.message_limit));
}

// Lanes [0, valid) of x that are negative.
inline std::size_t count_negative(const B& x, std::size_t valid) noexcept {
#if defined(QKDPP_SIMD_LEVEL_avx512)
  auto mask = static_cast<std::uint32_t>(_mm512_movepi16_mask(x));
  if (valid < kW) mask &= (std::uint32_t{1} << valid) - 1;
  return static_cast<std::size_t>(__builtin_popcount(mask));
#elif defined(QKDPP_SIMD_LEVEL_avx2)
  auto mask = static_cast<std::uint32_t>(_mm256_movemask_epi8(x));
#else
  auto mask = static_cast<std::uint32_t>(_mm_movemask_epi8(x));
#endif
  mask &= 0xAAAAAAAAu;  // the high byte's sign of each 16-bit lane
  if (valid < kW) mask &= (std::uint32_t{1} << (2 * valid)) - 1;
  return static_cast<std::size_t>(__builtin_popcount(mask));
}

// Offset o advanced by `by` checks within a block of z (by <= z).
inline std::size_t advance(std::size_t o, std::size_t by, std::size_t z) noexcept {
  return o + by >= z ? o + by - z : o + by;
}

// Checks [i0, i0 + U kW) of one layer (U vectors per block, for instruction-level parallelism and
// fewer loop overheads per vector), `valid` of them real: the reads and writes every rule shares.
template <std::size_t U, bool Exact, class M>
struct Chunk {
  const MinSumView<M>& v;
  std::size_t z, stride;  // v's, as values (vector stores may alias v)
  std::size_t i0, valid;
  M* layer_messages;  // the layer's first block's messages
  Posterior* tmp;     // one vector, for segments that wrap around
  B low;              // -S

  // Block k's segment is whole and does not wrap around: plain loads and stores.
  bool contiguous(const MinSumCursor& c) const noexcept {
    return valid == U * kW && c.offset + U * kW <= z;
  }

  std::size_t lanes(std::size_t u) const noexcept {
    return valid > u * kW ? (valid - u * kW < kW ? valid - u * kW : kW) : std::size_t{0};
  }
  M* messages(std::size_t k, std::size_t u) const noexcept {
    return layer_messages + k * stride + i0 + u * kW;
  }
  // t = sat(L - R) for vector u of block k, with the signs of L folded into `parity`. Exact:
  // nothing can saturate (MinSumView::exact), so the clamps are no-ops and skipped.
  B extrinsic(const MinSumCursor& c, bool whole, std::size_t k, std::size_t u,
              B& parity) const noexcept {
    const B l = whole ? B::load_unaligned(c.column + c.offset + u * kW)
                      : load_segment(c.column, advance(c.offset, u * kW, z), z, lanes(u), tmp);
    parity ^= l;
    const B r_old = load_messages(messages(k, u));
    return Exact ? l - r_old : xsimd::max(xsimd::ssub(l, r_old), low);
  }
  // Stores the new message and the posterior sat(t + message).
  void update(const MinSumCursor& c, bool whole, std::size_t k, std::size_t u, const B& t,
              const B& message) const noexcept {
    store_messages(messages(k, u), message);
    const B l = Exact ? t + message : xsimd::max(xsimd::sadd(t, message), low);
    if (whole) {
      l.store_unaligned(c.column + c.offset + u * kW);
    } else {
      store_segment(c.column, advance(c.offset, u * kW, z), z, lanes(u), tmp, l);
    }
  }
  // Checks of the chunk whose parity (syndrome sign folded with the posteriors' signs) is odd.
  std::size_t unsatisfied(const B (&parity)[U]) const noexcept {
    std::size_t count = 0;
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) count += count_negative(parity[u], lanes(u));
    return count;
  }
};

// The min-sum rules on one chunk. PerBlock: the offset rule with one offset per block
// (MinSumView::block_offset, the layer's entries at `offsets`).
template <std::size_t U, bool Exact, bool PerBlock, class M>
inline std::size_t update_chunk(const Chunk<U, Exact, M>& ch, std::size_t degree,
                                const Posterior* syn, MinSumCursor* cursors,
                                const Posterior* offsets) noexcept {
  const MinSumView<M>& v = ch.v;
  const B high(v.saturation), one(1);
  Posterior* const scratch = v.scratch;
  B min1[U], min2[U], sign[U], parity[U];
#pragma GCC unroll 4
  for (std::size_t u = 0; u < U; ++u) {
    min1[u] = high;
    min2[u] = high;
    sign[u] = B::load_aligned(syn + ch.i0 + u * kW);
    parity[u] = sign[u];
  }
  for (std::size_t k = 0; k < degree; ++k) {
    const MinSumCursor c = cursors[k];
    const bool whole = ch.contiguous(c);
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) {
      const B t = ch.extrinsic(c, whole, k, u, parity[u]);
      t.store_aligned(scratch + (k * U + u) * kW);
      const B mag = xsimd::abs(t);
      min2[u] = xsimd::min(min2[u], xsimd::max(min1[u], mag));
      min1[u] = xsimd::min(min1[u], mag);
      sign[u] ^= t;
    }
  }
  B g1[U], g2[U];
#pragma GCC unroll 4
  for (std::size_t u = 0; u < U; ++u) {
    g1[u] = shrink(min1[u], v);
    g2[u] = shrink(min2[u], v);
  }
  for (std::size_t k = 0; k < degree; ++k) {
    MinSumCursor& c = cursors[k];
    const bool whole = ch.contiguous(c);
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) {
      const B t = B::load_aligned(scratch + (k * U + u) * kW);
      B m;
      if constexpr (PerBlock) {
        const B raw = xsimd::select(xsimd::abs(t) == min1[u], min2[u], min1[u]);
        m = xsimd::min(xsimd::max(raw - B(offsets[k]), B(0)), B(v.message_limit));
      } else {
        m = xsimd::select(xsimd::abs(t) == min1[u], g2[u], g1[u]);
      }
      ch.update(c, whole, k, u, t, apply_sign(m, (sign[u] ^ t) | one));
    }
    c.offset = advance(c.offset, U * kW, ch.z);
  }
  return ch.unsatisfied(parity);
}

// x - y floored at 0, for 0 <= x, y < 2^15 (unsigned saturating subtraction).
inline B subtract_floored(const B& x, const B& y) noexcept { return QKDPP_MM(subs_epu16)(x, y); }

// The box-plus rule's pairwise step on magnitude vectors, the same integers as
// detail::boxplus_magnitude: c(a + b) <= c(|a - b|), so min + c(a + b) - c(|a - b|) floored at 0
// is min minus their difference, floored.
inline B boxplus(const B& a, const B& b, const B& correction) noexcept {
  const B low = xsimd::min(a, b), high = xsimd::max(a, b);
  const B c_sum = subtract_floored(correction, (a + b) >> 2);
  const B c_diff = subtract_floored(correction, (high - low) >> 2);
  return subtract_floored(low, c_diff - c_sum);
}

// The box-plus chain of a chunk's U vectors: 16-bit lanes, one vector per u (any magnitudes).
template <std::size_t U>
struct WideChain {
  B x[U];
  static WideChain pack(const B (&a)[U]) noexcept {
    WideChain c;
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) c.x[u] = a[u];
    return c;
  }
  // min(|t|, limit) << h: the chain's inputs.
  static WideChain magnitudes(const B (&t)[U], const B& limit, int h) noexcept {
    WideChain c;
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) c.x[u] = xsimd::min(xsimd::abs(t[u]), limit) << h;
    return c;
  }
  // Chain values back at message resolution, rounded: min((x + 2^h / 2) >> h, limit).
  WideChain messages(const B& limit, int h) const noexcept {
    const B half(static_cast<Posterior>((1 << h) >> 1));
    WideChain c;
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) c.x[u] = xsimd::min((x[u] + half) >> h, limit);
    return c;
  }
  B lane(std::size_t u) const noexcept { return x[u]; }
  WideChain step(const WideChain& o, const B& correction) const noexcept {
    WideChain c;
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) c.x[u] = boxplus(x[u], o.x[u], correction);
    return c;
  }
  void store(Posterior* at) const noexcept {
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) x[u].store_aligned(at + u * kW);
  }
  static WideChain load(const Posterior* at) noexcept {
    WideChain c;
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) c.x[u] = B::load_aligned(at + u * kW);
    return c;
  }
};

// Unsigned byte operations of the level (xsimd has no unsigned byte shift on AVX2).
namespace bytes {
#if defined(QKDPP_SIMD_LEVEL_avx512)
using V = __m512i;
inline V zero() noexcept { return _mm512_setzero_si512(); }
inline V bit_and(V a, V b) noexcept { return _mm512_and_si512(a, b); }
inline V load(const Posterior* at) noexcept { return _mm512_load_si512(at); }
inline void store(Posterior* at, V x) noexcept { _mm512_store_si512(at, x); }
#elif defined(QKDPP_SIMD_LEVEL_avx2)
using V = __m256i;
inline V zero() noexcept { return _mm256_setzero_si256(); }
inline V bit_and(V a, V b) noexcept { return _mm256_and_si256(a, b); }
inline V load(const Posterior* at) noexcept {
  return _mm256_load_si256(reinterpret_cast<const V*>(at));
}
inline void store(Posterior* at, V x) noexcept { _mm256_store_si256(reinterpret_cast<V*>(at), x); }
#else
using V = __m128i;
inline V zero() noexcept { return _mm_setzero_si128(); }
inline V bit_and(V a, V b) noexcept { return _mm_and_si128(a, b); }
inline V load(const Posterior* at) noexcept {
  return _mm_load_si128(reinterpret_cast<const V*>(at));
}
inline void store(Posterior* at, V x) noexcept { _mm_store_si128(reinterpret_cast<V*>(at), x); }
#endif
inline V pack(const B& a, const B& b) noexcept { return QKDPP_MM(packus_epi16)(a, b); }
inline V pack_signed(const B& a, const B& b) noexcept { return QKDPP_MM(packs_epi16)(a, b); }
inline V abs_signed(V x) noexcept { return QKDPP_MM(abs_epi8)(x); }
inline V halve_rounded(V x) noexcept { return QKDPP_MM(avg_epu8)(x, zero()); }
inline B low_half(V x) noexcept { return QKDPP_MM(unpacklo_epi8)(x, zero()); }
inline B high_half(V x) noexcept { return QKDPP_MM(unpackhi_epi8)(x, zero()); }
inline V min(V a, V b) noexcept { return QKDPP_MM(min_epu8)(a, b); }
inline V max(V a, V b) noexcept { return QKDPP_MM(max_epu8)(a, b); }
inline V add_saturated(V a, V b) noexcept { return QKDPP_MM(adds_epu8)(a, b); }
inline V subtract_floored(V a, V b) noexcept { return QKDPP_MM(subs_epu8)(a, b); }
inline V subtract(V a, V b) noexcept { return QKDPP_MM(sub_epi8)(a, b); }
// Each byte shifted right by 2. AVX-512 level: one GFNI affine transform, whose 8x8 bit matrix
// (byte 7 - i selects the input bits of output bit i) takes output bit i from input bit i + 2
// and leaves bits 6 and 7 zero; the others shift 16-bit lanes and mask the bits that crossed.
inline V shift_right_2(V x) noexcept {
#if defined(QKDPP_SIMD_LEVEL_avx512)
  return _mm512_gf2p8affine_epi64_epi8(x, _mm512_set1_epi64(0x0408102040800000LL), 0);
#else
  return bit_and(QKDPP_MM(srli_epi16)(x, 2), QKDPP_MM(set1_epi8)(0x3f));
#endif
}
}  // namespace bytes

// The same chain for two vectors whose magnitudes fit in 8 bits (MinSumView::narrow_chain): both
// packed into one vector of unsigned bytes, so each pairwise step serves twice the checks. The
// integers are those of the 16-bit step: a + b saturates at 255, where c(a + b) is 0 anyway
// (C <= 63), and every other value stays below 256. The inputs and outputs are computed on bytes
// too (limit <= 127, so a signed pack saturates only values the limit clamps anyway).
struct NarrowChain {
  bytes::V x;
  static NarrowChain pack(const B (&a)[2]) noexcept { return {bytes::pack(a[0], a[1])}; }
  // h = 1 (MinSumView::narrow_chain): doubled inputs, halved and rounded outputs.
  static NarrowChain magnitudes(const B (&t)[2], const B& limit, int /*h*/) noexcept {
    using namespace bytes;
    const V m = min(abs_signed(pack_signed(t[0], t[1])), bytes::pack(limit, limit));
    return {add_saturated(m, m)};
  }
  // (x + 1) >> 1: an average with 0.
  NarrowChain messages(const B& limit, int /*h*/) const noexcept {
    using namespace bytes;
    return {min(halve_rounded(x), bytes::pack(limit, limit))};
  }
  B lane(std::size_t u) const noexcept { return u == 0 ? bytes::low_half(x) : bytes::high_half(x); }
  NarrowChain step(const NarrowChain& o, const B& correction16) const noexcept {
    using namespace bytes;
    const V c = bytes::pack(correction16, correction16);
    const V low = min(x, o.x), high = max(x, o.x);
    const V c_sum = subtract_floored(c, shift_right_2(add_saturated(x, o.x)));
    const V c_diff = subtract_floored(c, shift_right_2(subtract(high, low)));
    return {subtract_floored(low, subtract(c_diff, c_sum))};
  }
  void store(Posterior* at) const noexcept { bytes::store(at, x); }
  static NarrowChain load(const Posterior* at) noexcept { return {bytes::load(at)}; }
};

// The box-plus rule on one chunk: the first pass stores t_k and the prefix F_k of each block,
// the second walks the blocks backwards with the running suffix (MinSumDecoder's header). Chain:
// WideChain<U> or NarrowChain (U = 2).
template <class Chain, std::size_t U, bool Exact, class M>
inline std::size_t update_chunk_boxplus(const Chunk<U, Exact, M>& ch, std::size_t degree,
                                        const Posterior* syn, MinSumCursor* cursors) noexcept {
  const MinSumView<M>& v = ch.v;
  const B one(1), limit(v.message_limit), correction(v.boxplus_correction);
  const int h = v.boxplus_shift;
  Posterior* const scratch = v.scratch;
  Posterior* const prefix = ch.tmp + kW;
  Posterior* const inputs = prefix + degree * U * kW;  // the chain's inputs, for the second pass
  B sign[U], parity[U];
#pragma GCC unroll 4
  for (std::size_t u = 0; u < U; ++u) {
    sign[u] = B::load_aligned(syn + ch.i0 + u * kW);
    parity[u] = sign[u];
  }
  Chain forward{}, backward{};
  for (std::size_t k = 0; k < degree; ++k) {
    const MinSumCursor c = cursors[k];
    const bool whole = ch.contiguous(c);
    B t[U];
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) {
      t[u] = ch.extrinsic(c, whole, k, u, parity[u]);
      t[u].store_aligned(scratch + (k * U + u) * kW);
      sign[u] ^= t[u];
    }
    const Chain packed = Chain::magnitudes(t, limit, h);
    packed.store(inputs + k * U * kW);
    if (k == 0) {
      forward = packed;
    } else {
      forward.store(prefix + k * U * kW);
      forward = forward.step(packed, correction);
    }
  }
  for (std::size_t k = degree; k-- > 0;) {
    MinSumCursor& c = cursors[k];
    const bool whole = ch.contiguous(c);
    B t[U];
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) t[u] = B::load_aligned(scratch + (k * U + u) * kW);
    const Chain packed = Chain::load(inputs + k * U * kW);
    Chain out;
    if (degree == 1) {
      B full[U];
#pragma GCC unroll 4
      for (std::size_t u = 0; u < U; ++u) full[u] = limit << h;
      out = Chain::pack(full);
    } else if (k + 1 == degree) {
      out = Chain::load(prefix + k * U * kW);
    } else if (k == 0) {
      out = backward;
    } else {
      out = Chain::load(prefix + k * U * kW).step(backward, correction);
    }
    backward = k + 1 == degree ? packed : backward.step(packed, correction);
    const Chain m = out.messages(limit, h);
#pragma GCC unroll 4
    for (std::size_t u = 0; u < U; ++u) {
      ch.update(c, whole, k, u, t[u], apply_sign(m.lane(u), (sign[u] ^ t[u]) | one));
    }
    c.offset = advance(c.offset, U * kW, ch.z);
  }
  return ch.unsatisfied(parity);
}

// kBoxPlusNarrow: the box-plus rule with NarrowChain on full two-vector chunks.
enum class Rule { kMinSum, kPerBlockOffset, kBoxPlus, kBoxPlusNarrow };

template <Rule R, std::size_t U, bool Exact, class M>
inline std::size_t update_chunk_by_rule(const MinSumView<M>& v, std::size_t degree, std::size_t i0,
                                        std::size_t valid, const Posterior* syn, M* layer_messages,
                                        MinSumCursor* cursors, const Posterior* offsets) noexcept {
  const Chunk<U, Exact, M> ch{v,
                              v.z,
                              v.stride,
                              i0,
                              valid,
                              layer_messages,
                              v.scratch + degree * U * kW,
                              B(static_cast<Posterior>(-v.saturation))};
  if constexpr (R == Rule::kBoxPlusNarrow && U == 2) {
    return update_chunk_boxplus<NarrowChain>(ch, degree, syn, cursors);
  } else if constexpr (R == Rule::kBoxPlus || R == Rule::kBoxPlusNarrow) {
    return update_chunk_boxplus<WideChain<U>>(ch, degree, syn, cursors);
  } else {
    return update_chunk<U, Exact, R == Rule::kPerBlockOffset>(ch, degree, syn, cursors, offsets);
  }
}

template <Rule R, bool Exact, class M>
std::size_t iterate_layers(const MinSumView<M>& v) noexcept {
  constexpr std::size_t kUnroll = kMinSumChunkVectors;
  const std::size_t z = v.z, stride = v.stride;
  MinSumCursor* const cursors = v.cursors;
  std::size_t unsatisfied = 0;
  for (std::size_t r = 0; r < v.layers; ++r) {
    const std::size_t b0 = v.layer_ptr[r], degree = v.layer_ptr[r + 1] - b0;
    for (std::size_t k = 0; k < degree; ++k) {
      cursors[k] = {v.posterior + v.block_col[b0 + k] * stride, v.block_shift[b0 + k]};
    }
    const Posterior* syn = v.syndrome + r * stride;
    M* const layer_messages = v.messages + b0 * stride;
    const Posterior* const offsets = R == Rule::kPerBlockOffset ? v.block_offset + b0 : nullptr;
    std::size_t i0 = 0;
    for (; i0 + kUnroll * kW <= z; i0 += kUnroll * kW) {
      unsatisfied += update_chunk_by_rule<R, kUnroll, Exact>(v, degree, i0, kUnroll * kW, syn,
                                                             layer_messages, cursors, offsets);
    }
    for (; i0 < z; i0 += kW) {
      unsatisfied += update_chunk_by_rule<R, 1, Exact>(v, degree, i0, z - i0 < kW ? z - i0 : kW,
                                                       syn, layer_messages, cursors, offsets);
    }
  }
  return unsatisfied;
}

template <Rule R, class M>
std::size_t iterate_rule(const MinSumView<M>& v) noexcept {
  return v.exact ? iterate_layers<R, true>(v) : iterate_layers<R, false>(v);
}

template <class M>
std::size_t iterate(const MinSumView<M>& v) noexcept {
  if (v.rule == MinSumVariant::kBoxPlus) {
    return v.narrow_chain ? iterate_rule<Rule::kBoxPlusNarrow>(v) : iterate_rule<Rule::kBoxPlus>(v);
  }
  return v.block_offset ? iterate_rule<Rule::kPerBlockOffset>(v) : iterate_rule<Rule::kMinSum>(v);
}

template <class M>
bool satisfied(const MinSumView<M>& v) noexcept {
  const B zero(0);
  const std::size_t z = v.z;
  Posterior* tmp = v.scratch;
  for (std::size_t r = 0; r < v.layers; ++r) {
    const std::size_t b0 = v.layer_ptr[r], b1 = v.layer_ptr[r + 1];
    for (std::size_t i0 = 0; i0 < z; i0 += kW) {
      const std::size_t valid = z - i0 < kW ? z - i0 : kW;
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

#undef QKDPP_MM

}  // namespace

const MinSumKernels kMinSum = {
    {&iterate<std::int8_t>, &satisfied<std::int8_t>},
    {&iterate<std::int16_t>, &satisfied<std::int16_t>},
};

#endif

}  // namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL
