// BSC simulation by geometric skipping: the gap to the next error is drawn directly, so the cost
// is proportional to the number of errors, not of bits.
#include "engine/simulation/correlated_keys.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace qkdpp::engine {

namespace {
constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
}

CorrelatedKeySource::CorrelatedKeySource(std::uint64_t total_bits, QberProfile profile,
                                         std::uint64_t seed)
    : total_bits_(total_bits),
      profile_(std::move(profile)),
      key_rng_(seed, 0),
      error_rng_(seed, 1) {
  for (double f : profile_.breakpoints()) {
    breakpoints_.push_back(
        static_cast<std::uint64_t>(std::floor(f * static_cast<double>(total_bits_))));
  }
  if (total_bits_ > 0) enter_piece(0);
}

std::uint64_t CorrelatedKeySource::geometric_gap() noexcept {
  // Number of error-free bits before the next error: floor(log(U) / log(1 - q)), U in (0, 1].
  const double u = 1.0 - error_rng_.next_double();
  const double gap = std::floor(std::log(u) / piece_log1m_q_);
  return gap >= 1.8e19 ? kNever : static_cast<std::uint64_t>(gap);
}

void CorrelatedKeySource::enter_piece(std::uint64_t start) {
  const double n = static_cast<double>(total_bits_);
  std::uint64_t end = total_bits_;
  for (std::uint64_t b : breakpoints_) {
    if (b > start) {
      end = b;
      break;
    }
  }
  double q = profile_.qber_at(static_cast<double>(start) / n);
  if (profile_.ramping_at(static_cast<double>(start) / n)) {
    end = std::min(end, (start / kRampStepBits + 1) * kRampStepBits);
    q = profile_.qber_at((static_cast<double>(start) + static_cast<double>(end)) * 0.5 / n);
  }
  piece_end_ = end;
  if (q <= 0.0) {
    piece_log1m_q_ = 0.0;
    next_error_ = kNever;
    return;
  }
  piece_log1m_q_ = std::log1p(-q);
  const std::uint64_t gap = geometric_gap();
  next_error_ = gap >= kNever - start ? kNever : start + gap;
}

bool CorrelatedKeySource::next(std::uint64_t bits, kernels::BitVector& alice,
                               kernels::BitVector& bob) {
  if (position_ >= total_bits_) {
    alice.clear();
    bob.clear();
    return false;
  }
  const std::uint64_t n = std::min(bits, remaining());
  if (n % 64 != 0 && position_ + n != total_bits_) {
    throw std::invalid_argument("CorrelatedKeySource::next: chunks must be multiples of 64 bits");
  }
  alice = kernels::BitVector(n);
  key_rng_.fill(alice.words());
  alice.resize(n);
  bob = alice;

  const std::uint64_t chunk_end = position_ + n;
  std::uint64_t pos = position_;
  while (pos < chunk_end) {
    if (pos >= piece_end_) enter_piece(pos);
    const std::uint64_t stop = std::min(piece_end_, chunk_end);
    while (next_error_ < stop) {
      bob.flip(next_error_ - position_);
      ++errors_;
      const std::uint64_t gap = geometric_gap();
      next_error_ = gap >= kNever - next_error_ - 1 ? kNever : next_error_ + 1 + gap;
    }
    pos = stop;
  }
  position_ = chunk_end;
  return true;
}

}  // namespace qkdpp::engine
