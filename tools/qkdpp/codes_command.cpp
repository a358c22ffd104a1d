// `qkdpp codes`: lists the bundled LDPC codes, or describes any code file the loaders accept.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/codes/check_bound.hpp"
#include "engine/codes/code_io.hpp"
#include "engine/codes/pexit.hpp"
#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"
#include "tools/qkdpp/commands.hpp"

namespace qkdpp::tools {

namespace {

struct CodesOptions {
  std::string show;
  std::string dir;
  std::string rate_adaption;
  bool no_girth = false;
};

// QBER a code of rate R serves at efficiency f: (1 - R) = f h2(QBER). The Shannon limit is f = 1;
// the listed operating range is f in [1.05, 1.15], where well-built codes of this length work.
struct QberRange {
  double low, high, limit;
};
QberRange qber_range(double rate) {
  return {inverse_binary_entropy((1.0 - rate) / 1.15), inverse_binary_entropy((1.0 - rate) / 1.05),
          inverse_binary_entropy(1.0 - rate)};
}

std::string histogram(const std::map<std::size_t, std::size_t>& h) {
  std::string out;
  for (const auto& [degree, count] : h) {
    if (!out.empty()) out += ", ";
    out += std::to_string(degree) + ":" + std::to_string(count);
  }
  return out;
}

void describe(const std::filesystem::path& path, const CodesOptions& opt) {
  const engine::LoadedCode code = engine::load_code(path);
  const engine::ParityCheckMatrix& h = code.matrix;
  std::printf(
      "%s\n  format      %s\n  N (bits)    %zu\n  M (checks)  %zu\n  rate        %.4f\n  edges     "
      "  %zu\n",
      path.string().c_str(), code.format.c_str(), h.cols(), h.rows(), h.rate(), h.edges());
  const QberRange q = qber_range(h.rate());
  std::printf("  QBER        %.2f %% .. %.2f %% at f = 1.15 .. 1.05 (Shannon limit %.2f %%)\n",
              100 * q.low, 100 * q.high, 100 * q.limit);
  if (code.quasi_cyclic) {
    const double p = engine::pexit_threshold(*code.quasi_cyclic);
    std::printf(
        "  PEXIT       threshold QBER %.2f %%, f* %.3f (protograph EXIT, Gaussian approximation)\n",
        100 * p, (1.0 - h.rate()) / binary_entropy(p));
    std::printf("  Z           %zu (base matrix %zu x %zu)\n", code.quasi_cyclic->z,
                code.quasi_cyclic->base_rows, code.quasi_cyclic->base_cols);
  }
  const std::map<std::size_t, std::size_t> row_degrees = h.row_degree_histogram();
  const double bound = engine::check_degree_threshold_bound(row_degrees, h.cols());
  if (bound > 0.0) {
    std::printf(
        "  Gallager    no decoder above QBER %.2f %% (f %.3f there; the bound from the check "
        "degrees)\n",
        100 * bound, (1.0 - h.rate()) / binary_entropy(bound));
  } else {
    std::printf("  Gallager    no QBER: the checks cannot carry any error pattern\n");
  }
  // The bound at the measured box-plus threshold, where the file's directory records one (the
  // bundled family: docs/codes.md, "Gallager's check-degree bound").
  const std::map<std::string, double> measured = engine::load_thresholds(
      path.parent_path(), engine::thresholds_file(engine::CheckRule::kBoxPlus));
  if (const auto t = measured.find(path.stem().string()); t != measured.end()) {
    std::printf(
        "              at the measured box-plus threshold %.3f %%: f %.3f, bound f >= %.3f\n",
        100 * t->second, (1.0 - h.rate()) / binary_entropy(t->second),
        engine::check_degree_efficiency_bound(row_degrees, t->second));
  }
  std::printf("  column degrees (degree:count)  %s\n  row degrees (degree:count)     %s\n",
              histogram(h.col_degree_histogram()).c_str(), histogram(row_degrees).c_str());
  if (!opt.rate_adaption.empty()) {
    const auto merges = engine::load_rate_adaption_csv(opt.rate_adaption);
    for (std::size_t k = 0; k < merges.size(); ++k) {
      if (merges[k].first >= h.rows() || merges[k].second >= h.rows()) {
        throw InputError(opt.rate_adaption + ": merge " + std::to_string(k + 1) +
                         " names a row beyond the " + std::to_string(h.rows()) + " checks of " +
                         path.string());
      }
    }
    std::printf(
        "  rate adaption %zu row merges: rate %.4f .. %.4f\n", merges.size(), h.rate(),
        1.0 - static_cast<double>(h.rows() - merges.size()) / static_cast<double>(h.cols()));
  }
  if (!opt.no_girth) {
    const std::size_t g = code.quasi_cyclic ? code.quasi_cyclic->girth(h) : h.girth();
    if (g == 0) {
      std::printf("  girth       none (no cycles, or none shorter than 64)\n");
    } else {
      std::printf("  girth       %zu\n", g);
    }
  }
}

void run_codes(const CodesOptions& opt) {
  if (!opt.show.empty()) {
    describe(opt.show, opt);
    return;
  }
  const std::filesystem::path dir =
      opt.dir.empty() ? default_code_dir() : std::filesystem::path(opt.dir);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw InputError(dir.string() + ": no such code directory");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (ext == ".qc" || ext == ".alist" || ext == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::printf("no code files (.qc, .alist, .json) in %s\n", dir.string().c_str());
    return;
  }
  // Measured decoding thresholds per check rule (tools/fer_family.sh + tools/plot_fer.py), when
  // present.
  const std::map<std::string, double> min_sum =
      engine::load_thresholds(dir, engine::thresholds_file(engine::CheckRule::kMinSum));
  const std::map<std::string, double> boxplus =
      engine::load_thresholds(dir, engine::thresholds_file(engine::CheckRule::kBoxPlus));
  // Median thresholds of the rate-adapted codes (tools/adapted_thresholds.py), when present, with
  // either shortening.
  std::map<std::string, std::vector<engine::AdaptedThreshold>> adapted;
  for (const engine::Shortening s : {engine::Shortening::kRing, engine::Shortening::kRandom}) {
    for (auto& [name, rows] : engine::load_adapted_thresholds(
             dir, engine::adapted_thresholds_file(
                      engine::thresholds_file(engine::CheckRule::kBoxPlus), s))) {
      adapted[name].insert(adapted[name].end(), rows.begin(), rows.end());
    }
  }
  std::printf("%-24s %8s %8s %7s %5s %15s %15s %15s %13s  %s\n", "code", "N", "M", "rate", "Z",
              "QBER range %", "min-sum % (f)", "box-plus % (f)", "adapted %", "column degrees");
  for (const auto& f : files) {
    const engine::LoadedCode code = engine::load_code(f);
    const QberRange q = qber_range(code.matrix.rate());
    char range[32];
    std::snprintf(range, sizeof range, "%.2f-%.2f", 100 * q.low, 100 * q.high);
    const auto measured = [&](const std::map<std::string, double>& thresholds) {
      const auto t = thresholds.find(f.stem().string());
      if (t == thresholds.end()) return std::string("-");
      char text[32];
      std::snprintf(text, sizeof text, "%.2f (%.2f)", 100 * t->second,
                    (1.0 - code.matrix.rate()) / binary_entropy(t->second));
      return std::string(text);
    };
    std::string served = "-";
    if (const auto a = adapted.find(f.stem().string()); a != adapted.end()) {
      const auto [low, high] =
          std::minmax_element(a->second.begin(), a->second.end(),
                              [](const auto& x, const auto& y) { return x.qber < y.qber; });
      char text[32];
      std::snprintf(text, sizeof text, "%.2f-%.2f", 100 * low->qber, 100 * high->qber);
      served = text;
    }
    std::printf("%-24s %8zu %8zu %7.4f %5s %15s %15s %15s %13s  %s\n",
                f.filename().string().c_str(), code.matrix.cols(), code.matrix.rows(),
                code.matrix.rate(),
                code.quasi_cyclic ? std::to_string(code.quasi_cyclic->z).c_str() : "-", range,
                measured(min_sum).c_str(), measured(boxplus).c_str(), served.c_str(),
                histogram(code.matrix.col_degree_histogram()).c_str());
  }
  std::printf(
      "QBER range: where the code works at efficiency f = 1.15 .. 1.05; min-sum, box-plus: the "
      "QBER (and f)\nwhere 8-bit decoding with that check rule fails 10 %% of frames at the mother "
      "rate\n(datasets/codes/thresholds.txt, thresholds-boxplus.txt); adapted: the QBERs the "
      "protocol's first round\nuses the code for, from all to none of its puncturing candidates "
      "punctured, with either shortening\n(median box-plus thresholds, "
      "adapted-thresholds-boxplus.txt, adapted-random-thresholds-boxplus.txt).\n");
}

}  // namespace

std::filesystem::path default_code_dir() {
  if (const char* env = std::getenv("QKDPP_DATA_DIR")) return std::filesystem::path(env) / "codes";
  return std::filesystem::path(QKDPP_SOURCE_DIR) / "datasets" / "codes";
}

void register_codes_command(CLI::App& app) {
  auto opt = std::make_shared<CodesOptions>();
  CLI::App* cmd = app.add_subcommand(
      "codes",
      "List the bundled LDPC codes, or describe a code file (alist, qkdpp .qc, LDPC4QKD .json)");
  cmd->add_option("--show", opt->show,
                  "Describe this code file (sizes, rate, Z, degree profile, girth)");
  cmd->add_option("--dir", opt->dir, "Directory to list (default: the bundled datasets/codes)");
  cmd->add_option("--rate-adaption", opt->rate_adaption,
                  "With --show: an LDPC4QKD rate-adaption CSV to check against the code");
  cmd->add_flag("--no-girth", opt->no_girth, "With --show: skip the girth search");
  cmd->callback([opt] { run_codes(*opt); });
}

}  // namespace qkdpp::tools
