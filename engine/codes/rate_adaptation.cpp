// Rate adaptation: untainted puncturing, seeded shortening, row merging.
#include "engine/codes/rate_adaptation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "engine/core/error.hpp"
#include "kernels/random/xoshiro256.hpp"

namespace qkdpp::engine {

double RateAdaptation::effective_rate() const noexcept {
  const double p = static_cast<double>(punctured.size()), t = static_cast<double>(shortened.size());
  return (static_cast<double>(n) - static_cast<double>(m) - t) / (static_cast<double>(n) - p - t);
}

namespace {

// The greedy selection both forms share: columns in `order`, each taken (up to `count`) unless it
// has no check or one of its checks, `checks_of(c)`, already has a taken neighbour.
template <class ChecksOf>
std::vector<std::uint32_t> untainted_greedy(const std::vector<std::uint32_t>& order,
                                            std::size_t rows, std::size_t count,
                                            const ChecksOf& checks_of) {
  std::vector<bool> tainted(rows, false);
  std::vector<std::uint32_t> chosen;
  for (const std::uint32_t c : order) {
    if (chosen.size() == count) break;
    const auto& checks = checks_of(c);
    if (checks.empty()) continue;
    if (std::any_of(checks.begin(), checks.end(), [&](auto r) { return tainted[r]; })) continue;
    chosen.push_back(c);
    for (const auto r : checks) tainted[r] = true;
  }
  return chosen;
}

}  // namespace

std::vector<std::uint32_t> untainted_puncturing_order(const ParityCheckMatrix& h,
                                                      std::size_t count) {
  std::vector<std::uint32_t> order(h.cols());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return h.col_degree(a) < h.col_degree(b);
  });
  return untainted_greedy(order, h.rows(), count, [&](std::uint32_t c) { return h.col(c); });
}

std::vector<std::uint32_t> untainted_puncturing_order(const QuasiCyclicCode& qc,
                                                      std::size_t count) {
  const std::size_t z = qc.z;
  // Each block column's entries (base row, exponent); all its columns share that degree.
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> entries(qc.base_cols);
  for (std::size_t r = 0; r < qc.base_rows; ++r) {
    for (std::size_t b = 0; b < qc.base_cols; ++b) {
      if (qc.shift(r, b) >= 0) entries[b].emplace_back(r, static_cast<std::size_t>(qc.shift(r, b)));
    }
  }
  // Ascending degree, ascending column within a degree: the expanded version's stable order,
  // since a block column's columns are consecutive.
  std::vector<std::size_t> blocks(qc.base_cols);
  std::iota(blocks.begin(), blocks.end(), std::size_t{0});
  std::stable_sort(blocks.begin(), blocks.end(), [&](std::size_t a, std::size_t b) {
    return entries[a].size() < entries[b].size();
  });
  std::vector<std::uint32_t> order;
  order.reserve(qc.cols());
  for (const std::size_t b : blocks) {
    for (std::size_t j = 0; j < z; ++j) order.push_back(static_cast<std::uint32_t>(b * z + j));
  }
  // Column (b, j) meets row j - e (mod z) of base row r for each entry (r, e) of block column b.
  std::vector<std::size_t> checks;
  return untainted_greedy(order, qc.rows(), count,
                          [&](std::uint32_t c) -> const std::vector<std::size_t>& {
                            const std::size_t b = c / z, j = c % z;
                            checks.clear();
                            for (const auto& [r, e] : entries[b]) {
                              checks.push_back(r * z + (j + z - e) % z);
                            }
                            return checks;
                          });
}

