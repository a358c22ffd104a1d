// Sparse parity-check matrices: construction with validation, syndromes, girth; quasi-cyclic
// expansion.
#include "engine/codes/parity_check_matrix.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "engine/core/error.hpp"
#include "kernels/ldpc/syndrome.hpp"

namespace qkdpp::engine {

ParityCheckMatrix ParityCheckMatrix::from_edges(std::size_t rows, std::size_t cols,
                                                std::vector<Edge> edges, const std::string& where) {
  if (cols == 0 || rows == 0)
    throw InputError(where + ": the matrix must have at least one row and one column");
  if (cols > kMaxCodeColumns || rows > kMaxCodeColumns) {
    throw InputError(where + ": " + std::to_string(rows) + " x " + std::to_string(cols) +
                     " exceeds the supported size (2^26 rows or columns)");
  }
  if (edges.size() > kMaxCodeEdges) throw InputError(where + ": more than 2^29 nonzero entries");
  for (const auto& [r, c] : edges) {
    if (r >= rows || c >= cols) {
      throw InputError(where + ": entry (row " + std::to_string(r) + ", column " +
                       std::to_string(c) + ") is outside the " + std::to_string(rows) + " x " +
                       std::to_string(cols) + " matrix");
    }
  }
  // Sort by (row, column) in linear time: a stable counting sort by column, then by row (skipped
  // when the edges come sorted, as from QuasiCyclicCode::expand).
  if (!std::is_sorted(edges.begin(), edges.end())) {
    std::vector<Edge> by_col(edges.size());
    std::vector<std::size_t> start(std::max(rows, cols) + 1, 0);
    for (const auto& e : edges) ++start[e.second + 1];
    std::partial_sum(start.begin(), start.begin() + static_cast<std::ptrdiff_t>(cols) + 1,
                     start.begin());
    for (const auto& e : edges) by_col[start[e.second]++] = e;
    std::fill(start.begin(), start.end(), 0);
    for (const auto& e : by_col) ++start[e.first + 1];
    std::partial_sum(start.begin(), start.begin() + static_cast<std::ptrdiff_t>(rows) + 1,
                     start.begin());
    for (const auto& e : by_col) edges[start[e.first]++] = e;
  }
  if (const auto dup = std::adjacent_find(edges.begin(), edges.end()); dup != edges.end()) {
    throw InputError(where + ": duplicate entry (row " + std::to_string(dup->first) + ", column " +
                     std::to_string(dup->second) + ")");
  }
  ParityCheckMatrix h;
  h.rows_ = rows;
  h.cols_ = cols;
  h.row_ptr_.assign(rows + 1, 0);
  h.col_ptr_.assign(cols + 1, 0);
  h.row_idx_.resize(edges.size());
  h.col_idx_.resize(edges.size());
  for (const auto& [r, c] : edges) {
    ++h.row_ptr_[r + 1];
    ++h.col_ptr_[c + 1];
  }
  std::partial_sum(h.row_ptr_.begin(), h.row_ptr_.end(), h.row_ptr_.begin());
  std::partial_sum(h.col_ptr_.begin(), h.col_ptr_.end(), h.col_ptr_.begin());
  std::vector<std::uint32_t> fill(h.col_ptr_.begin(), h.col_ptr_.end() - 1);
  for (std::size_t k = 0; k < edges.size(); ++k) {
    h.row_idx_[k] = edges[k].second;  // edges are sorted by row, then column
    h.col_idx_[fill[edges[k].second]++] = edges[k].first;
  }
  return h;
}

std::size_t ParityCheckMatrix::max_row_degree() const noexcept {
  std::size_t m = 0;
  for (std::size_t r = 0; r < rows_; ++r) m = std::max(m, row_degree(r));
  return m;
}

std::size_t ParityCheckMatrix::max_col_degree() const noexcept {
  std::size_t m = 0;
  for (std::size_t c = 0; c < cols_; ++c) m = std::max(m, col_degree(c));
  return m;
}

std::map<std::size_t, std::size_t> ParityCheckMatrix::col_degree_histogram() const {
  std::map<std::size_t, std::size_t> h;
  for (std::size_t c = 0; c < cols_; ++c) ++h[col_degree(c)];
  return h;
}

std::map<std::size_t, std::size_t> ParityCheckMatrix::row_degree_histogram() const {
  std::map<std::size_t, std::size_t> h;
  for (std::size_t r = 0; r < rows_; ++r) ++h[row_degree(r)];
  return h;
}

kernels::BitVector ParityCheckMatrix::syndrome(const kernels::BitVector& x) const {
  if (x.size() != cols_) {
    throw std::invalid_argument("syndrome: word of " + std::to_string(x.size()) +
                                " bits for a code of length " + std::to_string(cols_));
  }
  kernels::BitVector s(rows_);
  kernels::syndrome_csr(row_ptr_, row_idx_, x.words(), s.words());
  return s;
}

std::size_t ParityCheckMatrix::girth_from(std::span<const std::uint32_t> sources,
                                          std::size_t limit) const {
  // Tanner graph nodes: columns 0..N-1, rows N..N+M-1. BFS from each source; a non-tree edge
  // between nodes at depths a and b closes a walk of length a + b + 1 that contains a cycle no
  // longer than that, and the minimum over sources on every cycle is the girth.
  const std::size_t nodes = cols_ + rows_;
  std::vector<std::int32_t> depth(nodes, -1);
  std::vector<std::uint32_t> parent(nodes, 0), queue;
  queue.reserve(nodes);
  std::size_t best = limit;
  for (std::uint32_t src : sources) {
    queue.clear();
    queue.push_back(src);
    depth[src] = 0;
    parent[src] = src;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const std::uint32_t u = queue[head];
      if (2 * static_cast<std::size_t>(depth[u]) + 2 >= best) break;  // nothing shorter left
      const auto neighbours = u < cols_ ? col(u) : row(u - cols_);
      for (std::uint32_t raw : neighbours) {
        const std::uint32_t w = u < cols_ ? static_cast<std::uint32_t>(raw + cols_) : raw;
        if (w == parent[u]) continue;
        if (depth[w] < 0) {
          depth[w] = depth[u] + 1;
          parent[w] = u;
          queue.push_back(w);
        } else {
          best = std::min(best, static_cast<std::size_t>(depth[u] + depth[w] + 1));
        }
      }
    }
    for (std::uint32_t v : queue) depth[v] = -1;
  }
  return best >= limit ? 0 : best;
}

