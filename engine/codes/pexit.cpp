// Protograph EXIT threshold on the BSC (Gaussian approximation).
#include "engine/codes/pexit.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/core/entropy.hpp"

namespace qkdpp::engine {

namespace {
// Brannstrom, Rasmussen, Grant, IEEE Trans. Inf. Theory 51(7), 2005, eq. (9) fit of J.
constexpr double kH1 = 0.3073, kH2 = 0.8935, kH3 = 1.1064;
}  // namespace

double exit_j(double sigma) noexcept {
  if (sigma <= 0) return 0.0;
  return std::pow(1.0 - std::pow(2.0, -kH1 * std::pow(sigma, 2 * kH2)), kH3);
}

double exit_j_inverse(double info) noexcept {
  info = std::clamp(info, 0.0, 1.0 - 1e-15);
  if (info <= 0) return 0.0;
  return std::pow(-std::log2(1.0 - std::pow(info, 1.0 / kH3)) / kH1, 1.0 / (2 * kH2));
}

bool pexit_converges(const QuasiCyclicCode& code, double qber, std::size_t max_iterations) {
  const std::size_t mb = code.base_rows, nb = code.base_cols;
  const double sigma_ch = exit_j_inverse(1.0 - binary_entropy(qber));
  const double s2_ch = sigma_ch * sigma_ch;
  // Edges of the protograph, by row and by column.
  std::vector<std::vector<std::size_t>> row_edges(mb), col_edges(nb);
  std::vector<std::size_t> edge_row, edge_col;
  for (std::size_t r = 0; r < mb; ++r) {
    for (std::size_t c = 0; c < nb; ++c) {
      if (code.shift(r, c) < 0) continue;
      row_edges[r].push_back(edge_row.size());
      col_edges[c].push_back(edge_row.size());
      edge_row.push_back(r);
      edge_col.push_back(c);
    }
  }
  const std::size_t edges = edge_row.size();
  std::vector<double> check_to_var(edges, 0.0),
      var_to_check(edges, 0.0);  // as sigma^2 / information
  std::vector<double> s2(edges);
  for (std::size_t it = 0; it < max_iterations; ++it) {
    // Variable nodes: sigma^2 adds over the other incoming check messages and the channel.
    for (std::size_t c = 0; c < nb; ++c) {
      double total = s2_ch;
      for (std::size_t e : col_edges[c]) {
        const double s = exit_j_inverse(check_to_var[e]);
        s2[e] = s * s;
        total += s2[e];
      }
      for (std::size_t e : col_edges[c])
        var_to_check[e] = exit_j(std::sqrt(std::max(0.0, total - s2[e])));
    }
    // Check nodes: the same on 1 - I (duality approximation).
    for (std::size_t r = 0; r < mb; ++r) {
      double total = 0;
      for (std::size_t e : row_edges[r]) {
        const double s = exit_j_inverse(1.0 - var_to_check[e]);
        s2[e] = s * s;
        total += s2[e];
      }
      for (std::size_t e : row_edges[r])
        check_to_var[e] = 1.0 - exit_j(std::sqrt(std::max(0.0, total - s2[e])));
    }
    // A-posteriori information of every column.
    bool done = true;
    for (std::size_t c = 0; c < nb && done; ++c) {
      double total = s2_ch;
      for (std::size_t e : col_edges[c]) {
        const double s = exit_j_inverse(check_to_var[e]);
        total += s * s;
      }
      done = exit_j(std::sqrt(total)) > 1.0 - 1e-5;
    }
    if (done) return true;
  }
  return false;
}

double pexit_threshold(const QuasiCyclicCode& code, double tolerance, std::size_t max_iterations) {
  double lo = 1e-6, hi = 0.5;
  if (!pexit_converges(code, lo, max_iterations)) return 0.0;
  while (hi - lo > tolerance) {
    const double mid = 0.5 * (lo + hi);
    (pexit_converges(code, mid, max_iterations) ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace qkdpp::engine
