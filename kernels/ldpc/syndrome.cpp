// Syndrome kernels: per-row parity gathers for any matrix, block rotations for quasi-cyclic ones.
#include "kernels/ldpc/syndrome.hpp"

#include <algorithm>

namespace qkdpp::kernels {

void syndrome_csr(std::span<const std::uint32_t> row_ptr, std::span<const std::uint32_t> col_idx,
                  std::span<const Word> x, std::span<Word> s) noexcept {
  const std::size_t rows = row_ptr.empty() ? 0 : row_ptr.size() - 1;
  std::fill(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(words_for_bits(rows)), Word{0});
  for (std::size_t r = 0; r < rows; ++r) {
    Word parity = 0;
    for (std::uint32_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) {
      const std::uint32_t c = col_idx[k];
      parity ^= x[c / 64] >> (c % 64);
    }
    s[r / 64] |= (parity & 1u) << (r % 64);
  }
}

void rotate_block(const Word* in, std::size_t z, std::size_t e, Word* out) noexcept {
  const std::size_t zw = z / 64;
  const std::size_t word_shift = e / 64, bit_shift = e % 64;
  for (std::size_t w = 0; w < zw; ++w) {
    const Word lo = in[(w + word_shift) % zw];
    if (bit_shift == 0) {
      out[w] = lo;
    } else {
      const Word hi = in[(w + word_shift + 1) % zw];
      out[w] = (lo >> bit_shift) | (hi << (64 - bit_shift));
    }
  }
}

void syndrome_qc(std::span<const std::int32_t> shifts, std::size_t base_rows, std::size_t base_cols,
                 std::size_t z, std::span<const Word> x, std::span<Word> s) noexcept {
  const std::size_t zw = z / 64;
  std::fill(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(base_rows * zw), Word{0});
  for (std::size_t r = 0; r < base_rows; ++r) {
    Word* sr = s.data() + r * zw;
    for (std::size_t c = 0; c < base_cols; ++c) {
      const std::int32_t e = shifts[r * base_cols + c];
      if (e < 0) continue;
      const Word* xc = x.data() + c * zw;
      const std::size_t ws = static_cast<std::size_t>(e) / 64,
                        bs = static_cast<std::size_t>(e) % 64;
      // Output word w reads input words (w + ws) and (w + ws + 1), modulo zw: split the range at
      // the wrap-around so the inner loops are straight (and vectorise).
      const std::size_t straight = zw - ws - 1;  // w < straight: both reads in range
      if (bs == 0) {
        for (std::size_t w = 0; w < zw - ws; ++w) sr[w] ^= xc[w + ws];
        for (std::size_t w = zw - ws; w < zw; ++w) sr[w] ^= xc[w + ws - zw];
        continue;
      }
      for (std::size_t w = 0; w < straight; ++w)
        sr[w] ^= (xc[w + ws] >> bs) | (xc[w + ws + 1] << (64 - bs));
      for (std::size_t w = straight; w < zw; ++w) {
        const std::size_t a = (w + ws) % zw, b = (w + ws + 1) % zw;
        sr[w] ^= (xc[a] >> bs) | (xc[b] << (64 - bs));
      }
    }
  }
}

}  // namespace qkdpp::kernels
