// safetensors.cpp: encoding and strict decoding of the safetensors layout.
#include "real_exec/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace tiersplit::real_exec {

namespace {
// Largest JSON header we accept when decoding [bytes]: plenty for thousands of tensors.
constexpr uint64_t kMaxHeaderBytes = 16u << 20;
}  // namespace

int64_t RawTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

const RawTensor* TensorFile::find(const std::string& name) const {
  for (const auto& [n, t] : tensors) {
    if (n == name) return &t;
  }
  return nullptr;
}

const RawTensor& TensorFile::at(const std::string& name) const {
  const RawTensor* t = find(name);
  if (!t) fail("tensor '", name, "' missing from safetensors document");
  return *t;
}

int64_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, int64_t> sizes{
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"I16", 2}, {"U16", 2}, {"F16", 2}, {"BF16", 2},
      {"I32", 4},  {"U32", 4}, {"F32", 4}, {"I64", 8}, {"U64", 8}, {"F64", 8}};
  auto it = sizes.find(dtype);
  if (it == sizes.end()) fail("unknown safetensors dtype '", dtype, "'");
  return it->second;
}

std::string encode_safetensors(const TensorFile& file) {
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    int64_t expect = t.numel() * dtype_size(t.dtype);
    if (static_cast<int64_t>(t.data.size()) != expect) {
      fail("tensor '", name, "': ", t.data.size(), " bytes of data for ", expect, " expected");
    }
    header[name] = {
        {"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string h = header.dump();
  while (h.size() % 8 != 0) h += ' ';
  std::string out;
  out.reserve(8 + h.size() + offset);
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  out += h;
  for (const auto& [name, t] : file.tensors) out += t.data;
  return out;
}

TensorFile decode_safetensors(const std::string& bytes, const std::string& what) {
  if (bytes.size() < 8) fail(what, ": not safetensors (", bytes.size(), " bytes)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (n > kMaxHeaderBytes || n > bytes.size() - 8) {
    fail(what, ": safetensors header length ", n, " does not fit in ", bytes.size(), " bytes");
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<int64_t>(n));
  } catch (const nlohmann::json::exception& e) {
    fail(what, ": safetensors header is not JSON (", e.what(), ")");
  }
  if (!header.is_object()) fail(what, ": safetensors header is not a JSON object");
  const uint64_t data_start = 8 + n;
  const uint64_t data_size = bytes.size() - data_start;
  TensorFile file;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  try {
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == "__metadata__") {
        for (auto m = it->begin(); m != it->end(); ++m)
          file.metadata[m.key()] = m->get<std::string>();
        continue;
      }
      const auto& e = *it;
      RawTensor t;
      t.dtype = e.at("dtype").get<std::string>();
      t.shape = e.at("shape").get<std::vector<int64_t>>();
      auto off = e.at("data_offsets").get<std::vector<uint64_t>>();
      if (off.size() != 2 || off[0] > off[1] || off[1] > data_size) {
        fail(what, ": tensor '", it.key(), "' has data offsets outside the data");
      }
      int64_t numel = 1;
      for (int64_t d : t.shape) {
        if (d < 0 || (d > 0 && numel > (int64_t{1} << 40) / d))
          fail(what, ": tensor '", it.key(), "' has a bad shape");
        numel *= d;
      }
      if (static_cast<uint64_t>(numel * dtype_size(t.dtype)) != off[1] - off[0]) {
        fail(what, ": tensor '", it.key(), "' shape and dtype do not match its ", off[1] - off[0],
             " bytes");
      }
      t.data.assign(bytes, data_start + off[0], off[1] - off[0]);
      ranges.emplace_back(off[0], off[1]);
      file.tensors.emplace_back(it.key(), std::move(t));
    }
  } catch (const nlohmann::json::exception& e) {
    fail(what, ": malformed safetensors header (", e.what(), ")");
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) fail(what, ": safetensors tensors overlap");
  }
  return file;
}

}  // namespace tiersplit::real_exec
