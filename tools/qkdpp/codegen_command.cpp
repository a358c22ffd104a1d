// `qkdpp codegen`: builds a quasi-cyclic LDPC code (engine/codes/codegen.hpp) and saves it as .qc.
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "engine/codes/code_io.hpp"
#include "engine/codes/codegen.hpp"
#include "engine/codes/pexit.hpp"
#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"
#include "tools/qkdpp/commands.hpp"

namespace qkdpp::tools {

namespace {

struct CodegenCommandOptions {
  engine::CodegenOptions code;
  std::string bits;
  std::string output;
  bool girth = false;
  bool optimize = false;
  std::string profile;
};

void run_codegen(CodegenCommandOptions opt) {
  if (!opt.bits.empty()) {
    const std::uint64_t n = parse_bit_count(opt.bits, "--bits");
    if (n % opt.code.base_cols != 0 || (n / opt.code.base_cols) % 32 != 0) {
      throw InputError("--bits: " + std::to_string(n) + " is not base_cols (" +
                       std::to_string(opt.code.base_cols) + ") times a multiple of 32");
    }
    opt.code.z = n / opt.code.base_cols;
  }
  if (!opt.profile.empty()) {
    std::stringstream in(opt.profile);
    std::string item;
    while (std::getline(in, item, ',')) {
      const auto colon = item.find(':');
      std::size_t deg = 0;
      double share = -1;
      try {
        if (colon == std::string::npos) throw std::invalid_argument("no colon");
        std::size_t used = 0;
        deg = std::stoul(item.substr(0, colon), &used);
        if (used != colon) throw std::invalid_argument("degree");
        const std::string rest = item.substr(colon + 1);
        share = std::stod(rest, &used);
        if (used != rest.size()) throw std::invalid_argument("share");
      } catch (const std::exception&) {
        throw InputError("--profile: '" + item + "' is not DEGREE:SHARE");
      }
      opt.code.heavy.emplace_back(deg, share);
    }
  }
  std::string optimized;
  if (opt.optimize) {
    const engine::OptimizedProfile best = engine::optimize_profile(opt.code);
    opt.code.heavy = {{best.high_degree, best.high_fraction}};
    optimized = "profile chosen by --optimize (PEXIT grid search on the BSC)";
  }
  engine::CodegenReport report;
  const engine::QuasiCyclicCode code = engine::generate_qc_code(opt.code, &report);
  std::string heavy;
  for (const auto& [degree, share] :
       opt.code.heavy.empty() ? engine::default_profile(opt.code.rate) : opt.code.heavy) {
    char item[48];
    std::snprintf(item, sizeof item, "%s%zu:%g", heavy.empty() ? "" : ",", degree, share);
    heavy += item;
  }
  std::vector<std::string> comments = {
      "qkdpp codegen " + std::string(QKDPP_VERSION) +
          ": quasi-cyclic LDPC code for syndrome reconciliation",
      "rate " +
          std::to_string(1.0 - static_cast<double>(code.base_rows) /
                                   static_cast<double>(code.base_cols)) +
          " N " + std::to_string(code.cols()) + " M " + std::to_string(code.rows()) + " Z " +
          std::to_string(code.z),
      "options: --rate " + std::to_string(opt.code.rate) + " --base-cols " +
          std::to_string(opt.code.base_cols) + " --z " + std::to_string(opt.code.z) + " --seed " +
          std::to_string(opt.code.seed) + " --profile " + heavy + " --low-degree " +
          std::to_string(opt.code.low_degree),
      "base column degrees (degree:count) " + report.profile,
      "entries closing a 6-cycle: " + std::to_string(report.six_cycle_entries) + " of " +
          std::to_string(report.four_cycle_free_entries) + " (none closes a 4-cycle)",
      report.full_rank ? "full rank M (an information column of odd degree)"
                       : "rank M - 1 (every information column has even degree)"};
  if (!optimized.empty()) comments.push_back(optimized);
  const double threshold = engine::pexit_threshold(code);
  const double rate =
      1.0 - static_cast<double>(code.base_rows) / static_cast<double>(code.base_cols);
  comments.push_back("PEXIT threshold (Gaussian approximation) QBER " + std::to_string(threshold) +
                     ", f* " + std::to_string((1.0 - rate) / binary_entropy(threshold)));
  if (opt.girth) comments.push_back("girth " + std::to_string(code.girth()));
  engine::save_text_file(opt.output, engine::format_qc(code, comments));
  std::printf(
      "wrote %s: N %zu, M %zu, rate %.4f, Z %zu, base column degrees %s, 6-cycle entries %zu\n",
      opt.output.c_str(), code.cols(), code.rows(),
      1.0 - static_cast<double>(code.base_rows) / static_cast<double>(code.base_cols), code.z,
      report.profile.c_str(), report.six_cycle_entries);
}

}  // namespace

void register_codegen_command(CLI::App& app) {
  auto opt = std::make_shared<CodegenCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "codegen", "Construct a quasi-cyclic LDPC code for the BSC and save it (.qc)");
  cmd->add_option("--rate", opt->code.rate,
                  "Design rate (base rows = round((1 - rate) * base columns))")
      ->required();
  cmd->add_option("--base-cols", opt->code.base_cols, "Base-matrix columns")->capture_default_str();
  cmd->add_option("--z", opt->code.z, "Lifting size, a multiple of 32")->capture_default_str();
  cmd->add_option("--bits", opt->bits, "Code length N instead of --z (N = base columns * Z)");
  cmd->add_option("--profile", opt->profile,
                  "Heavy information columns as DEGREE:SHARE[,DEGREE:SHARE...] (shares of all "
                  "base columns; default: the searched profile of the nearest tabulated rate)");
  cmd->add_option("--low-degree", opt->code.low_degree,
                  "Degree of the remaining information columns")
      ->capture_default_str();
  cmd->add_option("--seed", opt->code.seed, "Seed of the deterministic construction")
      ->capture_default_str();
  cmd->add_flag("--girth", opt->girth, "Compute the lifted girth and record it in the file");
  cmd->add_flag(
      "--optimize", opt->optimize,
      "Choose one heavy class (degree, share) by a PEXIT threshold search on the BSC (overrides "
      "--profile)");
  cmd->add_option("-o,--output", opt->output, "Output .qc file")->required();
  cmd->callback([opt] { run_codegen(*opt); });
}

}  // namespace qkdpp::tools
