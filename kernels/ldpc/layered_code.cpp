// Construction and validation of layered (quasi-cyclic) decoder layouts.
#include "kernels/ldpc/layered_code.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace qkdpp::kernels {

std::size_t LayeredCode::max_layer_degree() const noexcept {
  std::size_t best = 0;
  for (std::size_t r = 0; r < layers; ++r) {
    best = std::max<std::size_t>(best, layer_ptr[r + 1] - layer_ptr[r]);
  }
  return best;
}

void LayeredCode::validate() const {
  const auto fail = [](const std::string& what) {
    throw std::invalid_argument("LayeredCode: " + what);
  };
  if (z == 0) fail("lifting size 0");
  if (layer_ptr.size() != layers + 1 || layer_ptr.front() != 0) fail("bad layer pointers");
  if (block_col.size() != block_shift.size() || layer_ptr.back() != block_col.size()) {
    fail("block lists disagree with layer pointers");
  }
  std::vector<std::size_t> seen(block_cols, static_cast<std::size_t>(-1));
  for (std::size_t r = 0; r < layers; ++r) {
    if (layer_ptr[r + 1] < layer_ptr[r]) fail("decreasing layer pointers");
    for (std::size_t b = layer_ptr[r]; b < layer_ptr[r + 1]; ++b) {
      if (block_col[b] >= block_cols)
        fail("block column out of range in layer " + std::to_string(r));
      if (block_shift[b] >= z) fail("shift out of range in layer " + std::to_string(r));
      if (seen[block_col[b]] == r) fail("layer " + std::to_string(r) + " repeats a block column");
      seen[block_col[b]] = r;
    }
  }
}

LayeredCode LayeredCode::from_csr(std::span<const std::uint32_t> row_ptr,
                                  std::span<const std::uint32_t> col_idx, std::size_t cols) {
  if (row_ptr.empty()) throw std::invalid_argument("LayeredCode::from_csr: empty row pointers");
  LayeredCode code;
  code.z = 1;
  code.layers = row_ptr.size() - 1;
  code.block_cols = cols;
  code.layer_ptr.assign(row_ptr.begin(), row_ptr.end());
  code.block_col.assign(col_idx.begin(), col_idx.end());
  code.block_shift.assign(col_idx.size(), 0);
  code.validate();
  return code;
}

LayeredCode LayeredCode::from_base_matrix(std::span<const std::int32_t> shifts,
                                          std::size_t base_rows, std::size_t base_cols,
                                          std::size_t z) {
  if (shifts.size() != base_rows * base_cols) {
    throw std::invalid_argument("LayeredCode::from_base_matrix: size mismatch");
  }
  LayeredCode code;
  code.z = z;
  code.layers = base_rows;
  code.block_cols = base_cols;
  for (std::size_t r = 0; r < base_rows; ++r) {
    for (std::size_t c = 0; c < base_cols; ++c) {
      const std::int32_t e = shifts[r * base_cols + c];
      if (e < 0) continue;
      code.block_col.push_back(static_cast<std::uint32_t>(c));
      code.block_shift.push_back(static_cast<std::uint32_t>(e));
    }
    code.layer_ptr.push_back(static_cast<std::uint32_t>(code.block_col.size()));
  }
  code.validate();
  return code;
}

}  // namespace qkdpp::kernels
