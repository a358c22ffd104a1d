// Quasi-cyclic LDPC construction: protograph layout, greedy row choice, girth-conditioned shifts.
#include "engine/codes/codegen.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "engine/codes/pexit.hpp"
#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"
#include "kernels/random/xoshiro256.hpp"

namespace qkdpp::engine {

std::vector<HeavyClass> default_profile(double rate) {
  // tools/search_profiles.py, 2^16 bits, seed 20261128 (docs/codes.md "Profile search"): with
  // the min-sum decoder at rates 0.44 and 0.50, with the box-plus decoder (--variant boxplus) at
  // the others, which wants more or heavier heavy columns there. Rates 0.70 and 0.85: the
  // best of a few candidates decoded directly at 2^20 bits (fifteenth session, docs/codes.md).
  static const std::vector<std::pair<double, std::vector<HeavyClass>>> table = {
      {0.44, {{10, 0.16}}},
      {0.50, {{12, 0.16}}},
      {0.55, {{15, 0.16}}},
      {0.60, {{15, 0.16}, {4, 0.05}}},
      {0.66, {{18, 0.16}, {4, 0.10}}},
      {0.70, {{15, 0.19}, {4, 0.05}}},
      {0.74, {{15, 0.22}}},
      {0.78, {{15, 0.22}, {4, 0.05}}},
      {0.80, {{15, 0.22}, {5, 0.05}}},  // between its neighbours' profiles (not searched)
      {0.82, {{15, 0.22}, {6, 0.05}}},
      {0.85, {{15, 0.25}, {4, 0.05}}},
      {0.88, {{12, 0.28}}},
      {0.90, {{12, 0.28}, {5, 0.05}}},
      {0.91, {{12, 0.28}, {5, 0.05}}},  // rate 0.906 (12 base rows): the rate-0.90 profile
      {0.92, {{10, 0.34}}},
      {0.94, {{12, 0.34}, {4, 0.05}}},
      {0.96, {{10, 0.40}}},
  };

  const auto* best = &table.front();
  for (const auto& row : table) {
    if (std::abs(row.first - rate) < std::abs(best->first - rate)) best = &row;
  }
  return best->second;
}

namespace {

// Uniform integer in [0, bound) without modulo bias, from the deterministic generator.
std::uint64_t uniform(kernels::Xoshiro256StarStar& rng, std::uint64_t bound) {
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
  std::uint64_t v;
  do v = rng.next();
  while (v >= limit);
  return v % bound;
}

std::int64_t mod(std::int64_t a, std::int64_t z) { return ((a % z) + z) % z; }

}  // namespace

QuasiCyclicCode generate_qc_code(const CodegenOptions& opt, CodegenReport* report) {
  if (!(opt.rate >= 0.3 && opt.rate <= 0.97))
    throw InputError("codegen: rate must lie in [0.3, 0.97]");
  if (opt.z == 0 || opt.z % 32 != 0)
    throw InputError("codegen: Z must be a positive multiple of 32");
  if (opt.base_cols < 8 || opt.base_cols > 4096)
    throw InputError("codegen: base columns must lie in [8, 4096]");
  const std::size_t mb =
      static_cast<std::size_t>(std::lround((1.0 - opt.rate) * static_cast<double>(opt.base_cols)));
  if (mb < 2 || mb >= opt.base_cols)
    throw InputError("codegen: the rate leaves fewer than 2 base rows");
  const std::size_t nb = opt.base_cols, kb = nb - mb;
  std::vector<HeavyClass> classes = opt.heavy.empty() ? default_profile(opt.rate) : opt.heavy;
  // Degree of each information column, heaviest first (they pick their rows first).
  std::sort(classes.begin(), classes.end(), std::greater<>());
  std::vector<std::size_t> info_deg;
  for (const auto& [deg, share] : classes) {
    if (deg < 1 || !(share >= 0 && share <= 1))
      throw InputError("codegen: a heavy class needs a degree >= 1 and a share in [0, 1]");
    const auto count = static_cast<std::size_t>(std::lround(share * static_cast<double>(nb)));
    for (std::size_t k = 0; k < count && info_deg.size() < kb; ++k)
      info_deg.push_back(std::min(deg, mb));
  }
  if (opt.low_degree < 1) throw InputError("codegen: the low degree must be at least 1");
  while (info_deg.size() < kb) info_deg.push_back(std::min(opt.low_degree, mb));

  kernels::Xoshiro256StarStar rng(opt.seed);
  std::vector<std::vector<bool>> on(mb, std::vector<bool>(nb, false));
  std::vector<std::size_t> row_deg(mb, 0);
  // Parity ring of degree-2 columns.
  for (std::size_t j = 0; j < mb; ++j) {
    on[j][kb + j] = true;
    on[(j + 1) % mb][kb + j] = true;
    ++row_deg[j], ++row_deg[(j + 1) % mb];
  }
  // Information columns, heavy ones first: each takes the distinct rows of lowest current degree,
  // ties broken at random, which keeps check degrees within one of each other.
  for (std::size_t c = 0; c < kb; ++c) {
    const std::size_t deg = info_deg[c];
    std::vector<std::pair<std::uint64_t, std::size_t>> order;
    for (std::size_t r = 0; r < mb; ++r)
      order.emplace_back((static_cast<std::uint64_t>(row_deg[r]) << 32) | uniform(rng, 1u << 31),
                         r);
    std::sort(order.begin(), order.end());
    for (std::size_t k = 0; k < deg; ++k) {
      on[order[k].second][c] = true;
      ++row_deg[order[k].second];
    }
  }

  QuasiCyclicCode code{opt.z, mb, nb, std::vector<std::int32_t>(mb * nb, -1)};
  const auto z = static_cast<std::int64_t>(opt.z);
  const auto e = [&](std::size_t r, std::size_t c) -> std::int64_t {
    return code.shifts[r * nb + c];
  };
  // Parity ring: exponent 0 except the closing entry, so the ring lifts to long cycles only.
  for (std::size_t j = 0; j < mb; ++j) {
    code.shifts[j * nb + kb + j] = 0;
    code.shifts[((j + 1) % mb) * nb + kb + j] = j + 1 == mb ? 1 : 0;
  }
  // Placed entries, by column and by row, so the cycle search walks only nonzero entries.
  std::vector<std::vector<std::size_t>> rows_of(nb), cols_of(mb);
  const auto place = [&](std::size_t r, std::size_t c) {
    rows_of[c].push_back(r);
    cols_of[r].push_back(c);
  };
  for (std::size_t j = 0; j < mb; ++j) {
    place(j, kb + j);
    place((j + 1) % mb, kb + j);
  }
  CodegenReport rep;
  for (std::size_t c = 0; c < kb; ++c) {
    for (std::size_t r0 = 0; r0 < mb; ++r0) {
      if (!on[r0][c]) continue;
      // Exponents for (r0, c) that close a 4-cycle (r0,c)-(r1,c)-(r1,c1)-(r0,c1) or a 6-cycle
      // (r0,c)-(r1,c)-(r1,c1)-(r2,c1)-(r2,c2)-(r0,c2) with already placed entries.
      std::set<std::int64_t> forbid4, forbid6;
      for (std::size_t r1 : rows_of[c]) {
        for (std::size_t c1 : cols_of[r1]) {
          if (c1 == c) continue;
          if (e(r0, c1) >= 0) forbid4.insert(mod(e(r1, c) - e(r1, c1) + e(r0, c1), z));
          for (std::size_t r2 : rows_of[c1]) {
            if (r2 == r1 || r2 == r0) continue;
            for (std::size_t c2 : cols_of[r2]) {
              if (c2 == c1 || c2 == c || e(r0, c2) < 0) continue;
              forbid6.insert(mod(e(r1, c) - e(r1, c1) + e(r2, c1) - e(r2, c2) + e(r0, c2), z));
            }
          }
        }
      }
      std::int64_t chosen = -1, fallback = -1;
      for (std::size_t t = 0; t < opt.shift_candidates && chosen < 0; ++t) {
        const auto v = static_cast<std::int64_t>(uniform(rng, opt.z));
        if (forbid4.count(v)) continue;
        if (fallback < 0) fallback = v;
        if (!forbid6.count(v)) chosen = v;
      }
      if (chosen < 0) {
        if (fallback < 0) {
          throw InputError("codegen: no exponent avoids a 4-cycle at base entry (" +
                           std::to_string(r0) + ", " + std::to_string(c) +
                           "); use a larger Z or fewer base columns");
        }
        chosen = fallback;
        ++rep.six_cycle_entries;
      }
      code.shifts[r0 * nb + c] = static_cast<std::int32_t>(chosen);
      place(r0, c);
      ++rep.four_cycle_free_entries;
    }
  }
  std::map<std::size_t, std::size_t> hist;
  for (std::size_t c = 0; c < nb; ++c) {
    std::size_t d = 0;
    for (std::size_t r = 0; r < mb; ++r) d += e(r, c) >= 0;
    ++hist[d];
  }
  rep.full_rank =
      std::any_of(info_deg.begin(), info_deg.end(), [](std::size_t d) { return d % 2; });
  for (const auto& [d, n] : hist)
    rep.profile += (rep.profile.empty() ? "" : ", ") + std::to_string(d) + ":" + std::to_string(n);
  if (report) *report = rep;
  code.validate("codegen");
  return code;
}

OptimizedProfile optimize_profile(const CodegenOptions& options) {
  const std::vector<std::size_t> degrees = {4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 32};
  const std::vector<double> shares = {0.02, 0.04, 0.06, 0.08, 0.10, 0.13, 0.16, 0.20, 0.25};
  std::vector<OptimizedProfile> results(degrees.size() * shares.size());
  tbb::parallel_for(std::size_t{0}, results.size(), [&](std::size_t k) {
    CodegenOptions o = options;
    OptimizedProfile& r = results[k];
    r.high_degree = degrees[k / shares.size()];
    r.high_fraction = shares[k % shares.size()];
    o.heavy = {{r.high_degree, r.high_fraction}};
    o.z = std::max<std::size_t>(o.z, 64);
    r.efficiency = std::numeric_limits<double>::infinity();
    try {
      const QuasiCyclicCode code = generate_qc_code(o);
      r.threshold = pexit_threshold(code, 5e-4, 200);
      const double rate =
          1.0 - static_cast<double>(code.base_rows) / static_cast<double>(code.base_cols);
      if (r.threshold > 0) r.efficiency = (1.0 - rate) / binary_entropy(r.threshold);
    } catch (const InputError&) {
      // This profile cannot be lifted without 4-cycles at this Z; skip it.
    }
  });
  const auto best =
      std::min_element(results.begin(), results.end(),
                       [](const auto& a, const auto& b) { return a.efficiency < b.efficiency; });
  if (!std::isfinite(best->efficiency))
    throw InputError("codegen: no profile in the search grid can be built");
  return *best;
}

}  // namespace qkdpp::engine
