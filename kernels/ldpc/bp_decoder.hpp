// Reference syndrome decoder: floating-point sum-product belief propagation (flooding schedule)
// for the binary symmetric channel. Bob holds y and Alice's syndrome s = H x; the decoder finds x'
// with H x' = s, starting from LLR_i = log P(x_i = 0 | y_i) / P(x_i = 1 | y_i), with each check's
// outgoing messages sign-flipped where s_r = 1. Early stop as soon as the hard decision's syndrome
// matches. It is the accuracy yardstick and the fallback for any matrix; punctured bits enter with
// LLR 0, shortened bits with a large LLR of their known value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/bits/bit_vector.hpp"

namespace qkdpp::kernels {

struct DecodeResult {
  bool converged = false;  // the decoded word's syndrome equals the target syndrome
  std::size_t iterations = 0;
  bool stalled = false;  // stopped by IterationLimit::stall before the maximum
};

// How long a decoding may run: at most `max` iterations and, when `stall` > 0, no more than
// `stall` iterations after the last one that made progress: brought the count of unsatisfied
// checks below 15/16 of its value at the previous progress. A frame that stops making progress
// rarely converges later, so a caller that can disclose more (a blind round) does better to stop
// early (docs/protocol.md "Stall limit").
struct IterationLimit {
  std::size_t max = 0;
  std::size_t stall = 0;
  constexpr IterationLimit(std::size_t max_iterations,  // NOLINT: a bare count is a limit
                           std::size_t stall_iterations = 0) noexcept
      : max(max_iterations), stall(stall_iterations) {}
};

// Follows a decoding's unsatisfied-check counts for IterationLimit::stall.
class StallWatch {
 public:
  explicit StallWatch(std::size_t stall) noexcept : stall_(stall) {}
  // After iteration `iteration` (counted from 1) left `unsatisfied` checks: whether the decoding
  // has stalled.
  bool stalled(std::size_t iteration, std::size_t unsatisfied) noexcept {
    if (iteration == 1 || unsatisfied < reference_ - reference_ / 16) {
      reference_ = unsatisfied;
      progress_ = iteration;
    }
    return stall_ != 0 && iteration - progress_ >= stall_;
  }

 private:
  std::size_t stall_, reference_ = 0, progress_ = 0;
};

class BeliefPropagationDecoder {
 public:
  // The matrix as rows (CSR): columns of row r are col_idx[row_ptr[r] .. row_ptr[r+1]).
  BeliefPropagationDecoder(std::span<const std::uint32_t> row_ptr,
                           std::span<const std::uint32_t> col_idx, std::size_t cols);

  // Decodes into `word` (cols bits). `channel_llr` has one LLR per column; `syndrome` has one bit
  // per row. Allocates nothing per call beyond the first.
  DecodeResult decode(std::span<const float> channel_llr, const BitVector& syndrome,
                      BitVector& word, IterationLimit limit);

  std::size_t rows() const noexcept { return row_ptr_.size() - 1; }
  std::size_t cols() const noexcept { return col_ptr_.size() - 1; }

 private:
  std::vector<std::uint32_t> row_ptr_,
      col_idx_;  // edge e belongs to row r for row_ptr_[r] <= e < row_ptr_[r+1]
  std::vector<std::uint32_t> col_ptr_, col_edges_;  // edges of each column
  std::vector<float> v2c_, c2v_, total_;
  std::vector<float> scratch_;  // tanh values and prefix products of the largest row
};

// Channel LLR of a BSC with crossover probability q for received bit y: (1 - 2y) log((1 - q) / q).
float bsc_llr(bool received_bit, double qber) noexcept;

}  // namespace qkdpp::kernels
