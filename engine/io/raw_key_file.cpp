// qkdpp-raw HDF5 reader (validating, slice-wise) and writer (chunked, compressed, atomic rename).
#include "engine/io/raw_key_file.hpp"

#include <array>
#include <system_error>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/io/hdf5_support.hpp"

namespace qkdpp::engine::io {

using detail::H5Handle;
using detail::hdf5_error_text;
using kernels::BitVector;

std::string_view to_string(Party party) noexcept {
  return party == Party::kAlice ? "alice" : "bob";
}

namespace {

// Built with append rather than operator+ to dodge GCC 12's false -Wrestrict (PR 105651).
std::string group_name(Party party) {
  std::string name("/");
  name.append(to_string(party));
  return name;
}
std::string dataset_name(Party party) { return group_name(party).append("/key"); }
std::size_t index(Party party) { return party == Party::kAlice ? 0 : 1; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reader

struct RawKeyReader::Impl {
  std::filesystem::path path;
  H5Handle file;
  struct PartyKey {
    H5Handle dataset;
    std::uint64_t bits = 0;
    std::uint64_t bytes = 0;
  };
  std::array<std::optional<PartyKey>, 2> keys;
  mutable std::vector<std::uint8_t> scratch;

  std::string where() const { return path.string(); }
  std::string where(Party p) const { return path.string() + ": " + dataset_name(p); }

  void open_party(Party party);
};

void RawKeyReader::Impl::open_party(Party party) {
  const std::string group = group_name(party);
  const std::string name = dataset_name(party);
  if (H5Lexists(file.get(), group.c_str(), H5P_DEFAULT) <= 0) return;
  if (H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) <= 0) {
    throw InputError(where() + ": group " + group + " exists but has no dataset 'key'");
  }
  H5O_info_t info;
  if (H5Oget_info_by_name2(file.get(), name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0 ||
      info.type != H5O_TYPE_DATASET) {
    throw InputError(where(party) + " is not a dataset");
  }
  PartyKey key;
  key.dataset = H5Handle(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!key.dataset.valid()) throw IoError(where(party) + ": cannot open: " + hdf5_error_text());

  H5Handle type(H5Dget_type(key.dataset.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_INTEGER || H5Tget_size(type.get()) != 1 ||
      H5Tget_sign(type.get()) != H5T_SGN_NONE) {
    throw InputError(where(party) + " has dtype " + detail::describe_dtype(type.get()) +
                     ", expected uint8 (bit-packed bytes)");
  }
  H5Handle space(H5Dget_space(key.dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank != 1) {
    throw InputError(where(party) + " has rank " + std::to_string(rank) +
                     ", expected a 1-D dataset");
  }
  hsize_t dims[1] = {0};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  key.bytes = dims[0];

  const auto bits = detail::read_uint_attribute(key.dataset.get(), "bits", where(party));
  if (!bits) throw InputError(where(party) + " has no attribute 'bits' (the number of valid bits)");
  key.bits = *bits;
  const std::uint64_t needed = key.bits / 8 + (key.bits % 8 != 0 ? 1 : 0);
  if (needed != key.bytes) {
    throw InputError(where(party) + ": attribute bits = " + std::to_string(key.bits) + " needs " +
                     std::to_string(needed) + " bytes but the dataset holds " +
                     std::to_string(key.bytes) + " bytes");
  }
  if (key.bits % 8 != 0) {
    std::uint8_t last = 0;
    hsize_t start[1] = {key.bytes - 1}, count[1] = {1};
    H5Handle fspace(H5Dget_space(key.dataset.get()), H5Sclose);
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    H5Handle mspace(H5Screate_simple(1, count, nullptr), H5Sclose);
    if (H5Dread(key.dataset.get(), H5T_NATIVE_UINT8, mspace.get(), fspace.get(), H5P_DEFAULT,
                &last) < 0) {
      throw IoError(where(party) + ": cannot read the last byte: " + hdf5_error_text());
    }
    if ((last >> (key.bits % 8)) != 0) {
      throw InputError(where(party) + ": unused high bits of the last byte are not zero (bits = " +
                       std::to_string(key.bits) +
                       "); the key is not packed as SPEC section 1 requires");
    }
  }
  keys[index(party)] = std::move(key);
}

RawKeyReader::RawKeyReader(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  std::lock_guard lock(detail::hdf5_mutex());
  detail::silence_hdf5_errors();
  impl_->path = path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path.string() + ": no such file");
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path.string() + ": is a directory, expected an HDF5 file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path.string() + ": not an HDF5 file (or unreadable/truncated)");
  }
  impl_->file = H5Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!impl_->file.valid()) {
    throw InputError(path.string() +
                     ": cannot open as HDF5 (damaged or truncated?): " + hdf5_error_text());
  }
  const hid_t root = impl_->file.get();
  const auto format = detail::read_string_attribute(root, "format", impl_->where());
  if (!format)
    throw InputError(impl_->where() +
                     ": root attribute 'format' is missing (expected \"qkdpp-raw\")");
  if (*format != kRawFormatName) {
    throw InputError(impl_->where() + ": root attribute format = \"" + *format +
                     "\", expected \"qkdpp-raw\"");
  }
  const auto version = detail::read_uint_attribute(root, "version", impl_->where());
  if (!version)
    throw InputError(impl_->where() + ": root attribute 'version' is missing (expected 1)");
  if (*version != kRawFormatVersion) {
    throw InputError(impl_->where() + ": qkdpp-raw version " + std::to_string(*version) +
                     " is not supported (this build reads version 1)");
  }
  impl_->open_party(Party::kAlice);
  impl_->open_party(Party::kBob);
  const auto& a = impl_->keys[0];
  const auto& b = impl_->keys[1];
  if (!a && !b) throw InputError(impl_->where() + ": neither /alice/key nor /bob/key is present");
  if (a && b && a->bits != b->bits) {
    throw InputError(impl_->where() + ": Alice's key has " + std::to_string(a->bits) +
                     " bits but Bob's has " + std::to_string(b->bits) +
                     " bits; the keys must have equal length");
  }
}

RawKeyReader::~RawKeyReader() {
  if (impl_) {
    std::lock_guard lock(detail::hdf5_mutex());
    impl_.reset();
  }
}
RawKeyReader::RawKeyReader(RawKeyReader&&) noexcept = default;
RawKeyReader& RawKeyReader::operator=(RawKeyReader&&) noexcept = default;

const std::filesystem::path& RawKeyReader::path() const noexcept { return impl_->path; }
bool RawKeyReader::has(Party party) const noexcept { return impl_->keys[index(party)].has_value(); }

std::uint64_t RawKeyReader::bits(Party party) const {
  const auto& key = impl_->keys[index(party)];
  if (!key) throw InputError(impl_->where() + ": has no " + dataset_name(party));
  return key->bits;
}

BitVector RawKeyReader::read(Party party, std::uint64_t start_bit, std::uint64_t bits) const {
  const auto& key = impl_->keys[index(party)];
  if (!key) throw InputError(impl_->where() + ": has no " + dataset_name(party));
  if (start_bit > key->bits || bits > key->bits - start_bit) {
    throw InputError(impl_->where(party) + ": requested bits [" + std::to_string(start_bit) + ", " +
                     std::to_string(start_bit + bits) + ") but the key has " +
                     std::to_string(key->bits) + " bits");
  }
  if (bits == 0) return BitVector();
  const std::uint64_t first_byte = start_bit / 8;
  const std::uint64_t last_byte = (start_bit + bits - 1) / 8;
  const std::uint64_t nbytes = last_byte - first_byte + 1;

  std::lock_guard lock(detail::hdf5_mutex());
  auto& buf = impl_->scratch;
  buf.resize(nbytes);
  hsize_t start[1] = {first_byte}, count[1] = {nbytes};
  H5Handle fspace(H5Dget_space(key->dataset.get()), H5Sclose);
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
  H5Handle mspace(H5Screate_simple(1, count, nullptr), H5Sclose);
  if (H5Dread(key->dataset.get(), H5T_NATIVE_UINT8, mspace.get(), fspace.get(), H5P_DEFAULT,
              buf.data()) < 0) {
    throw IoError(impl_->where(party) + ": cannot read bytes [" + std::to_string(first_byte) +
                  ", " + std::to_string(last_byte + 1) + "): " + hdf5_error_text());
  }
  const std::uint64_t shift = start_bit % 8;
  if (shift == 0) return BitVector::from_bytes(buf, bits);
  return BitVector::from_bytes(buf, nbytes * 8).slice(shift, bits);
}

std::optional<std::string> RawKeyReader::string_attribute(const std::string& name) const {
  std::lock_guard lock(detail::hdf5_mutex());
  return detail::read_string_attribute(impl_->file.get(), name.c_str(), impl_->where());
}

std::optional<double> RawKeyReader::number_attribute(const std::string& name) const {
  std::lock_guard lock(detail::hdf5_mutex());
  return detail::read_double_attribute(impl_->file.get(), name.c_str(), impl_->where());
}

RawKeySliceStream::RawKeySliceStream(const RawKeyReader& reader, Party party,
                                     std::uint64_t slice_bits)
    : reader_(reader), party_(party), slice_bits_(slice_bits), total_bits_(reader.bits(party)) {
  if (slice_bits == 0)
    throw std::invalid_argument("RawKeySliceStream: slice_bits must be positive");
}

bool RawKeySliceStream::next(BitVector& out) {
  if (position_ >= total_bits_) {
    out.clear();
    return false;
  }
  const std::uint64_t n = std::min(slice_bits_, total_bits_ - position_);
  out = reader_.read(party_, position_, n);
  position_ += n;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Writer

struct RawKeyWriter::Impl {
  std::filesystem::path path;
  std::filesystem::path partial;
  RawKeyWriteOptions options;
  H5Handle file;
  std::array<std::optional<detail::PackedBitAppender>, 2> keys;
  bool committed = false;

  void discard() noexcept;
};

void RawKeyWriter::Impl::discard() noexcept {
  for (auto& k : keys) k.reset();
  file.reset();
  std::error_code ec;
  std::filesystem::remove(partial, ec);
}

RawKeyWriter::RawKeyWriter(std::filesystem::path path, RawKeyWriteOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!options.alice && !options.bob)
    throw std::invalid_argument("RawKeyWriter: no party selected");
  if (options.chunk_bytes == 0)
    throw std::invalid_argument("RawKeyWriter: chunk_bytes must be positive");
  if (options.deflate_level < 0 || options.deflate_level > 9) {
    throw InputError("compression level " + std::to_string(options.deflate_level) +
                     " is outside 0..9");
  }
  std::lock_guard lock(detail::hdf5_mutex());
  detail::silence_hdf5_errors();
  impl_->path = std::move(path);
  impl_->partial = detail::partial_path(impl_->path);
  impl_->options = options;
  impl_->file = detail::create_partial_file(impl_->partial);
  for (Party party : {Party::kAlice, Party::kBob}) {
    if ((party == Party::kAlice && !options.alice) || (party == Party::kBob && !options.bob))
      continue;
    const std::string group = group_name(party);
    H5Handle g(H5Gcreate2(impl_->file.get(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               H5Gclose);
    try {
      if (!g.valid()) {
        throw IoError(impl_->partial.string() + ": cannot create " + group + ": " +
                      hdf5_error_text());
      }
      impl_->keys[index(party)].emplace(g.get(), "key", options.chunk_bytes, options.deflate_level,
                                        impl_->partial.string() + ": " + group);
    } catch (...) {
      impl_->discard();
      throw;
    }
  }
}

RawKeyWriter::~RawKeyWriter() {
  if (impl_ && !impl_->committed) {
    std::lock_guard lock(detail::hdf5_mutex());
    impl_->discard();
  }
}

void RawKeyWriter::append(Party party, const BitVector& bits) {
  auto& key = impl_->keys[index(party)];
  if (!key)
    throw std::logic_error("RawKeyWriter::append: party " + std::string(to_string(party)) +
                           " was not opened");
  if (impl_->committed) throw std::logic_error("RawKeyWriter::append after commit");
  key->append(bits);
}

void RawKeyWriter::set_attribute(const std::string& name, const std::string& value) {
  detail::write_attribute_locked(impl_->file.get(), name, value);
}
void RawKeyWriter::set_attribute(const std::string& name, double value) {
  detail::write_attribute_locked(impl_->file.get(), name, value);
}
void RawKeyWriter::set_attribute(const std::string& name, std::uint64_t value) {
  detail::write_attribute_locked(impl_->file.get(), name, value);
}

void RawKeyWriter::commit() {
  if (impl_->committed) return;
  std::lock_guard lock(detail::hdf5_mutex());
  try {
    for (Party party : {Party::kAlice, Party::kBob}) {
      auto& key = impl_->keys[index(party)];
      if (key) key->finish();
    }
    detail::write_string_attribute(impl_->file.get(), "format", std::string(kRawFormatName));
    detail::write_uint_attribute(impl_->file.get(), "version", kRawFormatVersion);
    for (auto& key : impl_->keys) {
      if (key && !key->close())
        throw IoError(impl_->partial.string() + ": error closing dataset: " + hdf5_error_text());
    }
    detail::close_and_rename(impl_->file, impl_->partial, impl_->path);
    impl_->committed = true;
  } catch (...) {
    impl_->discard();
    impl_->committed = true;  // nothing left to clean up
    throw;
  }
}

std::uint64_t RawKeyWriter::bits_written(Party party) const noexcept {
  const auto& key = impl_->keys[index(party)];
  return key ? key->bits() : 0;
}

const std::filesystem::path& RawKeyWriter::partial_path() const noexcept { return impl_->partial; }

}  // namespace qkdpp::engine::io
