// The layout layered LDPC decoders walk: a quasi-cyclic parity-check matrix as layers (block rows)
// of Z x Z circulant blocks, each a (block column, shift) pair. Block (r, c) with shift e connects
// check r Z + i to bit c Z + (i + e) mod Z (SPEC section 4). Any sparse matrix is the case Z = 1:
// one layer per check row, one block per nonzero entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace qkdpp::kernels {

struct LayeredCode {
  std::size_t z = 1;
  std::size_t layers = 0;                   // block rows
  std::size_t block_cols = 0;               // block columns
  std::vector<std::uint32_t> layer_ptr{0};  // blocks of layer r: [layer_ptr[r], layer_ptr[r+1])
  std::vector<std::uint32_t> block_col;     // block column of each block
  std::vector<std::uint32_t> block_shift;   // circulant shift of each block, < z

  std::size_t rows() const noexcept { return layers * z; }
  std::size_t cols() const noexcept { return block_cols * z; }
  std::size_t blocks() const noexcept { return block_col.size(); }
  std::size_t max_layer_degree() const noexcept;

  // Throws std::invalid_argument when pointers, columns or shifts are inconsistent, or a layer
  // names the same block column twice (its Z checks would not be independent).
  void validate() const;

  // Z = 1 layout of a sparse matrix given by rows (CSR).
  static LayeredCode from_csr(std::span<const std::uint32_t> row_ptr,
                              std::span<const std::uint32_t> col_idx, std::size_t cols);
  // Quasi-cyclic layout from a row-major base matrix of shift exponents (-1 = zero block).
  static LayeredCode from_base_matrix(std::span<const std::int32_t> shifts, std::size_t base_rows,
                                      std::size_t base_cols, std::size_t z);
};

}  // namespace qkdpp::kernels
