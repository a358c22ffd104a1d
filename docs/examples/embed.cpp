// Embedding the key distillation engine: Alice and Bob sessions exchanging messages through a
// Channel. Here both run in one process over the in-process channel; a controller on each side
// of a real link keeps only its own session and carries the messages over its own transport.
// Built as `embed_example` and run by CTest (docs/protocol.md).
#include <cstdio>
#include <memory>

#include "engine/protocol/session.hpp"
#include "engine/simulation/correlated_keys.hpp"

int main(int argc, char** argv) {
  using namespace qkdpp;
  const char* codes = argc > 1 ? argv[1] : "datasets/codes";

  // One configuration for both sides: the code family (frame 2^16 bits) and the security model.
  engine::ProtocolConfig config;
  config.family =
      std::make_shared<const engine::CodeFamily>(engine::CodeFamily::bundled(codes, 16));
  config.security.model = engine::SecurityModel::kBb84Finite;
  config.security.epsilon_sec = 1e-10;

  engine::AliceSession alice(config, std::make_unique<engine::SystemRandom>());
  engine::BobSession bob(config);
  auto [alice_end, bob_end] = engine::make_in_process_channel();

  // Raw keys: here simulated with 2.5 % errors; in a controller they come from the detectors.
  const std::size_t n = config.family->key_bits();
  engine::CorrelatedKeySource source(64 * n, engine::QberProfile::constant(0.025), 1);
  kernels::BitVector raw_alice, raw_bob;
  source.next(64 * n, raw_alice, raw_bob);

  std::size_t secret_bits = 0;
  for (std::uint64_t block = 0; block < 8; ++block) {
    const kernels::BitVector a = raw_alice.slice(block * n, n), b = raw_bob.slice(block * n, n);
    // Alice speaks first; each side answers what it receives until the block is done.
    bob.begin_block(block, b);
    for (const engine::Message& m : alice.begin_block(block, a)) alice_end->send(m);
    while (!alice.finished() || !bob.finished()) {
      bool moved = false;
      while (auto m = bob_end->try_receive()) {  // Bob's inbox
        moved = true;
        for (const engine::Message& reply : bob.handle(*m)) bob_end->send(reply);
      }
      while (auto m = alice_end->try_receive()) {  // Alice's inbox
        moved = true;
        for (const engine::Message& reply : alice.handle(*m)) alice_end->send(reply);
      }
      if (!moved) return 1;  // a stalled exchange (cannot happen in-process)
    }
    const engine::BlockResult& r = alice.result();
    std::printf("block %llu: %s, QBER %.4f, f %.3f, %zu secret bits\n",
                static_cast<unsigned long long>(block), engine::to_string(r.status).c_str(), r.qber,
                r.efficiency, r.final_key.size());
    if (r.status == engine::BlockStatus::kAccepted && r.final_key != bob.result().final_key) {
      return 1;  // never happens: verified blocks give identical keys
    }
    secret_bits += r.final_key.size();
  }
  std::printf("%zu secret bits; %llu bits sent by Alice, %llu by Bob\n", secret_bits,
              static_cast<unsigned long long>(alice_end->sent().wire_bits),
              static_cast<unsigned long long>(bob_end->sent().wire_bits));
  return secret_bits > 0 ? 0 : 1;
}
