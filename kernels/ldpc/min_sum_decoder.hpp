// Fast syndrome decoder: layered (row-serial) normalised or offset min-sum, or the box-plus rule
// (approximate sum-product), in saturated fixed point (16-bit posteriors; 8- or 16-bit check
// messages), vectorised across the Z checks of a quasi-cyclic layer (intra-frame), with runtime
// dispatch (AVX2, SSE4.1, scalar). Every level computes the same integers: the scalar reference in
// min_sum_decoder.cpp defines the arithmetic, the SIMD instances are tested bit-exact against it.
//
// Per layer and check (lanes i of the layer), with posteriors L and stored check messages R:
//   t_k = sat(L_k - R_k);  min1, min2 = the two smallest |t_k|;  s = syndrome bit XOR signs of t_k
//   R_k = (s XOR sign t_k) ? -g(m_k) : g(m_k), m_k = (|t_k| == min1 ? min2 : min1)
//   (g also clips to the message limit)
//   L_k = sat(t_k + R_k)
// where sat clamps to [-S, S] (S = 32767; symmetric so |x| never overflows) and g is
// normalisation g(m) = m - (m >> shift) or offset g(m) = max(m - offset, 0).
//
// Box-plus rule (kBoxPlus): the same t_k, signs and posterior update, but the magnitude sent to
// edge k is the box-plus of the other magnitudes a_j = min(|t_j|, limit) << h, computed as
// prefix [+] suffix (F_k = a_0 [+] ... [+] a_{k-1}, B_k = a_k [+] ... [+] a_{d-1}) in 16-bit
// integers at 2^h times the message resolution (h = 1 at 8 units per LLR, 0 at 16 or more:
// rounding each of the chain's d pairwise steps to the message grid loses frames), then rounded
// back: m_k = min((F_k [+] B_{k+1} + 2^(h-1)) >> h, limit). A check of degree 1 sends the limit.
// With 8-bit messages every chain value then fits in a byte, and the vector loops run the chain
// on packed bytes (the same integers).
// Posteriors are 16-bit because 8-bit ones saturate on the bundled codes' degree-12..24 columns and
// cost far more than 0.02 in efficiency (docs/codes.md); messages, the bulk of the decoder's
// memory traffic, can be 8-bit at a scale where the clip at 127 never binds in practice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/bits/bit_vector.hpp"
#include "kernels/dispatch/simd_level.hpp"
#include "kernels/ldpc/bp_decoder.hpp"
#include "kernels/ldpc/layered_code.hpp"
#include "kernels/memory/aligned_allocator.hpp"

namespace qkdpp::kernels {

// Check-message width; posteriors are always 16-bit.
enum class MinSumPrecision { kInt8, kInt16 };
// kNormalized: g(m) = m - (m >> shift); kOffset: max(m - offset, 0); kScaledOffset:
// max(round(scale_factor m) - offset, 0) with the factor in Q15 (the decoder rounds it).
// kBoxPlus is not a min-sum rule but an approximate sum-product on the same layered schedule:
// each check message is the box-plus of the other inputs (forward-backward), with the pairwise
// box-plus |a [+] b| = min(a, b) + c(a + b) - c(|a - b|), c(u) = max(C - u / 4, 0), the linear
// approximation of log(1 + e^-u) (C = boxplus_correction); see "Box-plus rule" below.
enum class MinSumVariant { kNormalized, kOffset, kScaledOffset, kBoxPlus };

// Defaults: 16-bit offset min-sum with offset 0.5 (in LLR units), the best of the variants measured
// on the bundled family (docs/codes.md).
struct MinSumConfig {
  MinSumPrecision precision = MinSumPrecision::kInt16;
  MinSumVariant variant = MinSumVariant::kOffset;
  int normalization_shift = 3;  // g(m) = m - (m >> 3): factor 0.875
  int offset = 32;              // g(m) = max(m - 32, 0)
  float scale_factor = 0.75f;   // kScaledOffset only
  // kBoxPlus only: C of the correction c(u) = max(C - u / 4, 0), in LLR units. 0.625 makes it a
  // linear fit of log(1 + e^-u) on [0, 2.5]; a few percent either way costs frames
  // (docs/decoders.md).
  float boxplus_correction = 0.625f;
  // kOffset only: offsets by the receiving column's degree (entry d - 1 for degree d, the last
  // entry for every higher degree); empty: `offset` for all. The message to a degree-d column
  // is max(m - degree_offsets[d - 1], 0) (docs/decoders.md "Per-degree offsets").
  std::vector<int> degree_offsets;
  // Fixed-point units per unit of LLR: channel LLRs are rounded to llr * scale and saturated.
  float llr_scale = 64.0f;
  // Check messages are clipped to +-message_limit (0: the message type's range). 1023 = 16 LLR at
  // the default scale: never binding in practice, and small enough that posteriors cannot
  // saturate (exact mode, see MinSumDecoder).
  int message_limit = 1023;
};

class MinSumDecoder {
 public:
  MinSumDecoder(LayeredCode code, const MinSumConfig& config,
                SimdLevel level = active_simd_level());