std::size_t ParityCheckMatrix::girth(std::size_t limit) const {
  std::vector<std::uint32_t> all(cols_);
  std::iota(all.begin(), all.end(), 0u);
  return girth_from(all, limit);
}

void QuasiCyclicCode::validate(const std::string& where) const {
  if (z == 0 || base_rows == 0 || base_cols == 0) {
    throw InputError(where + ": base matrix and lifting size must be nonzero");
  }
  if (base_cols > kMaxCodeColumns / z || base_rows > kMaxCodeColumns / z) {
    throw InputError(where + ": " + std::to_string(base_rows) + " x " + std::to_string(base_cols) +
                     " blocks of " + std::to_string(z) +
                     " exceed the supported size (2^26 rows or columns)");
  }
  if (shifts.size() != base_rows * base_cols) {
    throw InputError(where + ": " + std::to_string(shifts.size()) + " exponents for a " +
                     std::to_string(base_rows) + " x " + std::to_string(base_cols) +
                     " base matrix");
  }
  for (std::size_t k = 0; k < shifts.size(); ++k) {
    if (shifts[k] < -1 ||
        shifts[k] >= static_cast<std::int32_t>(std::min<std::size_t>(z, 0x7fffffff))) {
      throw InputError(where + ": exponent " + std::to_string(shifts[k]) + " at base row " +
                       std::to_string(k / base_cols) + ", column " + std::to_string(k % base_cols) +
                       " is outside [-1, " + std::to_string(z) + ")");
    }
  }
}

ParityCheckMatrix QuasiCyclicCode::expand() const {
  validate();
  std::vector<ParityCheckMatrix::Edge> edges;
  const std::size_t nonzero = static_cast<std::size_t>(
      std::count_if(shifts.begin(), shifts.end(), [](auto e) { return e >= 0; }));
  edges.reserve(nonzero * z);
  // Row by row, columns ascending: already in the order from_edges sorts into. Each base row's
  // entries (column, shift) are gathered once, not looked up again for each of its z rows.
  std::vector<std::pair<std::size_t, std::size_t>> row_entries;
  for (std::size_t r = 0; r < base_rows; ++r) {
    row_entries.clear();
    for (std::size_t c = 0; c < base_cols; ++c) {
      if (const std::int32_t e = shift(r, c); e >= 0) {
        row_entries.emplace_back(c, static_cast<std::size_t>(e));
      }
    }
    for (std::size_t i = 0; i < z; ++i) {
      for (const auto& [c, e] : row_entries) {
        std::size_t j = i + e;  // e < z
        if (j >= z) j -= z;
        edges.emplace_back(static_cast<std::uint32_t>(r * z + i),
                           static_cast<std::uint32_t>(c * z + j));
      }
    }
  }
  return ParityCheckMatrix::from_edges(rows(), cols(), std::move(edges));
}

kernels::BitVector QuasiCyclicCode::syndrome(const kernels::BitVector& x) const {
  if (x.size() != cols()) {
    throw std::invalid_argument("syndrome: word of " + std::to_string(x.size()) +
                                " bits for a code of length " + std::to_string(cols()));
  }
  if (z % 64 != 0) return expand().syndrome(x);
  kernels::BitVector s(rows());
  kernels::syndrome_qc(shifts, base_rows, base_cols, z, x.words(), s.words());
  return s;
}

std::size_t QuasiCyclicCode::girth() const { return girth(expand()); }

std::size_t QuasiCyclicCode::girth(const ParityCheckMatrix& expanded) const {
  // The cyclic automorphism maps every column of a block column to its first one, so BFS from
  // those base_cols columns finds the exact girth.
  std::vector<std::uint32_t> sources(base_cols);
  for (std::size_t c = 0; c < base_cols; ++c) sources[c] = static_cast<std::uint32_t>(c * z);
  return expanded.girth_from(sources);
}

}  // namespace qkdpp::engine
