// The file block source.
#include "engine/io/block_source.hpp"

#include "engine/core/error.hpp"

namespace qkdpp::engine::io {

namespace {

class FileSource final : public BlockSource {
 public:
  FileSource(const RawKeyReader& r, bool alice, bool bob)
      : r_(r), party_(alice ? Party::kAlice : Party::kBob) {
    for (auto [party, needed] : {std::pair{Party::kAlice, alice}, {Party::kBob, bob}}) {
      if (needed && !r.has(party)) {
        throw InputError(r.path().string() + ": needs " +
                         (party == Party::kAlice ? "alice/key" : "bob/key"));
      }
    }
    total_ = r.bits(party_);
    if (alice && bob && r.bits(Party::kBob) != total_) {
      throw InputError(r.path().string() + ": alice/key has " + std::to_string(total_) +
                       " bits but bob/key " + std::to_string(r.bits(Party::kBob)));
    }
  }
  bool read(std::uint64_t index, std::size_t n, kernels::BitVector* alice,
            kernels::BitVector* bob) override {
    if ((index + 1) * n > total_) return false;
    if (alice) *alice = r_.read(Party::kAlice, index * n, n);
    if (bob) *bob = r_.read(Party::kBob, index * n, n);
    return true;
  }
  std::optional<std::uint64_t> blocks(std::size_t n) const override { return total_ / n; }
  std::uint64_t unused_tail_bits(std::size_t n) const override { return total_ % n; }
  std::string name() const override { return r_.path().string(); }

 private:
  const RawKeyReader& r_;
  Party party_;
  std::uint64_t total_ = 0;
};

}  // namespace

std::unique_ptr<BlockSource> file_block_source(const RawKeyReader& reader, bool alice, bool bob) {
  return std::make_unique<FileSource>(reader, alice, bob);
}

}  // namespace qkdpp::engine::io
