// `qkdpp fer`: Monte-Carlo frame error rate of a code over the BSC (engine/decoding).
#include <tbb/global_control.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "engine/codes/code_io.hpp"
#include "engine/codes/rate_adaptation.hpp"
#include "engine/core/error.hpp"
#include "engine/decoding/fer_simulation.hpp"
#include "engine/protocol/code_family.hpp"
#include "tools/qkdpp/commands.hpp"

namespace qkdpp::tools {

namespace {

struct FerCommandOptions {
  std::string code;
  std::string qber = "0.03";
  std::string decoder = "ms";
  std::string precision = "16";
  std::string variant;  // empty: as the protocol decodes
  // Min-sum tuning; negative: the default of the precision (engine::default_decoder_config).
  int shift = -1, offset = -1, limit = -1;
  double factor = -1;
  double correction = -1;      // box-plus correction C in LLR units
  std::string degree_offsets;  // "O1,O2,...": offsets for column degrees 1, 2, ... (last: higher)
  float scale = -1.0f;
  std::string rate_adaption;
  std::size_t merges = 0;
  std::optional<double> punctured;  // fraction of the frame layout's puncturing candidates
  double modulated = engine::kModulatedFraction;
  std::string shorten = "ring";  // which bits the unpunctured modulated share shortens
  std::size_t threads = 0;
  bool json = false;
  engine::FerOptions fer;
};

double parse_qber(const std::string& text) {
  char* end = nullptr;
  const double q = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(q > 0.0 && q < 0.5)) {
    throw InputError("--qber: '" + text + "' is not a QBER in (0, 0.5)");
  }
  return q;
}

// "0.03", "0.02,0.04", or "start:step:stop" (inclusive).
std::vector<double> parse_qber_list(const std::string& spec) {
  std::vector<double> out;
  if (spec.find(':') != std::string::npos) {
    std::stringstream ss(spec);
    std::string a, b, c;
    if (!std::getline(ss, a, ':') || !std::getline(ss, b, ':') || !std::getline(ss, c) ||
        c.find(':') != std::string::npos) {
      throw InputError("--qber: '" + spec + "' is not START:STEP:STOP");
    }
    const double start = parse_qber(a), stop = parse_qber(c);
    char* end = nullptr;
    const double step = std::strtod(b.c_str(), &end);
    if (end == b.c_str() || *end != '\0' || !(step > 0))
      throw InputError("--qber: step '" + b + "' must be positive");
    for (int k = 0;; ++k) {
      const double q = start + k * step;
      if (q > stop + 1e-12) break;
      out.push_back(q);
      if (out.size() > 1000) throw InputError("--qber: more than 1000 points");
    }
    if (out.empty()) throw InputError("--qber: START is above STOP");
    return out;
  }
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(parse_qber(item));
  if (out.empty()) throw InputError("--qber: no value");
  return out;
}

std::filesystem::path resolve_code(const std::string& name) {
  if (std::filesystem::exists(name)) return name;
  const std::filesystem::path bundled = default_code_dir();
  for (const std::string& candidate : {name, name + ".qc"}) {
    if (std::filesystem::exists(bundled / candidate)) return bundled / candidate;
  }
  throw InputError("--code: '" + name + "' is neither a file nor a bundled code (see qkdpp codes)");
}

void run_fer(const FerCommandOptions& opt) {
  engine::FerOptions fer = opt.fer;
  fer.decoder = engine::default_decoder_config(parse_precision(opt.precision));
  try {
    fer.decoder.kind = engine::parse_decoder_kind(opt.decoder);
  } catch (const InputError& e) {
    throw InputError(std::string("--decoder: ") + e.what());
  }
  if (opt.shift >= 0) fer.decoder.min_sum.normalization_shift = opt.shift;
  if (opt.offset >= 0) fer.decoder.min_sum.offset = opt.offset;
  if (opt.limit >= 0) fer.decoder.min_sum.message_limit = opt.limit;
  if (!opt.degree_offsets.empty()) {
    std::stringstream in(opt.degree_offsets);
    std::string item;
    while (std::getline(in, item, ',')) {
      try {
        std::size_t used = 0;
        const int o = std::stoi(item, &used);
        if (used != item.size() || o < 0 || o > 16384) throw std::invalid_argument(item);
        fer.decoder.min_sum.degree_offsets.push_back(o);
      } catch (const std::exception&) {
        throw InputError("--degree-offsets: '" + item + "' is not an offset in [0, 16384]");
      }
    }
  }
  if (opt.scale >= 0) fer.decoder.min_sum.llr_scale = opt.scale;
  // Without --variant: the protocol's rule (offset, or scaled-offset on high-degree checks).
  fer.decoder.adapt_to_check_degree = opt.variant.empty() && opt.offset < 0 && opt.shift < 0 &&
                                      opt.factor < 0 && opt.correction < 0 &&
                                      opt.degree_offsets.empty();
  if (opt.variant == "normalized") {
    fer.decoder.min_sum.variant = kernels::MinSumVariant::kNormalized;
  } else if (opt.variant == "offset") {
    fer.decoder.min_sum.variant = kernels::MinSumVariant::kOffset;
  } else if (opt.variant == "scaled") {
    fer.decoder.min_sum.variant = kernels::MinSumVariant::kScaledOffset;
  } else if (opt.variant == "boxplus") {
    fer.decoder.min_sum.variant = kernels::MinSumVariant::kBoxPlus;
  } else if (!opt.variant.empty()) {  // empty: default_decoder_config's offset rule
    throw InputError("--variant: '" + opt.variant +
                     "' is not normalized, offset, scaled or boxplus");
  }
  if (opt.correction >= 0) {
    if (fer.decoder.min_sum.variant != kernels::MinSumVariant::kBoxPlus)
      throw InputError("--correction applies to the boxplus variant only");
    if (opt.correction > 4.0) throw InputError("--correction must be in [0, 4]");
    fer.decoder.min_sum.boxplus_correction = static_cast<float>(opt.correction);
  }
  if (!fer.decoder.min_sum.degree_offsets.empty() &&
      fer.decoder.min_sum.variant != kernels::MinSumVariant::kOffset) {
    throw InputError("--degree-offsets applies to the offset variant only");
  }
  if (opt.factor >= 0) fer.decoder.min_sum.scale_factor = static_cast<float>(opt.factor);
  if (!(fer.decoder.min_sum.scale_factor > 0.0f && fer.decoder.min_sum.scale_factor < 1.0f)) {
    throw InputError("--factor must be in (0, 1)");
  }
  if (fer.decoder.min_sum.normalization_shift < 1 || fer.decoder.min_sum.normalization_shift > 7) {
    throw InputError("--shift must be in [1, 7]");
  }
  if (fer.decoder.min_sum.offset < 0 || fer.decoder.min_sum.offset > 16384) {
    throw InputError("--offset must be in [0, 16384]");
  }
  if (!(fer.decoder.min_sum.llr_scale > 0.0f && fer.decoder.min_sum.llr_scale <= 1000.0f)) {
    throw InputError("--scale must be in (0, 1000]");
  }
  const std::vector<double> qbers = parse_qber_list(opt.qber);
  const std::filesystem::path path = resolve_code(opt.code);
  engine::LoadedCode loaded = engine::load_code(path);
  engine::ParityCheckMatrix h = std::move(loaded.matrix);
  std::optional<engine::QuasiCyclicCode> qc = std::move(loaded.quasi_cyclic);
  if (!opt.rate_adaption.empty()) {
    h = engine::merge_rows(h, engine::load_rate_adaption_csv(opt.rate_adaption), opt.merges);
    qc.reset();  // merged rows are not circulant blocks
  } else if (opt.merges != 0) {
    throw InputError("--merges needs --rate-adaption");
  }
  std::size_t modulated_bits = 0;
  if (opt.punctured) {
    if (!(*opt.punctured >= 0.0 && *opt.punctured <= 1.0)) {
      throw InputError("--punctured must lie in [0, 1]");
    }
    if (!(opt.modulated > 0.0 && opt.modulated < 0.5)) {
      throw InputError("--modulated must lie in (0, 0.5)");
    }
    if (!qc) {
      throw InputError("--punctured: " + path.string() +
                       " has no quasi-cyclic form (the protocol's frame layout needs one)");
    }
    // The protocol's frame layout (engine/protocol/code_family): the first punctured candidates
    // in untainted order are punctured, the other modulated bits shortened.
    const engine::CodeFamily layout = engine::CodeFamily::load({path}, {}, opt.modulated);
    const engine::FamilyCode& c = layout.codes().front();
    const auto p = static_cast<std::size_t>(
        std::llround(*opt.punctured * static_cast<double>(c.puncture_candidates.size())));
    fer.punctured.assign(c.puncture_candidates.begin(),
                         c.puncture_candidates.begin() + static_cast<std::ptrdiff_t>(p));
    // Random shortening: as many bits drawn at random (seeded) from the ring layout's key
    // positions; the candidates left unpunctured then carry key bits (docs/codes.md "Which
    // columns to shorten").
    if (opt.shorten != "ring" && opt.shorten != "random") {
      throw InputError("--shorten: '" + opt.shorten + "' is not ring or random");
    }
    fer.shortened = c.shortened(
        p, opt.shorten == "ring" ? engine::Shortening::kRing : engine::Shortening::kRandom);
    modulated_bits = layout.modulated_bits();
  } else if (opt.modulated != engine::kModulatedFraction || opt.shorten != "ring") {
    throw InputError("--modulated and --shorten need --punctured");
  }
  if (fer.max_frames == 0 || fer.max_frame_errors == 0 || fer.max_iterations == 0) {
    throw InputError("--frames, --max-fe and --max-iter must be positive");
  }
  std::optional<tbb::global_control> threads;
  if (opt.threads > 0) threads.emplace(tbb::global_control::max_allowed_parallelism, opt.threads);
  const std::string level(
      kernels::to_string(engine::SyndromeDecoder::level_for(fer.decoder, qc ? &*qc : nullptr)));
  const auto points = engine::simulate_fer(h, qc ? &*qc : nullptr, qbers, fer);
  const double punctured = static_cast<double>(fer.punctured.size());
  const double effective_rate =
      (static_cast<double>(h.cols() - h.rows()) - static_cast<double>(fer.shortened.size())) /
      (static_cast<double>(h.cols()) - punctured - static_cast<double>(fer.shortened.size()));
  const auto per_core = [&](const engine::FerPoint& p) {
    return static_cast<double>(p.frames * h.cols()) / p.decode_seconds / 1e6;
  };
  if (opt.json) {
    nlohmann::json j;
    j["code"] = path.string();
    j["n"] = h.cols();
    j["m"] = h.rows();
    j["rate"] = h.rate();
    j["decoder"] = opt.decoder;
    j["simd"] = level;
    if (fer.decoder.kind == engine::DecoderKind::kMinSum) {
      j["precision_bits"] = opt.precision == "8" ? 8 : 16;
      j["variant"] = opt.variant.empty() ? "protocol" : opt.variant;
      j["shift"] = fer.decoder.min_sum.normalization_shift;
      j["offset"] = fer.decoder.min_sum.offset;
      j["factor"] = fer.decoder.min_sum.scale_factor;
      j["correction"] = fer.decoder.min_sum.boxplus_correction;
      j["degree_offsets"] = fer.decoder.min_sum.degree_offsets;
      j["scale"] = fer.decoder.min_sum.llr_scale;
      j["message_limit"] = fer.decoder.min_sum.message_limit;
    }
    if (opt.punctured) {
      j["modulated_bits"] = modulated_bits;
      j["punctured_bits"] = fer.punctured.size();
      j["shortened_bits"] = fer.shortened.size();
      j["shorten"] = opt.shorten;
      j["effective_rate"] = effective_rate;
    }
    j["max_iterations"] = fer.max_iterations;
    j["seed"] = fer.seed;
    for (const auto& p : points) {
      j["points"].push_back(
          {{"qber", p.qber},
           {"frames", p.frames},
           {"frame_errors", p.frame_errors},
           {"fer", p.fer()},
           {"ber", static_cast<double>(p.bit_errors) /
                       (static_cast<double>(p.frames) * static_cast<double>(h.cols()))},
           {"mean_iterations", p.mean_iterations},
           {"efficiency", p.efficiency},
           {"decoded_mbps", static_cast<double>(p.frames * h.cols()) / p.seconds / 1e6},
           {"decoded_mbps_per_core", per_core(p)}});
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::printf("# %s: N %zu, M %zu, rate %.4f, decoder %s (%s), max %zu iterations\n",
              path.string().c_str(), h.cols(), h.rows(), h.rate(), opt.decoder.c_str(),
              level.c_str(), fer.max_iterations);
  if (opt.punctured) {
    std::printf("# rate adapted: %zu modulated bits, %zu punctured, %zu shortened: rate %.4f\n",
                modulated_bits, fer.punctured.size(), fer.shortened.size(), effective_rate);
  }
  std::printf("%8s %8s %6s %10s %10s %7s %7s %9s %9s\n", "QBER", "frames", "FE", "FER", "BER",
              "iters", "f", "Mbit/s", "Mb/s/core");
  for (const auto& p : points) {
    std::printf("%8.4f %8zu %6zu %10.3e %10.3e %7.1f %7.3f %9.2f %9.2f\n", p.qber, p.frames,
                p.frame_errors, p.fer(),
                static_cast<double>(p.bit_errors) /
                    (static_cast<double>(p.frames) * static_cast<double>(h.cols())),
                p.mean_iterations, p.efficiency,
                static_cast<double>(p.frames * h.cols()) / p.seconds / 1e6, per_core(p));
  }
}

}  // namespace

void register_fer_command(CLI::App& app) {
  auto opt = std::make_shared<FerCommandOptions>();
  CLI::App* cmd =
      app.add_subcommand("fer", "Monte-Carlo frame error rate of syndrome decoding over the BSC");
  cmd->add_option("--code", opt->code,
                  "Code file (.alist, .qc, LDPC4QKD .json) or bundled code name")
      ->required();
  cmd->add_option("--qber", opt->qber, "QBER points: Q, Q1,Q2,... or START:STEP:STOP")
      ->capture_default_str();
  cmd->add_option("--frames", opt->fer.max_frames, "Frames per point at most")
      ->capture_default_str();
  cmd->add_option("--max-fe", opt->fer.max_frame_errors,
                  "Stop a point after this many frame errors")
      ->capture_default_str();
  cmd->add_option("--decoder", opt->decoder,
                  "Decoder: ms (layered fixed-point min-sum) or bp (floating-point sum-product)")
      ->capture_default_str();
  cmd->add_option("--precision", opt->precision, "Min-sum fixed-point bits: 8 or 16")
      ->capture_default_str();
  cmd->add_option(
         "--variant", opt->variant,
         "Min-sum variant: normalized, offset, scaled, or boxplus (approximate sum-product on "
         "the same layered schedule; default, without --offset, --shift or --factor either: "
         "as the protocol decodes, offset or, on codes of mean check degree >= 24, scaled "
         "0.875 with offset 3/8 LLR)")
      ->capture_default_str();
  cmd->add_option("--factor", opt->factor,
                  "Scaled min-sum: messages scaled by this factor (0, 1), then the offset "
                  "subtracted (default 0.75)");
  cmd->add_option("--correction", opt->correction,
                  "Box-plus: correction c(u) = max(C - u/4, 0) at C LLR, in [0, 4] (default "
                  "0.625)");
  cmd->add_option("--shift", opt->shift,
                  "Normalized min-sum: messages scaled by 1 - 2^-shift (default 3)");
  cmd->add_option("--offset", opt->offset,
                  "Offset min-sum: offset in fixed-point units (default: 0.5 LLR)");
  cmd->add_option("--degree-offsets", opt->degree_offsets,
                  "Offset min-sum: offsets in fixed-point units by the receiving column's degree, "
                  "for degrees 1, 2, 3, ... (the last for every higher degree), e.g. 4,2,3,6");
  cmd->add_option("--limit", opt->limit,
                  "Min-sum check-message clip in fixed-point units (default 0: none)");
  cmd->add_option("--scale", opt->scale,
                  "Min-sum fixed-point units per unit of LLR (default 64 for 16 bits, 8 for 8)");
  cmd->add_option("--max-iter", opt->fer.max_iterations, "Maximum decoder iterations")
      ->capture_default_str();
  cmd->add_option("--threads", opt->threads, "Worker threads (default, or 0: all cores)");
  cmd->add_option("--seed", opt->fer.seed, "Seed of the simulated frames")->capture_default_str();
  cmd->add_option("--rate-adaption", opt->rate_adaption, "LDPC4QKD rate-adaption CSV to apply");
  cmd->add_option("--merges", opt->merges, "Number of row merges to apply from --rate-adaption");
  cmd->add_option("--punctured", opt->punctured,
                  "Rate-adapted frames as the protocol builds them (quasi-cyclic codes): this "
                  "fraction of the puncturing candidates (untainted order) punctured, the other "
                  "modulated bits shortened; f is then the adapted code's (docs/codes.md)");
  cmd->add_option("--modulated", opt->modulated,
                  "With --punctured: modulated (punctured or shortened) fraction of the frame")
      ->capture_default_str();
  cmd->add_option("--shorten", opt->shorten,
                  "With --punctured: ring (the protocol's layout: the unpunctured candidates and "
                  "the always-shortened bits) or random (as many key positions drawn at random)")
      ->capture_default_str();
  cmd->add_flag("--json", opt->json, "Print the results as JSON");
  cmd->callback([opt] { run_fer(*opt); });
}

}  // namespace qkdpp::tools
