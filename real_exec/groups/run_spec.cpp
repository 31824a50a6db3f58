// run_spec.cpp: the run spec's JSON and the configuration syntax (see run_spec.hpp).
#include "real_exec/groups/run_spec.hpp"

#include <sstream>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "groups/scenario.hpp"

namespace tiersplit::real_exec::groups {

namespace {

using tiersplit::groups::HeadKind;

template <typename E, std::size_t N>
E named(const std::string& name, const E (&values)[N], const char* what) {
  std::string why;
  if (auto e = tiersplit::groups::named_value(name, values, &why)) return *e;
  fail(what, " ", why);
}

double number_in(const std::string& text, const std::string& what) {
  try {
    std::size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size() && v >= 0 && v < 1e9) return v;
  } catch (const std::exception&) {
  }
  fail(what, " '", text, "' is not a number >= 0");
}

}  // namespace

Strategy parse_strategy(const std::string& name) {
  return named(name, tiersplit::groups::kStrategies, "strategy");
}
Extraction parse_extraction(const std::string& name) {
  return named(name, tiersplit::groups::kExtractions, "extraction");
}
Placement parse_placement(const std::string& name) {
  return named(name, tiersplit::groups::kPlacements, "placement");
}

std::string head_label(const HeadConfig& c) {
  std::ostringstream s;
  s << (c.kind == HeadKind::kLinear ? std::string("linear") : "mlp-" + std::to_string(c.hidden))
    << "/lr=" << c.learning_rate << "/wd=" << c.weight_decay << "/e" << c.epochs;
  return s.str();
}

HeadConfig parse_head_config(const std::string& text) {
  HeadConfig c;
  const auto colon = text.find(':');
  const std::string head = text.substr(0, colon);
  if (head == "linear") {
    c.kind = HeadKind::kLinear;
  } else if (head.rfind("mlp-", 0) == 0) {
    c.kind = HeadKind::kMlp;
    c.hidden =
        parse_whole_number(head.substr(4), 1, 1 << 16, "configuration '" + text + "': mlp width");
  } else {
    fail("configuration '", text, "': head '", head, "' is not linear or mlp-WIDTH");
  }
  std::stringstream rest(colon == std::string::npos ? "" : text.substr(colon + 1));
  for (std::string item; std::getline(rest, item, ',');) {
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq),
                      value = eq == std::string::npos ? "" : item.substr(eq + 1);
    const std::string what = "configuration '" + text + "': " + key;
    if (key == "lr") {
      c.learning_rate = number_in(value, what);
      if (!(c.learning_rate > 0)) fail(what, " must be positive");
    } else if (key == "wd") {
      c.weight_decay = number_in(value, what);
    } else if (key == "e") {
      c.epochs = parse_whole_number(value, 1, 10000, what);
    } else {
      fail("configuration '", text, "': '", item, "' is not lr=, wd= or e=");
    }
  }
  c.label = head_label(c);
  return c;
}

RunSpec run_spec_from_scenario(const std::string& file, RunSpec base, int* workers) {
  const tiersplit::groups::GroupsScenario sc = tiersplit::groups::load_groups_scenario(file);
  const auto& w = sc.workload;
  base.model = w.model;
  base.freeze = w.freeze_index;
  base.batch = w.batch_size;
  base.configs.clear();
  for (std::size_t i = 0; i < w.configs.size(); ++i) {
    const auto& g = w.configs[i];
    const std::string where = file + ": configuration " + std::to_string(i) + " (" + g.label + ")";
    if (g.optimizer.name != "sgd")
      fail(where, ": optimizer '", g.optimizer.name, "' does not run for real (sgd does)");
    HeadConfig h;
    h.kind = g.head.kind;
    h.hidden = g.head.hidden;
    h.learning_rate = number_in(g.learning_rate, where + ": learning rate");
    h.weight_decay =
        g.weight_decay.empty() ? 0 : number_in(g.weight_decay, where + ": weight decay");
    h.epochs = g.epochs;
    h.label = head_label(h);
    base.configs.push_back(h);
  }
  if (workers) *workers = static_cast<int>(sc.platform.compute.nodes);
  return base;
}

