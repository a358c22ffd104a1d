// `qkdpp simulate`: writes a qkdpp-raw file of correlated raw keys through a simulated BSC.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "engine/core/error.hpp"
#include "engine/io/raw_key_file.hpp"
#include "engine/random/random_source.hpp"
#include "engine/simulation/correlated_keys.hpp"
#include "tools/qkdpp/commands.hpp"

namespace qkdpp::tools {

namespace {

struct SimulateOptions {
  std::string bits = "1e6";
  std::string qber = "0.03";
  std::string qber_profile_file;
  std::uint64_t seed = 1;
  std::string output;
  std::string parties = "both";
  int compression = 1;
  std::string chunk_bits = "2^24";
  bool quiet = false;
};

void run_simulate(const SimulateOptions& opt) {
  using engine::io::Party;
  const std::uint64_t bits = parse_bit_count(opt.bits, "--bits");
  const std::uint64_t chunk_bits = parse_bit_count(opt.chunk_bits, "--chunk-bits");
  if (bits == 0) throw InputError("--bits: the key must have at least one bit");
  if (chunk_bits == 0 || chunk_bits % 64 != 0)
    throw InputError("--chunk-bits must be a positive multiple of 64");
  const engine::QberProfile profile = opt.qber_profile_file.empty()
                                          ? engine::QberProfile::parse(opt.qber)
                                          : engine::QberProfile::load(opt.qber_profile_file);

  engine::io::RawKeyWriteOptions wopt;
  wopt.alice = opt.parties != "bob";
  wopt.bob = opt.parties != "alice";
  wopt.deflate_level = opt.compression;
  engine::io::RawKeyWriter writer(opt.output, wopt);
  engine::CorrelatedKeySource source(bits, profile, opt.seed);

  const auto t0 = std::chrono::steady_clock::now();
  kernels::BitVector alice, bob;
  std::uint64_t last_report = 0;
  while (source.next(chunk_bits, alice, bob)) {
    if (wopt.alice) writer.append(Party::kAlice, alice);
    if (wopt.bob) writer.append(Party::kBob, bob);
    if (!opt.quiet && source.position() - last_report >= (std::uint64_t{1} << 30)) {
      last_report = source.position();
      std::fprintf(stderr, "\rsimulate: %.1f %%",
                   100.0 * static_cast<double>(source.position()) / static_cast<double>(bits));
    }
  }
  if (!opt.quiet && last_report != 0) std::fprintf(stderr, "\n");
  const double measured = static_cast<double>(source.errors()) / static_cast<double>(bits);
  writer.set_attribute("source", std::string("qkdpp simulate ") + QKDPP_VERSION);
  writer.set_attribute("qber_hint", profile.mean());
  writer.set_attribute("qber_profile", profile.to_spec());
  writer.set_attribute("simulated_errors", source.errors());
  writer.set_attribute("seed", opt.seed);
  writer.set_attribute("rng", engine::SeededRandom(opt.seed).description());
  writer.commit();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!opt.quiet) {
    std::printf("wrote %s: %llu bits per party (%s), QBER profile %s\n", opt.output.c_str(),
                static_cast<unsigned long long>(bits), opt.parties.c_str(),
                profile.to_spec().c_str());
    std::printf("  errors %llu, measured QBER %.5f (profile mean %.5f), seed %llu\n",
                static_cast<unsigned long long>(source.errors()), measured, profile.mean(),
                static_cast<unsigned long long>(opt.seed));
    std::printf("  %.2f s, %.1f Mbit/s\n", seconds, static_cast<double>(bits) / seconds / 1e6);
  }
}

}  // namespace

void write_simulated_raw_file(const std::string& output, const std::string& bits,
                              const std::string& qber, std::uint64_t seed, bool quiet) {
  SimulateOptions opt;
  opt.output = output;
  opt.bits = bits;
  opt.qber = qber;
  opt.seed = seed;
  opt.quiet = quiet;
  run_simulate(opt);
}

void register_simulate_command(CLI::App& app) {
  auto opt = std::make_shared<SimulateOptions>();
  CLI::App* cmd =
      app.add_subcommand("simulate",
                         "Write a qkdpp-raw HDF5 file with correlated raw keys: Alice uniform "
                         "random, Bob = Alice through a "
                         "binary symmetric channel whose crossover probability follows --qber");
  cmd->add_option("--bits", opt->bits,
                  "Key length in bits per party (integer, 1e9 or 2^30 notation)")
      ->capture_default_str();
  auto* qber =
      cmd->add_option("--qber", opt->qber,
                      "QBER profile: Q (constant), Q0,Q1@F (jump to Q1 at fraction F), Q0,~Q1@F "
                      "(linear drift "
                      "reaching Q1 at F); points may be chained, e.g. 0.02,0.09@0.5,~0.03@1")
          ->capture_default_str();
  cmd->add_option(
         "--qber-profile", opt->qber_profile_file,
         "File holding a QBER profile in the --qber syntax (one point per line, # comments)")
      ->check(CLI::ExistingFile)
      ->excludes(qber);
  cmd->add_option("--seed", opt->seed, "Seed of the simulation generator (same seed, same file)")
      ->capture_default_str();
  cmd->add_option("-o,--output", opt->output,
                  "Output HDF5 file (written to FILE.partial, renamed when complete)")
      ->required();
  cmd->add_option("--parties", opt->parties, "Which keys to store")
      ->check(CLI::IsMember({"both", "alice", "bob"}))
      ->capture_default_str();
  cmd->add_option("--compression", opt->compression,
                  "Deflate level for the HDF5 datasets (0 = none)")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  cmd->add_option("--chunk-bits", opt->chunk_bits,
                  "Bits generated and written per step (bounds memory)")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing on success");
  cmd->callback([opt] { run_simulate(*opt); });
}

}  // namespace qkdpp::tools
