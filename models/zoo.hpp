// zoo.hpp: the registry of zoo models (name -> builder, default freeze index, valid resolutions).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "models/block_model.hpp"

namespace tiersplit::models {

/// One zoo entry. Builders create randomly initialised models with torchvision's architecture.
struct ZooEntry {
  std::string name;             ///< "resnet50"
  std::string description;      ///< "ResNet-50 (He et al. 2016), torchvision layout"
  int64_t min_resolution;       ///< smallest input side the architecture accepts
  int64_t resolution_multiple;  ///< input side must be a multiple of this (16 for ViT-B/16)
  std::function<BlockModel(const ModelOptions&)> build;
};

/// All zoo models, in listing order.
const std::vector<ZooEntry>& zoo();
std::vector<std::string> zoo_names();

/// The entry named `name`; an unknown name throws tiersplit::Error with a suggestion.
const ZooEntry& find_model(const std::string& name);

/// Checks options (classes >= 1, resolution valid for the model) and builds the model.
BlockModel build_model(const std::string& name, const ModelOptions& options = {});

// Builders, one per file (models/<family>.cpp).
BlockModel build_alexnet(const ModelOptions& o);
BlockModel build_vgg11(const ModelOptions& o);
BlockModel build_vgg16(const ModelOptions& o);
BlockModel build_vgg19(const ModelOptions& o);
BlockModel build_resnet18(const ModelOptions& o);
BlockModel build_resnet50(const ModelOptions& o);
BlockModel build_densenet121(const ModelOptions& o);
BlockModel build_mobilenet_v2(const ModelOptions& o);
BlockModel build_vit_b16(const ModelOptions& o);

}  // namespace tiersplit::models
