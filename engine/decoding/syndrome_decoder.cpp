// Dispatch between the reference and the fast syndrome decoder.
#include "engine/decoding/syndrome_decoder.hpp"

#include <cmath>

#include "engine/core/error.hpp"

namespace qkdpp::engine {

CheckRule parse_check_rule(const std::string& name) {
  if (name == "min-sum") return CheckRule::kMinSum;
  if (name == "boxplus") return CheckRule::kBoxPlus;
  throw InputError("check rule '" + name + "' is unknown (min-sum or boxplus)");
}

std::string to_string(CheckRule rule) {
  return rule == CheckRule::kBoxPlus ? "boxplus" : "min-sum";
}

std::string thresholds_file(CheckRule rule) {
  return rule == CheckRule::kBoxPlus ? "thresholds-boxplus.txt" : "thresholds.txt";
}

DecoderConfig default_decoder_config(kernels::MinSumPrecision precision, CheckRule rule) {
  DecoderConfig config;
  config.min_sum.precision = precision;
  config.min_sum.variant = rule == CheckRule::kBoxPlus ? kernels::MinSumVariant::kBoxPlus
                                                       : kernels::MinSumVariant::kOffset;
  // 8-bit messages clip at 127 units: at 8 units per LLR that is 16 (never binding in practice).
  if (precision == kernels::MinSumPrecision::kInt8) {
    config.min_sum.llr_scale = 8.0f;
    config.min_sum.offset = 4;
  } else {
    config.min_sum.llr_scale = 64.0f;
    config.min_sum.offset = 32;
    config.min_sum.message_limit = 1023;  // 16 in LLR units, as for 8 bits; keeps exact mode
  }
  return config;
}

kernels::MinSumConfig effective_min_sum_config(const DecoderConfig& config,
                                               double mean_check_degree) {
  kernels::MinSumConfig c = config.min_sum;
  if (config.adapt_to_check_degree && c.variant != kernels::MinSumVariant::kBoxPlus &&
      mean_check_degree >= kHighCheckDegree) {
    c.variant = kernels::MinSumVariant::kScaledOffset;
    c.scale_factor = 0.875f;
    c.offset = static_cast<int>(std::lround(0.375f * c.llr_scale));
  }
  return c;
}

DecoderKind parse_decoder_kind(const std::string& name) {
  if (name == "bp") return DecoderKind::kBeliefPropagation;
  if (name == "ms") return DecoderKind::kMinSum;
  throw InputError("decoder '" + name + "' is unknown (bp or ms)");
}

std::string to_string(DecoderKind kind) {
  return kind == DecoderKind::kBeliefPropagation ? "bp" : "ms";
}

kernels::LayeredCode layered_code(const ParityCheckMatrix& h, const QuasiCyclicCode* qc) {
  if (qc != nullptr) {
    return kernels::LayeredCode::from_base_matrix(qc->shifts, qc->base_rows, qc->base_cols, qc->z);
  }
  return kernels::LayeredCode::from_csr(h.row_ptr(), h.row_indices(), h.cols());
}

SyndromeDecoder::SyndromeDecoder(const ParityCheckMatrix& h, const QuasiCyclicCode* qc,
                                 const DecoderConfig& config)
    : kind_(config.kind), rows_(h.rows()), cols_(h.cols()) {
  if (qc != nullptr && (qc->rows() != h.rows() || qc->cols() != h.cols())) {
    throw InputError("quasi-cyclic form does not match the parity-check matrix");
  }
  if (kind_ == DecoderKind::kBeliefPropagation) {
    bp_.emplace(h.row_ptr(), h.row_indices(), h.cols());
    llr_.resize(h.cols());
  } else {
    emplace_min_sum(layered_code(h, qc), config);
  }
}

SyndromeDecoder::SyndromeDecoder(const QuasiCyclicCode& qc, const DecoderConfig& config)
    : kind_(config.kind), rows_(qc.rows()), cols_(qc.cols()) {
  if (kind_ == DecoderKind::kBeliefPropagation) {
    const ParityCheckMatrix h = qc.expand();
    bp_.emplace(h.row_ptr(), h.row_indices(), h.cols());
    llr_.resize(h.cols());
  } else {
    emplace_min_sum(
        kernels::LayeredCode::from_base_matrix(qc.shifts, qc.base_rows, qc.base_cols, qc.z),
        config);
  }
}

void SyndromeDecoder::emplace_min_sum(kernels::LayeredCode layers, const DecoderConfig& config) {
  // Blocks per layer: the mean check degree, for quasi-cyclic layers and Z = 1 rows alike.
  const double degree =
      layers.layers ? static_cast<double>(layers.blocks()) / static_cast<double>(layers.layers)
                    : 0.0;
  min_sum_.emplace(std::move(layers), effective_min_sum_config(config, degree),
                   config.level.value_or(kernels::active_simd_level()));
}

kernels::SimdLevel SyndromeDecoder::level_for(const DecoderConfig& config,
                                              const QuasiCyclicCode* qc) noexcept {
  if (config.kind == DecoderKind::kBeliefPropagation) return kernels::SimdLevel::kScalar;
  return kernels::MinSumDecoder::effective_level(
      qc ? qc->z : 1, config.level.value_or(kernels::active_simd_level()));
}

kernels::SimdLevel SyndromeDecoder::level() const noexcept {
  return min_sum_ ? min_sum_->level() : kernels::SimdLevel::kScalar;
}

kernels::DecodeResult SyndromeDecoder::decode(std::span<const float> channel_llr,
                                              const kernels::BitVector& syndrome,
                                              kernels::BitVector& word,
                                              kernels::IterationLimit limit) {
  if (bp_) return bp_->decode(channel_llr, syndrome, word, limit);
  return min_sum_->decode(channel_llr, syndrome, word, limit);
}

kernels::DecodeResult SyndromeDecoder::resume(std::span<const std::uint32_t> columns,
                                              std::span<const float> channel_llr,
                                              const kernels::BitVector& syndrome,
                                              kernels::BitVector& word,
                                              kernels::IterationLimit limit) {
  if (bp_) return bp_->decode(channel_llr, syndrome, word, limit);
  return min_sum_->resume(columns, channel_llr, word, limit);
}

kernels::DecodeResult SyndromeDecoder::decode_bsc(const kernels::BitVector& received, double qber,
                                                  const kernels::BitVector& syndrome,
                                                  kernels::BitVector& word,
                                                  kernels::IterationLimit limit) {
  const float magnitude = kernels::bsc_llr(false, qber);
  if (min_sum_) {
    return min_sum_->decode_bsc(received, magnitude, syndrome, word, limit);
  }
  if (received.size() != cols_) {
    throw std::invalid_argument("SyndromeDecoder::decode_bsc: word length mismatch");
  }
  for (std::size_t i = 0; i < cols_; ++i) llr_[i] = received.get(i) ? -magnitude : magnitude;
  return bp_->decode(llr_, syndrome, word, limit);
}

}  // namespace qkdpp::engine