std::vector<std::uint32_t> untainted_puncturing(const ParityCheckMatrix& h, std::size_t count) {
  std::vector<std::uint32_t> chosen = untainted_puncturing_order(h, count);
  if (chosen.size() < count) {
    throw InputError("rate adaptation: only " + std::to_string(chosen.size()) +
                     " columns can be punctured untainted, " + std::to_string(count) +
                     " requested");
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

RateAdaptation adapt_rate(const ParityCheckMatrix& h, double target_rate, std::uint64_t seed,
                          double max_fraction) {
  const double n = static_cast<double>(h.cols());
  const double r0 = h.rate();
  const double d = std::floor(max_fraction * n);
  // R_target = (N R0 - t) / (N - d)  =>  t = N R0 - (N - d) R_target.
  const double t_real = n * r0 - (n - d) * target_rate;
  const double lowest = (n * r0 - d) / (n - d), highest = n * r0 / (n - d);
  if (!(target_rate >= lowest - 1e-12 && target_rate <= highest + 1e-12)) {
    throw InputError("rate adaptation: target rate " + std::to_string(target_rate) +
                     " is outside [" + std::to_string(lowest) + ", " + std::to_string(highest) +
                     "] reachable from mother rate " + std::to_string(r0) + " with " +
                     std::to_string(max_fraction * 100) + " % of bits modulated");
  }
  RateAdaptation a;
  a.n = h.cols();
  a.m = h.rows();
  const auto t =
      static_cast<std::size_t>(std::clamp(std::llround(t_real), 0LL, static_cast<long long>(d)));
  const std::size_t p = static_cast<std::size_t>(d) - t;
  a.punctured = untainted_puncturing(h, p);
  // Shortened: a seeded partial Fisher-Yates shuffle over the columns not punctured.
  std::vector<std::uint32_t> rest;
  rest.reserve(h.cols() - p);
  std::vector<bool> is_punctured(h.cols(), false);
  for (std::uint32_t c : a.punctured) is_punctured[c] = true;
  for (std::uint32_t c = 0; c < h.cols(); ++c) {
    if (!is_punctured[c]) rest.push_back(c);
  }
  a.shortened = seeded_draw(std::move(rest), t, seed);
  return a;
}

std::vector<std::uint32_t> seeded_order(std::vector<std::uint32_t> columns, std::size_t count,
                                        std::uint64_t seed) {
  if (count > columns.size()) {
    throw std::invalid_argument("seeded draw: " + std::to_string(count) + " of " +
                                std::to_string(columns.size()) + " columns");
  }
  kernels::Xoshiro256StarStar rng(seed);
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t j = k + static_cast<std::size_t>(rng.next() % (columns.size() - k));
    std::swap(columns[k], columns[j]);
  }
  columns.resize(count);
  columns.shrink_to_fit();  // callers keep the draw (a family keeps one per code)
  return columns;
}

std::vector<std::uint32_t> seeded_draw(std::vector<std::uint32_t> columns, std::size_t count,
                                       std::uint64_t seed) {
  columns = seeded_order(std::move(columns), count, seed);
  std::sort(columns.begin(), columns.end());
  return columns;
}

ParityCheckMatrix merge_rows(const ParityCheckMatrix& h,
                             const std::vector<std::pair<std::uint32_t, std::uint32_t>>& merges,
                             std::size_t count) {
  if (count > merges.size()) {
    throw InputError("row merging: " + std::to_string(count) + " merges requested, the file has " +
                     std::to_string(merges.size()));
  }
  if (count >= h.rows()) throw InputError("row merging: cannot merge away every check");
  std::vector<std::vector<std::uint32_t>> rows(h.rows());
  for (std::size_t r = 0; r < h.rows(); ++r) rows[r].assign(h.row(r).begin(), h.row(r).end());
  std::vector<bool> removed(h.rows(), false);
  for (std::size_t k = 0; k < count; ++k) {
    const auto [a, b] = merges[k];
    if (a >= h.rows() || b >= h.rows() || removed[a] || removed[b] || a == b) {
      throw InputError("row merging: merge " + std::to_string(k + 1) + " (" + std::to_string(a) +
                       ", " + std::to_string(b) +
                       ") names a row that is out of range or already merged away");
    }
    std::vector<std::uint32_t> merged;
    std::set_symmetric_difference(rows[a].begin(), rows[a].end(), rows[b].begin(), rows[b].end(),
                                  std::back_inserter(merged));
    rows[a] = std::move(merged);
    rows[b].clear();
    removed[b] = true;
  }
  std::vector<ParityCheckMatrix::Edge> edges;
  std::uint32_t out_row = 0;
  for (std::size_t r = 0; r < h.rows(); ++r) {
    if (removed[r]) continue;
    for (std::uint32_t c : rows[r]) edges.emplace_back(out_row, c);
    ++out_row;
  }
  return ParityCheckMatrix::from_edges(out_row, h.cols(), std::move(edges), "merged matrix");
}

}  // namespace qkdpp::engine
