// The key-file journal: POSIX appends of whole records, BLAKE2b (libsodium) checksums.
#include "engine/io/key_journal.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/little_endian.hpp"
#include "engine/core/parameters.hpp"
#include "engine/protocol/messages.hpp"

namespace qkdpp::engine::io {

namespace {

constexpr std::array<char, 8> kMagic = {'Q', 'K', 'P', 'P', 'J', 'R', 'N', '1'};
constexpr std::size_t kHashBytes = 16;
// A payload holds one block's final key (<= its bits) and seed (< 2 * bits): far below this.
constexpr std::uint64_t kMaxPayloadBytes = std::uint64_t{1} << 30;

using Hash = std::array<std::uint8_t, kHashBytes>;

Hash blake2b(std::span<const std::uint8_t> bytes) {
  Hash h;
  crypto_generichash(h.data(), h.size(), bytes.data(), bytes.size(), nullptr, 0);
  return h;
}

// Length, bytes and checksum of one framed item.
std::vector<std::uint8_t> frame(std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out;
  out.reserve(payload.size() + 8 + kHashBytes);
  append_le(out, payload.size(), 8);
  out.insert(out.end(), payload.begin(), payload.end());
  const Hash h = blake2b(payload);
  out.insert(out.end(), h.begin(), h.end());
  return out;
}

std::vector<std::uint8_t> encode_block(const BlockRecord& r, const kernels::BitVector& key,
                                       const kernels::BitVector& seed) {
  PayloadWriter w;
  w.u64(r.index).u64(r.start_bit).u64(r.bits).f64(r.qber).u64(r.leak_ec_bits).u64(r.verify_bits);
  w.u64(r.final_bits).u64(r.final_offset).u8(r.status).f64(r.efficiency).f64(r.qber_estimate);
  w.u32(r.rounds).bits(key).bits(seed);
  return w.take();
}

// Reads one framed item; nullopt at a clean end of file or a torn or corrupt item.
std::optional<std::vector<std::uint8_t>> read_framed(std::ifstream& in) {
  std::array<std::uint8_t, 8> len_bytes;
  if (!in.read(reinterpret_cast<char*>(len_bytes.data()), 8)) return std::nullopt;
  const std::uint64_t len = load_le(len_bytes.data(), 8);
  if (len > kMaxPayloadBytes) return std::nullopt;
  std::vector<std::uint8_t> payload(len);
  Hash stored;
  if (!in.read(reinterpret_cast<char*>(payload.data()), static_cast<std::streamsize>(len)) ||
      !in.read(reinterpret_cast<char*>(stored.data()), kHashBytes)) {
    return std::nullopt;
  }
  if (blake2b(payload) != stored) return std::nullopt;
  return payload;
}

int open_or_throw(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(path.string() + ": cannot open journal: " + std::strerror(errno));
  return fd;
}

void check_fingerprint(const std::filesystem::path& journal, const std::string& found,
                       const std::string& expected) {
  if (found == expected) return;
  throw InputError(journal.string() +
                   ": was written by a run with other parameters (journal vs now), so it cannot "
                   "be resumed: " +
                   parameter_differences(found, expected));
}

}  // namespace

std::filesystem::path journal_path(const std::filesystem::path& output) {
  std::filesystem::path p = output;
  p += ".journal";
  return p;
}

KeyJournalWriter KeyJournalWriter::create(const std::filesystem::path& path,
                                          const std::string& fingerprint) {
  if (sodium_init() < 0) throw IoError("libsodium failed to initialise");
  KeyJournalWriter w(path, open_or_throw(path, O_WRONLY | O_CREAT | O_TRUNC));
  std::vector<std::uint8_t> header(kMagic.begin(), kMagic.end());
  const auto body = frame(
      std::span(reinterpret_cast<const std::uint8_t*>(fingerprint.data()), fingerprint.size()));
  header.insert(header.end(), body.begin(), body.end());
  w.write_all(header);
  return w;
}

KeyJournalWriter KeyJournalWriter::reopen(const std::filesystem::path& path,
                                          std::uint64_t valid_bytes) {
  if (sodium_init() < 0) throw IoError("libsodium failed to initialise");
  KeyJournalWriter w(path, open_or_throw(path, O_WRONLY));
  if (::ftruncate(w.fd_, static_cast<off_t>(valid_bytes)) != 0 || ::lseek(w.fd_, 0, SEEK_END) < 0) {
    throw IoError(path.string() + ": cannot cut the journal's torn tail: " + std::strerror(errno));
  }
  return w;
}

KeyJournalWriter::KeyJournalWriter(KeyJournalWriter&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

KeyJournalWriter& KeyJournalWriter::operator=(KeyJournalWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

KeyJournalWriter::~KeyJournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void KeyJournalWriter::write_all(const std::vector<std::uint8_t>& bytes) {
  // One write() per record: a killed process leaves whole records plus at most one torn one.
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw IoError(path_.string() + ": cannot write the journal (disk full?): " +
                    std::strerror(n < 0 ? errno : ENOSPC));
    }
    done += static_cast<std::size_t>(n);
  }
}

void KeyJournalWriter::append(const BlockRecord& record, const kernels::BitVector& final_key,
                              const kernels::BitVector& seed) {
  write_all(frame(encode_block(record, final_key, seed)));
}

KeyJournalScan read_key_journal(
    const std::filesystem::path& path, const std::string& expected_fingerprint,
    const std::function<void(const BlockRecord&, const kernels::BitVector&,
                             const kernels::BitVector&)>& on_block,
    std::uint64_t max_blocks) {
  if (sodium_init() < 0) throw IoError("libsodium failed to initialise");
  const std::string where = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(where + ": cannot open journal");
  std::array<char, 8> magic{};
  in.read(magic.data(), magic.size());
  if (!in || magic != kMagic) throw InputError(where + ": not a qkdpp journal (bad magic)");
  const auto fingerprint = read_framed(in);
  if (!fingerprint) throw InputError(where + ": the journal's header is damaged");
  KeyJournalScan scan;
  scan.fingerprint.assign(fingerprint->begin(), fingerprint->end());
  if (!expected_fingerprint.empty())
    check_fingerprint(path, scan.fingerprint, expected_fingerprint);
  scan.valid_bytes = kMagic.size() + 8 + fingerprint->size() + kHashBytes;
  while (scan.blocks < max_blocks) {
    const auto payload = read_framed(in);
    if (!payload) break;
    PayloadReader r(*payload, where + ": block record " + std::to_string(scan.blocks));
    BlockRecord rec;
    rec.index = r.u64();
    rec.start_bit = r.u64();
    rec.bits = r.u64();
    rec.qber = r.f64();
    rec.leak_ec_bits = r.u64();
    rec.verify_bits = r.u64();
    rec.final_bits = r.u64();
    rec.final_offset = r.u64();
    rec.status = r.u8();
    rec.efficiency = r.f64();
    rec.qber_estimate = r.f64();
    rec.rounds = r.u32();
    const kernels::BitVector key = r.bits(rec.bits);
    const kernels::BitVector seed = r.bits(2 * rec.bits);
    r.finish();
    if (rec.index != scan.blocks || key.size() != rec.final_bits) {
      throw InputError(where + ": block record " + std::to_string(scan.blocks) +
                       " is out of order or inconsistent");
    }
    if (on_block) on_block(rec, key, seed);
    ++scan.blocks;
    scan.valid_bytes += 8 + payload->size() + kHashBytes;
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  scan.dropped_bytes = !ec && size > scan.valid_bytes ? size - scan.valid_bytes : 0;
  return scan;
}

}  // namespace qkdpp::engine::io
