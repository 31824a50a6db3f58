// tensor_codec.hpp: LibTorch side of the wire format — tensors <-> safetensors, image
// normalisation, seeded model building and weight files.
#pragma once

#include <torch/torch.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "models/block_model.hpp"
#include "real_exec/safetensors.hpp"

namespace tiersplit::real_exec {

/// Copies a raw tensor into a LibTorch tensor (F32, U8, I64, I32, F64, I16, I8, BOOL).
torch::Tensor to_torch(const RawTensor& raw);
/// Copies a CPU tensor (made contiguous) into a raw tensor.
RawTensor from_torch(const torch::Tensor& t);

/// Fashion-MNIST normalisation applied to stored uint8 samples on both tiers:
/// x = (pixel / 255 - kImageMean) / kImageStd, float32, same for the 3 (replicated) channels.
inline constexpr double kImageMean = 0.2860;
inline constexpr double kImageStd = 0.3530;
torch::Tensor normalise_images(const torch::Tensor& u8);

/// A model as both tiers build it: a zoo name, classes, resolution and its weights, given either
/// as "random:SEED" (seeded initialisation: equal on every machine with the same LibTorch) or as
/// a weights file (`weights_file`, safetensors written by save_weights).
struct ModelSpec {
  std::string model;
  int64_t num_classes = 10;
  int64_t resolution = 32;
  std::string weights = "random:1";  ///< "random:SEED" or a name standing for weights_file
  std::string weights_file;          ///< loaded when not empty
};

/// Builds the model (seeded, under a process-wide lock so concurrent builds stay deterministic)
/// and loads weights; tensors whose shape differs (a classifier for other classes) keep their
/// seeded initialisation and are listed in `skipped`.
models::BlockModel make_model(const ModelSpec& spec, std::vector<std::string>* skipped = nullptr);

/// Held while seeding LibTorch's global generator and drawing initial weights from it (models,
/// heads), so that threads of one process each get the weights their seed gives.
std::mutex& random_init_mutex();

/// Seed of "random:SEED"; -1 when `weights` is not of that form.
int64_t random_weights_seed(const std::string& weights);

/// Writes parameters and buffers as safetensors with metadata {model, num_classes, resolution}
/// plus `extra`.
void save_weights(models::BlockModel& model, const std::string& file,
                  const std::map<std::string, std::string>& extra = {});
/// Metadata of a weights file (model, num_classes, resolution, ...).
std::map<std::string, std::string> weights_metadata(const std::string& file);

}  // namespace tiersplit::real_exec
