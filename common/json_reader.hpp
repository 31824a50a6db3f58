// json_reader.hpp: strict, path-aware reading of JSON input files (profiles, scenarios, devices).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/units.hpp"

namespace tiersplit {

/// A read-only view of one node of a JSON document that knows its JSON path ("/platform/network")
/// and file. Every accessor throws tiersplit::Error "FILE: /json/path: what is wrong" on bad input.
///
///   JsonView root = load_json_file("scenario.json");
///   JsonView net = root.at("platform").at("network");
///   net.allow_keys({"bandwidth", "latency"});                      // unknown key -> suggestion
///   double bw = net.quantity("bandwidth", Dimension::kBandwidth);  // "1Gbps" -> 1.25e8 B/s
class JsonView {
 public:
  JsonView(std::shared_ptr<const nlohmann::json> doc, const nlohmann::json* node, std::string path,
           std::string file);

  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  const nlohmann::json& raw() const { return *node_; }

  bool is_object() const { return node_->is_object(); }
  bool is_array() const { return node_->is_array(); }
  bool has(const std::string& key) const;
  std::size_t size() const;  ///< elements of an array (fails if not an array)

  JsonView at(const std::string& key) const;  ///< required member
  JsonView at(std::size_t index) const;       ///< array element
  std::optional<JsonView> find(const std::string& key) const;

  /// Fails on any member not in `allowed`, suggesting the closest allowed name.
  void allow_keys(std::initializer_list<const char*> allowed) const;
  void allow_keys(const std::vector<std::string>& allowed) const;

  // Typed members: the one-argument form requires the key, the two-argument form has a default.
  std::string string(const std::string& key) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  double number(const std::string& key) const;
  double number(const std::string& key, double fallback) const;
  int64_t integer(const std::string& key) const;
  int64_t integer(const std::string& key, int64_t fallback) const;
  bool boolean(const std::string& key) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::vector<int64_t> integers(const std::string& key) const;
  std::vector<double> numbers(const std::string& key) const;
  /// A quantity with a unit, written as a string ("1Gbps"); SI base value.
  double quantity(const std::string& key, Dimension d) const;
  double quantity(const std::string& key, Dimension d, double fallback) const;

  // The value of this node itself.
  std::string as_string() const;
  double as_number() const;
  int64_t as_integer() const;
  double as_quantity(Dimension d) const;

  /// Throws "FILE: PATH[/key]: message".
  [[noreturn]] void fail_here(const std::string& message) const;
  [[noreturn]] void fail_at(const std::string& key, const std::string& message) const;

 private:
  std::string child_path(const std::string& key) const;
  std::shared_ptr<const nlohmann::json> doc_;  // keeps the document alive
  const nlohmann::json* node_;
  std::string path_;
  std::string file_;
};

/// Reads and parses a JSON file; a missing file or a syntax error throws with file and position.
JsonView load_json_file(const std::string& file);

/// Parses JSON text; `name` stands in for the file in messages (e.g. "<embedded quickstart>").
JsonView parse_json_text(const std::string& text, const std::string& name);

/// nlohmann's message without its "[json.exception.type_error.302] " prefix, for users.
std::string json_exception_text(const nlohmann::json::exception& e);

/// Rounds every floating-point number in `j` to 9 significant digits: shorter documents, and the
/// same text for one input on any platform that rounds the last bits differently.
void round_numbers(nlohmann::json& j);

/// Writes `j` to `file` atomically (temporary file + rename), pretty-printed; throws on failure.
void write_json_file(const std::string& file, const nlohmann::json& j);

}  // namespace tiersplit
