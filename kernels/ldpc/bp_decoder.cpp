// Sum-product decoding in the tanh domain with forward/backward products (no divisions).
#include "kernels/ldpc/bp_decoder.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qkdpp::kernels {

namespace {
constexpr float kMaxLlr = 30.0f;          // messages are clamped to +-30 (tanh(15) = 1 - 1.9e-13)
constexpr float kTanhClamp = 0.9999999f;  // keeps atanh finite
}  // namespace

float bsc_llr(bool received_bit, double qber) noexcept {
  const double magnitude = std::min<double>(kMaxLlr, std::log((1.0 - qber) / qber));
  return static_cast<float>(received_bit ? -magnitude : magnitude);
}

BeliefPropagationDecoder::BeliefPropagationDecoder(std::span<const std::uint32_t> row_ptr,
                                                   std::span<const std::uint32_t> col_idx,
                                                   std::size_t cols)
    : row_ptr_(row_ptr.begin(), row_ptr.end()), col_idx_(col_idx.begin(), col_idx.end()) {
  if (row_ptr_.empty() || row_ptr_.back() != col_idx_.size()) {
    throw std::invalid_argument("BeliefPropagationDecoder: inconsistent row pointers");
  }
  col_ptr_.assign(cols + 1, 0);
  for (std::uint32_t c : col_idx_) {
    if (c >= cols)
      throw std::invalid_argument("BeliefPropagationDecoder: column index out of range");
    ++col_ptr_[c + 1];
  }
  for (std::size_t c = 0; c < cols; ++c) col_ptr_[c + 1] += col_ptr_[c];
  col_edges_.resize(col_idx_.size());
  std::vector<std::uint32_t> fill(col_ptr_.begin(), col_ptr_.end() - 1);
  for (std::uint32_t e = 0; e < col_idx_.size(); ++e) col_edges_[fill[col_idx_[e]]++] = e;
  v2c_.resize(col_idx_.size());
  c2v_.resize(col_idx_.size());
  total_.resize(cols);
  std::size_t max_row = 0;
  for (std::size_t r = 0; r + 1 < row_ptr_.size(); ++r)
    max_row = std::max<std::size_t>(max_row, row_ptr_[r + 1] - row_ptr_[r]);
  scratch_.resize(2 * max_row);
}

DecodeResult BeliefPropagationDecoder::decode(std::span<const float> channel_llr,
                                              const BitVector& syndrome, BitVector& word,
                                              IterationLimit limit) {
  const std::size_t m = rows(), n = cols();
  if (channel_llr.size() != n || syndrome.size() != m) {
    throw std::invalid_argument(
        "BeliefPropagationDecoder::decode: LLR or syndrome length mismatch");
  }
  if (word.size() != n) word = BitVector(n);
  for (std::size_t e = 0; e < col_idx_.size(); ++e) v2c_[e] = channel_llr[col_idx_[e]];
  DecodeResult result;
  StallWatch watch(limit.stall);
  for (std::size_t it = 1; it <= limit.max; ++it) {
    // Check nodes: c2v_e = 2 atanh(prod_{e' != e} tanh(v2c_e' / 2)), negated where s_r = 1.
    for (std::size_t r = 0; r < m; ++r) {
      const std::uint32_t begin = row_ptr_[r], end = row_ptr_[r + 1];
      const std::size_t deg = end - begin;
      float* t = scratch_.data();
      float* prefix = t + deg;
      for (std::size_t k = 0; k < deg; ++k) t[k] = std::tanh(0.5f * v2c_[begin + k]);
      float acc = 1.0f;
      for (std::size_t k = 0; k < deg; ++k) {
        prefix[k] = acc;
        acc *= t[k];
      }
      const float sign = syndrome.get(r) ? -1.0f : 1.0f;
      float suffix = 1.0f;
      for (std::size_t k = deg; k-- > 0;) {
        const float p = std::clamp(prefix[k] * suffix, -kTanhClamp, kTanhClamp);
        c2v_[begin + k] = sign * 2.0f * std::atanh(p);
        suffix *= t[k];
      }
    }
    // Variable nodes: totals, hard decisions, extrinsic messages.
    for (std::size_t c = 0; c < n; ++c) {
      float total = channel_llr[c];
      for (std::uint32_t k = col_ptr_[c]; k < col_ptr_[c + 1]; ++k) total += c2v_[col_edges_[k]];
      total_[c] = total;
      word.set(c, total < 0.0f);
      for (std::uint32_t k = col_ptr_[c]; k < col_ptr_[c + 1]; ++k) {
        const std::uint32_t e = col_edges_[k];
        v2c_[e] = std::clamp(total - c2v_[e], -kMaxLlr, kMaxLlr);
      }
    }
    // Early stop when H word = s (all rows counted only for the stall limit).
    std::size_t unsatisfied = 0;
    for (std::size_t r = 0; r < m && (unsatisfied == 0 || limit.stall != 0); ++r) {
      bool parity = false;
      for (std::uint32_t e = row_ptr_[r]; e < row_ptr_[r + 1]; ++e) parity ^= word.get(col_idx_[e]);
      unsatisfied += parity != syndrome.get(r) ? 1 : 0;
    }
    result.iterations = it;
    if (unsatisfied == 0) {
      result.converged = true;
      break;
    }
    if (watch.stalled(it, unsatisfied)) {
      result.stalled = it < limit.max;
      break;
    }
  }
  return result;
}

}  // namespace qkdpp::kernels
