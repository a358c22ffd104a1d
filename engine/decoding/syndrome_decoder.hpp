// One interface over the two syndrome decoders: the reference floating-point belief propagation
// (kernels/ldpc/bp_decoder) and the fast layered fixed-point min-sum
// (kernels/ldpc/min_sum_decoder), which runs vectorised across Z when the code comes with its
// quasi-cyclic form.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/codes/parity_check_matrix.hpp"
#include "kernels/ldpc/bp_decoder.hpp"
#include "kernels/ldpc/min_sum_decoder.hpp"

namespace qkdpp::engine {

enum class DecoderKind { kBeliefPropagation, kMinSum };

struct DecoderConfig {
  DecoderKind kind = DecoderKind::kMinSum;
  kernels::MinSumConfig min_sum;
  std::optional<kernels::SimdLevel> level;  // default: kernels::active_simd_level()
  // Min-sum on codes whose mean check degree is at least kHighCheckDegree uses the scaled-offset
  // rule (factor 0.875, offset 3/8 LLR) instead of `min_sum.variant`: plain offset min-sum
  // overestimates high-degree checks most (docs/decoders.md, "Check rule"). The box-plus rule
  // needs no such help and is kept.
  bool adapt_to_check_degree = true;
};

inline constexpr double kHighCheckDegree = 24.0;

// The min-sum settings a decoder of a code with this mean check degree runs with.
kernels::MinSumConfig effective_min_sum_config(const DecoderConfig& config,
                                               double mean_check_degree);

// The check rule of the protocol's fast decoder: min-sum (offset, or scaled on high-degree
// checks) or box-plus (approximate sum-product: 1.1-1.4x the work per iteration, fewer
// iterations, the reference BP's efficiency; docs/decoders.md "Box-plus rule").
enum class CheckRule { kMinSum, kBoxPlus };
// The protocol's default: efficiency first (docs/protocol.md "Measured efficiency").
inline constexpr CheckRule kDefaultCheckRule = CheckRule::kBoxPlus;

// "min-sum" or "boxplus"; InputError otherwise.
CheckRule parse_check_rule(const std::string& name);
std::string to_string(CheckRule rule);

// The file of a code directory holding the thresholds measured for a rule (datasets/codes:
// thresholds.txt for min-sum, thresholds-boxplus.txt for box-plus).
std::string thresholds_file(CheckRule rule);

// Tuned settings for a precision (min-sum: offset 0.5 in LLR units; the 8-bit scale trades
// resolution against posterior saturation) and rule.
DecoderConfig default_decoder_config(kernels::MinSumPrecision precision,
                                     CheckRule rule = CheckRule::kMinSum);

// "bp" or "ms"; InputError otherwise.
DecoderKind parse_decoder_kind(const std::string& name);
std::string to_string(DecoderKind kind);

// The layered layout of a matrix: its quasi-cyclic form when given (Z-wide vectors), else Z = 1.
kernels::LayeredCode layered_code(const ParityCheckMatrix& h, const QuasiCyclicCode* qc);

// Channel LLR of a bit the decoder knows for certain (shortened, revealed), sign as for key bits.
inline constexpr float kKnownLlr = 30.0f;

class SyndromeDecoder {
 public:
  // `qc`, when not null, must expand to `h`; it is used by the min-sum decoder only.
  SyndromeDecoder(const ParityCheckMatrix& h, const QuasiCyclicCode* qc,
                  const DecoderConfig& config);
  // From the quasi-cyclic form alone (BP expands it; min-sum never needs the expansion).
  SyndromeDecoder(const QuasiCyclicCode& qc, const DecoderConfig& config);

  // Channel LLRs per column (punctured 0, shortened large with the known sign).
  kernels::DecodeResult decode(std::span<const float> channel_llr,
                               const kernels::BitVector& syndrome, kernels::BitVector& word,
                               kernels::IterationLimit limit);
  // BSC word received with crossover probability `qber`.
  kernels::DecodeResult decode_bsc(const kernels::BitVector& received, double qber,
                                   const kernels::BitVector& syndrome, kernels::BitVector& word,
                                   kernels::IterationLimit limit);

  // Goes on after the channel LLRs of `columns` changed (full LLR vector given): the min-sum
  // decoder keeps its check messages (MinSumDecoder::resume), BP decodes afresh.
  kernels::DecodeResult resume(std::span<const std::uint32_t> columns,
                               std::span<const float> channel_llr,
                               const kernels::BitVector& syndrome, kernels::BitVector& word,
                               kernels::IterationLimit limit);

  DecoderKind kind() const noexcept { return kind_; }
  // Level the decoder runs at (always scalar for bp).
  kernels::SimdLevel level() const noexcept;
  // The same, without building a decoder.
  static kernels::SimdLevel level_for(const DecoderConfig& config,
                                      const QuasiCyclicCode* qc) noexcept;
  std::size_t cols() const noexcept { return cols_; }
  std::size_t rows() const noexcept { return rows_; }

 private:
  // The min-sum decoder for these layers, with the check rule for their mean check degree.
  void emplace_min_sum(kernels::LayeredCode layers, const DecoderConfig& config);
  DecoderKind kind_;
  std::size_t rows_, cols_;
  std::optional<kernels::BeliefPropagationDecoder> bp_;
  std::optional<kernels::MinSumDecoder> min_sum_;
  std::vector<float> llr_;
};

}  // namespace qkdpp::engine
