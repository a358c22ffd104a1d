// Syndrome s = H x over GF(2) with x and s packed as in SPEC section 1: a generic kernel over the
// row-wise adjacency and a quasi-cyclic kernel that rotates whole Z-bit blocks with word
// operations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernels/bits/bit_ops.hpp"

namespace qkdpp::kernels {

// Rows r < row_ptr.size() - 1 with column indices col_idx[row_ptr[r] .. row_ptr[r+1]).
// `s` must hold words for that many bits; its padding bits are zeroed.
void syndrome_csr(std::span<const std::uint32_t> row_ptr, std::span<const std::uint32_t> col_idx,
                  std::span<const Word> x, std::span<Word> s) noexcept;

// Quasi-cyclic H: base matrix `shifts` (base_rows x base_cols, row-major, -1 = zero block) lifted
// by z, a multiple of 64; block (r, c) with shift e maps bit i of block row r to bit (i + e) mod z
// of block column c (SPEC section 4). x has base_cols * z bits, s base_rows * z bits.
void syndrome_qc(std::span<const std::int32_t> shifts, std::size_t base_rows, std::size_t base_cols,
                 std::size_t z, std::span<const Word> x, std::span<Word> s) noexcept;

// z-bit cyclic rotation for z a multiple of 64: out[i] = in[(i + e) mod z].
void rotate_block(const Word* in, std::size_t z, std::size_t e, Word* out) noexcept;

}  // namespace qkdpp::kernels