nlohmann::json to_json(const RunSpec& s) {
  nlohmann::json configs = nlohmann::json::array();
  for (const auto& c : s.configs) {
    configs.push_back({{"head", tiersplit::groups::to_string(c.kind)},
                       {"hidden", c.hidden},
                       {"learning_rate", c.learning_rate},
                       {"weight_decay", c.weight_decay},
                       {"epochs", c.epochs},
                       {"label", c.label}});
  }
  return {{"format", "tiersplit-groups-run/1"},
          {"server", s.server},
          {"dataset", s.dataset},
          {"model", s.model},
          {"weights", s.weights},
          {"weights_file", s.weights_file},
          {"split", s.split},
          {"freeze", s.freeze},
          {"storage_batch", s.storage_batch},
          {"batch", s.batch},
          {"prefetch", s.prefetch},
          {"strategy", tiersplit::groups::to_string(s.strategy)},
          {"extraction", tiersplit::groups::to_string(s.extraction)},
          {"placement", tiersplit::groups::to_string(s.placement)},
          {"configurations", configs},
          {"seed", s.seed},
          {"collective_timeout_s", s.collective_timeout_s},
          {"retry_timeout_s", s.retry_timeout_s},
          {"evaluation", s.evaluation},
          {"cache", s.cache},
          {"cache_dir", s.cache_dir}};
}

RunSpec run_spec_from_json(const nlohmann::json& j, const std::string& file) {
  JsonView root = parse_json_text(j.dump(), file);
  if (root.string("format") != "tiersplit-groups-run/1")
    fail(file, ": /format is not tiersplit-groups-run/1");
  RunSpec s;
  s.server = root.string("server");
  s.dataset = root.string("dataset");
  s.model = root.string("model");
  s.weights = root.string("weights", s.weights);
  s.weights_file = root.string("weights_file", "");
  s.split = root.integer("split");
  s.freeze = root.integer("freeze", -1);
  s.storage_batch = root.integer("storage_batch");
  s.batch = root.integer("batch");
  s.prefetch = root.integer("prefetch", s.prefetch);
  s.strategy = parse_strategy(root.string("strategy"));
  s.extraction = parse_extraction(root.string("extraction"));
  s.placement = parse_placement(root.string("placement"));
  s.seed = static_cast<uint64_t>(root.integer("seed", 1));
  s.collective_timeout_s = root.number("collective_timeout_s", s.collective_timeout_s);
  s.retry_timeout_s = root.number("retry_timeout_s", s.retry_timeout_s);
  s.evaluation = root.string("evaluation", s.evaluation);
  s.cache = root.string("cache", s.cache);
  if (s.cache != "memory" && s.cache != "disk")
    root.at("cache").fail_here("'" + s.cache + "' is not memory or disk");
  s.cache_dir = root.string("cache_dir", "");
  if (s.evaluation != "every-epoch" && s.evaluation != "end")
    root.at("evaluation").fail_here("'" + s.evaluation + "' is not every-epoch or end");
  JsonView configs = root.at("configurations");
  for (std::size_t i = 0; i < configs.size(); ++i) {
    JsonView c = configs.at(i);
    HeadConfig h;
    const std::string head = c.string("head");
    if (head != "linear" && head != "mlp")
      c.at("head").fail_here("'" + head + "' is not linear or mlp");
    h.kind = head == "linear" ? HeadKind::kLinear : HeadKind::kMlp;
    h.hidden = c.integer("hidden", 0);
    h.learning_rate = c.number("learning_rate");
    h.weight_decay = c.number("weight_decay", 0);
    h.epochs = c.integer("epochs");
    h.label = head_label(h);
    s.configs.push_back(h);
  }
  if (s.configs.empty()) fail(file, ": /configurations is empty");
  if (s.batch < 1) fail(file, ": /batch must be at least 1");
  return s;
}

}  // namespace tiersplit::real_exec::groups
