// train_checkpoint.cpp: the trainer's checkpoint, written after iterations and read by --resume.
#include "real_exec/train_checkpoint.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>

#include "common/error.hpp"

namespace tiersplit::real_exec {

namespace {

constexpr const char* kFormat = "tiersplit-train-checkpoint/1";

std::vector<torch::Tensor> trainable(models::BlockModel& model, int64_t freeze) {
  std::vector<torch::Tensor> out;
  for (int64_t i = freeze; i < model->size(); ++i)
    for (auto& p : model->block(i).parameters()) out.push_back(p);
  return out;
}

torch::Tensor text_tensor(const std::string& text) {
  return torch::from_blob(const_cast<char*>(text.data()), {static_cast<int64_t>(text.size())},
                          torch::kUInt8)
      .clone();
}

std::string tensor_text(const torch::Tensor& t) {
  auto c = t.contiguous();
  return std::string(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()),
                     static_cast<std::size_t>(c.numel()));
}

at::Generator cpu_generator() {
  return at::detail::getDefaultCPUGenerator();
}

/// The first key whose value differs between the checkpoint's job and this one, or "".
std::string first_difference(const nlohmann::json& saved, const nlohmann::json& now) {
  for (const auto& [k, v] : now.items())
    if (!saved.contains(k) || saved[k] != v) return k;
  return "";
}

}  // namespace

void save_checkpoint(const std::string& file, models::BlockModel& model, int64_t freeze,
                     torch::optim::Optimizer& optimizer, const TrainProgress& progress) {
  torch::serialize::OutputArchive archive;
  auto params = trainable(model, freeze);
  for (std::size_t i = 0; i < params.size(); ++i)
    archive.write("param/" + std::to_string(i), params[i].detach());
  torch::serialize::OutputArchive opt;
  optimizer.save(opt);
  archive.write("optimizer", opt);
  archive.write("rng", cpu_generator().get_state());
  nlohmann::json meta = {{"format", kFormat},
                         {"job", progress.job},
                         {"next_iteration", progress.next_iteration},
                         {"iterations", progress.iterations},
                         {"seen", progress.seen}};
  archive.write("meta", text_tensor(meta.dump()));
  const std::string tmp = file + ".tmp";
  try {
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    std::filesystem::remove(tmp);
    fail("cannot write checkpoint ", file, ": ", e.what_without_backtrace());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) fail("cannot write checkpoint ", file, ": ", ec.message());
}

TrainProgress load_checkpoint(const std::string& file, models::BlockModel& model, int64_t freeze,
                              torch::optim::Optimizer& optimizer, const nlohmann::json& job) {
  if (!std::filesystem::exists(file)) fail("--resume: no checkpoint ", file);
  torch::serialize::InputArchive archive;
  nlohmann::json meta;
  try {
    archive.load_from(file);
    torch::Tensor t;
    archive.read("meta", t);
    meta = nlohmann::json::parse(tensor_text(t));
  } catch (const std::exception&) {
    fail("--resume: ", file, " is not a tiersplit trainer checkpoint (unreadable)");
  }
  if (meta.value("format", "") != kFormat) fail("--resume: ", file, " is not a checkpoint");
  if (std::string k = first_difference(meta["job"], job); !k.empty()) {
    fail("--resume: ", file, " was written for another job (", k, " was ",
         meta["job"].value(k, nlohmann::json()).dump(), ", now ", job[k].dump(), ")");
  }
  torch::NoGradGuard no_grad;
  auto params = trainable(model, freeze);
  for (std::size_t i = 0; i < params.size(); ++i) {
    torch::Tensor saved;
    archive.read("param/" + std::to_string(i), saved);
    params[i].copy_(saved);
  }
  torch::serialize::InputArchive opt;
  archive.read("optimizer", opt);
  optimizer.load(opt);
  torch::Tensor rng;
  archive.read("rng", rng);
  cpu_generator().set_state(rng);
  TrainProgress p;
  p.job = meta["job"];
  p.next_iteration = meta["next_iteration"].get<int64_t>();
  p.iterations = meta["iterations"];
  p.seen = meta["seen"].get<std::vector<std::vector<int64_t>>>();
  return p;
}

}  // namespace tiersplit::real_exec