  // Decodes into `word` (cols bits): float channel LLRs (punctured bits 0, shortened bits a large
  // value of their known sign), one syndrome bit per row. Allocates nothing per call.
  DecodeResult decode(std::span<const float> channel_llr, const BitVector& syndrome,
                      BitVector& word, IterationLimit limit);

  // The same for a BSC word: LLR +-magnitude by the received bit.
  DecodeResult decode_bsc(const BitVector& received, float llr_magnitude, const BitVector& syndrome,
                          BitVector& word, IterationLimit limit);

  // Continues the last decoding (same syndrome, check messages kept) after the channel LLRs of
  // `columns` changed to the values in `channel_llr` (one per column; others are ignored): how
  // Bob goes on after a blind round reveals punctured bits. std::logic_error without a previous
  // decode.
  DecodeResult resume(std::span<const std::uint32_t> columns, std::span<const float> channel_llr,
                      BitVector& word, IterationLimit limit);

  // The level a decoder for lifting size z runs at when `requested` is asked for: scalar below one
  // full vector of checks per layer.
  static SimdLevel effective_level(std::size_t z, SimdLevel requested) noexcept;

  // Fixed-point channel value of an LLR as the decoder loads it: llr * MinSumConfig::llr_scale
  // rounded in the current rounding mode, clipped to the channel bound.
  std::int16_t quantize(float llr) const noexcept;
  // The same for `count` LLRs (no NaNs), several at a time where the CPU allows: element-wise
  // equal to quantize(float).
  void quantize(const float* in, std::int16_t* out, std::size_t count) const noexcept;

  const LayeredCode& code() const noexcept { return code_; }
  const MinSumConfig& config() const noexcept { return config_; }
  SimdLevel level() const noexcept { return level_; }
  std::size_t rows() const noexcept { return code_.rows(); }
  std::size_t cols() const noexcept { return code_.cols(); }

 private:
  // A fresh decoding of `syndrome` from the loaded posteriors, or (null) a resumed one.
  template <class M>
  DecodeResult run(const BitVector* syndrome, BitVector& word, IterationLimit limit);
  // run<M> for the configured message width.
  DecodeResult run_configured(const BitVector* syndrome, BitVector& word, IterationLimit limit);
  std::int16_t* posteriors() noexcept;

  LayeredCode code_;
  MinSumConfig config_;
  SimdLevel level_;
  std::size_t stride_ = 0;  // z rounded up to the widest vector, per block
  std::size_t max_column_degree_ = 0;
  int message_limit_ = 0;                   // effective |R| bound for the configured message width
  int channel_bound_ = 0;                   // channel values are clamped to +-channel_bound_
  bool exact_ = false;                      // see detail::MinSumView::exact
  std::vector<std::int16_t> block_offset_;  // per block (MinSumConfig::degree_offsets), or empty
  int boxplus_shift_ = 0;                   // box-plus rule: extra resolution bits h
  int boxplus_correction_ = 0;              // box-plus rule: C in units of 2^-h of a message unit
  std::vector<std::uint8_t, AlignedAllocator<std::uint8_t>> posterior_, messages_, syndrome_,
      scratch_, cursors_, channel_;  // channel_: quantised channel values, laid out as posterior_
  bool has_state_ = false;
};

}  // namespace qkdpp::kernels
