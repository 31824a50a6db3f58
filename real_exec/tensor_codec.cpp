// tensor_codec.cpp: tensors <-> safetensors, normalisation, seeded models and weight files.
#include "real_exec/tensor_codec.hpp"

#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/error.hpp"
#include "models/zoo.hpp"

namespace tiersplit::real_exec {

namespace {

torch::Dtype torch_dtype(const std::string& d) {
  if (d == "F32") return torch::kFloat32;
  if (d == "U8") return torch::kUInt8;
  if (d == "I64") return torch::kInt64;
  if (d == "I32") return torch::kInt32;
  if (d == "F64") return torch::kFloat64;
  if (d == "I16") return torch::kInt16;
  if (d == "I8") return torch::kInt8;
  if (d == "BOOL") return torch::kBool;
  if (d == "F16") return torch::kFloat16;
  fail("safetensors dtype '", d, "' is not supported here");
}

std::string dtype_name(torch::Dtype d) {
  switch (d) {
    case torch::kFloat32:
      return "F32";
    case torch::kUInt8:
      return "U8";
    case torch::kInt64:
      return "I64";
    case torch::kInt32:
      return "I32";
    case torch::kFloat64:
      return "F64";
    case torch::kInt16:
      return "I16";
    case torch::kInt8:
      return "I8";
    case torch::kBool:
      return "BOOL";
    case torch::kFloat16:
      return "F16";
    default:
      fail("tensor dtype ", c10::toString(d), " cannot be written as safetensors");
  }
}

std::string read_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("cannot read weights file ", file);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

torch::Tensor to_torch(const RawTensor& raw) {
  auto t = torch::empty(raw.shape, torch::TensorOptions().dtype(torch_dtype(raw.dtype)));
  if (raw.data.size() != t.nbytes()) fail("raw tensor has the wrong size");
  std::memcpy(t.data_ptr(), raw.data.data(), raw.data.size());
  return t;
}

RawTensor from_torch(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  RawTensor r;
  r.dtype = dtype_name(c.scalar_type());
  r.shape = c.sizes().vec();
  r.data.assign(static_cast<const char*>(c.data_ptr()), c.nbytes());
  return r;
}

torch::Tensor normalise_images(const torch::Tensor& u8) {
  return (u8.to(torch::kFloat32).div_(255.0).sub_(kImageMean)).div_(kImageStd);
}

std::mutex& random_init_mutex() {
  static std::mutex m;
  return m;
}

int64_t random_weights_seed(const std::string& weights) {
  const std::string p = "random:";
  if (weights.rfind(p, 0) != 0) return -1;
  try {
    std::size_t used = 0;
    int64_t seed = std::stoll(weights.substr(p.size()), &used);
    if (used != weights.size() - p.size() || seed < 0) return -1;
    return seed;
  } catch (const std::exception&) {
    return -1;
  }
}

models::BlockModel make_model(const ModelSpec& spec, std::vector<std::string>* skipped) {
  int64_t seed = random_weights_seed(spec.weights);
  if (seed < 0 && spec.weights_file.empty()) {
    fail("weights '", spec.weights, "' are neither random:SEED nor a weights file");
  }
  models::BlockModel m{nullptr};
  {
    std::lock_guard<std::mutex> lock(random_init_mutex());
    torch::manual_seed(seed < 0 ? 0 : static_cast<uint64_t>(seed));
    m = models::build_model(spec.model, {spec.num_classes, spec.resolution});
  }
  if (spec.weights_file.empty()) return m;
  TensorFile f = decode_safetensors(read_file(spec.weights_file), spec.weights_file);
  auto meta_model = f.metadata.find("model");
  if (meta_model != f.metadata.end() && meta_model->second != spec.model) {
    fail("weights file ", spec.weights_file, " holds ", meta_model->second, ", not ", spec.model);
  }
  torch::NoGradGuard no_grad;
  int64_t loaded = 0;
  auto load = [&](const std::string& name, torch::Tensor& target) {
    const RawTensor* raw = f.find(name);
    if (!raw) {
      if (skipped) skipped->push_back(name + " (absent)");
      return;
    }
    torch::Tensor src = to_torch(*raw);
    if (src.sizes() != target.sizes()) {
      if (skipped) skipped->push_back(name);
      return;
    }
    target.copy_(src);
    ++loaded;
  };
  for (auto& p : m->named_parameters()) load(p.key(), p.value());
  for (auto& b : m->named_buffers()) load(b.key(), b.value());
  if (loaded == 0) fail("weights file ", spec.weights_file, " matches no tensor of ", spec.model);
  return m;
}

void save_weights(models::BlockModel& model, const std::string& file,
                  const std::map<std::string, std::string>& extra) {
  TensorFile f;
  f.metadata = extra;
  f.metadata["format"] = "tiersplit-weights/1";
  f.metadata["model"] = model->name();
  f.metadata["num_classes"] = std::to_string(model->options().num_classes);
  f.metadata["resolution"] = std::to_string(model->options().resolution);
  for (const auto& p : model->named_parameters()) f.add(p.key(), from_torch(p.value()));
  for (const auto& b : model->named_buffers()) f.add(b.key(), from_torch(b.value()));
  std::string bytes = encode_safetensors(f);
  std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) fail("cannot write weights file ", tmp);
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) fail("cannot write weights file ", file);
}

std::map<std::string, std::string> weights_metadata(const std::string& file) {
  return decode_safetensors(read_file(file), file).metadata;
}

}  // namespace tiersplit::real_exec
