// LDPC parity-check matrices: the sparse matrix with the row- and column-wise adjacency decoders
// need, and the quasi-cyclic form (base matrix of shift exponents + lifting size Z, SPEC section
// 4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kernels/bits/bit_vector.hpp"

namespace qkdpp::engine {

// Sizes above these are rejected as absurd before any allocation (a 2^26-bit code with degree
// ~10 columns is already far beyond QKD practice).
inline constexpr std::size_t kMaxCodeColumns = std::size_t{1} << 26;
inline constexpr std::size_t kMaxCodeEdges = std::size_t{1} << 29;

class ParityCheckMatrix {
 public:
  using Edge = std::pair<std::uint32_t, std::uint32_t>;  // (row, column), 0-based

  ParityCheckMatrix() = default;
  // Builds from entries; throws InputError (prefixed by `where`) on sizes out of range, entries out
  // of range or duplicated.
  static ParityCheckMatrix from_edges(std::size_t rows, std::size_t cols, std::vector<Edge> edges,
                                      const std::string& where = "parity-check matrix");

  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  std::size_t edges() const noexcept { return row_idx_.size(); }
  // Design rate 1 - M/N.
  double rate() const noexcept {
    return cols_ == 0 ? 0.0 : 1.0 - static_cast<double>(rows_) / static_cast<double>(cols_);
  }

  // Column indices of row r (ascending) and row indices of column c (ascending).
  std::span<const std::uint32_t> row(std::size_t r) const noexcept {
    return {row_idx_.data() + row_ptr_[r], row_ptr_[r + 1] - row_ptr_[r]};
  }
  std::span<const std::uint32_t> col(std::size_t c) const noexcept {
    return {col_idx_.data() + col_ptr_[c], col_ptr_[c + 1] - col_ptr_[c]};
  }
  std::size_t row_degree(std::size_t r) const noexcept { return row_ptr_[r + 1] - row_ptr_[r]; }
  std::size_t col_degree(std::size_t c) const noexcept { return col_ptr_[c + 1] - col_ptr_[c]; }
  std::size_t max_row_degree() const noexcept;
  std::size_t max_col_degree() const noexcept;
  // Number of columns (rows) of each degree.
  std::map<std::size_t, std::size_t> col_degree_histogram() const;
  std::map<std::size_t, std::size_t> row_degree_histogram() const;

  std::span<const std::uint32_t> row_ptr() const noexcept { return row_ptr_; }
  std::span<const std::uint32_t> row_indices() const noexcept { return row_idx_; }

  // s = H x (M bits) for x of N bits; std::invalid_argument on a length mismatch.
  kernels::BitVector syndrome(const kernels::BitVector& x) const;

  // Length of the shortest cycle in the Tanner graph (0 if acyclic), by breadth-first search from
  // each column; stops early once `limit` is reached (girth is even and at least 4).
  std::size_t girth(std::size_t limit = 64) const;
  // The same search from the given columns only (exact when every cycle meets the orbit of one of
  // them under an automorphism, as for quasi-cyclic codes).
  std::size_t girth_from(std::span<const std::uint32_t> sources, std::size_t limit = 64) const;

  friend bool operator==(const ParityCheckMatrix&, const ParityCheckMatrix&) = default;

 private:
  std::size_t rows_ = 0, cols_ = 0;
  std::vector<std::uint32_t> row_ptr_{0}, row_idx_, col_ptr_{0}, col_idx_;
};

// Quasi-cyclic code: base_rows x base_cols shift exponents (-1 = zero block), lifting size z.
struct QuasiCyclicCode {
  std::size_t z = 0;
  std::size_t base_rows = 0;
  std::size_t base_cols = 0;
  std::vector<std::int32_t> shifts;  // row-major

  // Throws InputError (prefixed by `where`) for inconsistent sizes or exponents outside [-1, z).
  void validate(const std::string& where = "quasi-cyclic code") const;
  std::int32_t shift(std::size_t r, std::size_t c) const noexcept {
    return shifts[r * base_cols + c];
  }
  std::size_t rows() const noexcept { return base_rows * z; }
  std::size_t cols() const noexcept { return base_cols * z; }
  // The expanded matrix: block (r, c) with exponent e has ones at (r z + i, c z + (i + e) mod z).
  ParityCheckMatrix expand() const;
  // s = H x with whole-block rotations when z is a multiple of 64 (generic path otherwise).
  kernels::BitVector syndrome(const kernels::BitVector& x) const;
  // Exact girth of the lifted Tanner graph (0 if acyclic), searching from one column per block
  // column (the cyclic shift within blocks is an automorphism).
  std::size_t girth() const;
  // The same on this code's expansion when the caller already has it (saves expanding twice).
  std::size_t girth(const ParityCheckMatrix& expanded) const;

  friend bool operator==(const QuasiCyclicCode&, const QuasiCyclicCode&) = default;
};

}  // namespace qkdpp::engine
