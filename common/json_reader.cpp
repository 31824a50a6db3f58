// json_reader.cpp: strict, path-aware JSON reading.
#include "common/json_reader.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/file_output.hpp"
#include "common/strings.hpp"

namespace tiersplit {

using nlohmann::json;

namespace {
const char* type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    default:
      return "a value";
  }
}
}  // namespace

JsonView::JsonView(std::shared_ptr<const json> doc, const json* node, std::string path,
                   std::string file)
    : doc_(std::move(doc)), node_(node), path_(std::move(path)), file_(std::move(file)) {}

std::string JsonView::child_path(const std::string& key) const {
  // JSON pointer escaping: ~ -> ~0, / -> ~1
  std::string esc;
  for (char c : key) {
    if (c == '~')
      esc += "~0";
    else if (c == '/')
      esc += "~1";
    else
      esc += c;
  }
  return path_ + "/" + esc;
}

void JsonView::fail_here(const std::string& message) const {
  fail(file_, ": ", path_.empty() ? "/" : path_, ": ", message);
}

void JsonView::fail_at(const std::string& key, const std::string& message) const {
  fail(file_, ": ", child_path(key), ": ", message);
}

bool JsonView::has(const std::string& key) const {
  return node_->is_object() && node_->contains(key);
}

std::size_t JsonView::size() const {
  if (!node_->is_array()) fail_here(std::string("expected an array, found ") + type_name(*node_));
  return node_->size();
}

JsonView JsonView::at(const std::string& key) const {
  if (!node_->is_object()) fail_here(std::string("expected an object, found ") + type_name(*node_));
  auto it = node_->find(key);
  if (it == node_->end()) fail_at(key, "missing required field");
  return JsonView(doc_, &*it, child_path(key), file_);
}

JsonView JsonView::at(std::size_t index) const {
  if (!node_->is_array()) fail_here(std::string("expected an array, found ") + type_name(*node_));
  if (index >= node_->size()) {
    fail_here("index " + std::to_string(index) + " out of range (" + std::to_string(node_->size()) +
              " elements)");
  }
  return JsonView(doc_, &(*node_)[index], path_ + "/" + std::to_string(index), file_);
}

std::optional<JsonView> JsonView::find(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return at(key);
}

void JsonView::allow_keys(std::initializer_list<const char*> allowed) const {
  allow_keys(std::vector<std::string>(allowed.begin(), allowed.end()));
}

void JsonView::allow_keys(const std::vector<std::string>& allowed) const {
  if (!node_->is_object()) fail_here(std::string("expected an object, found ") + type_name(*node_));
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == it.key();
    if (!ok) fail_at(it.key(), "unknown field" + did_you_mean(it.key(), allowed));
  }
}

std::string JsonView::as_string() const {
  if (!node_->is_string()) fail_here(std::string("expected a string, found ") + type_name(*node_));
  return node_->get<std::string>();
}

double JsonView::as_number() const {
  if (!node_->is_number()) fail_here(std::string("expected a number, found ") + type_name(*node_));
  double v = node_->get<double>();
  if (!std::isfinite(v)) fail_here("expected a finite number");
  return v;
}

int64_t JsonView::as_integer() const {
  if (node_->is_number_integer() || node_->is_number_unsigned()) return node_->get<int64_t>();
  if (node_->is_number_float()) {
    double v = node_->get<double>();
    if (std::floor(v) == v && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
  }
  fail_here(std::string("expected an integer, found ") + type_name(*node_));
}

double JsonView::as_quantity(Dimension d) const {
  if (node_->is_number()) {
    std::ostringstream os;
    os << node_->get<double>();
    fail_here("'" + os.str() + "' has no unit; write the " + dimension_name(d) +
              " as a string with a unit");
  }
  std::string text = as_string();
  try {
    return parse_quantity(text, d);
  } catch (const Error& e) {
    fail_here(e.what());
  }
}

std::string JsonView::string(const std::string& key) const {
  return at(key).as_string();
}
std::string JsonView::string(const std::string& key, const std::string& fallback) const {
  return has(key) ? at(key).as_string() : fallback;
}
double JsonView::number(const std::string& key) const {
  return at(key).as_number();
}
double JsonView::number(const std::string& key, double fallback) const {
  return has(key) ? at(key).as_number() : fallback;
}
int64_t JsonView::integer(const std::string& key) const {
  return at(key).as_integer();
}
int64_t JsonView::integer(const std::string& key, int64_t fallback) const {
  return has(key) ? at(key).as_integer() : fallback;
}
bool JsonView::boolean(const std::string& key) const {
  JsonView v = at(key);
  if (!v.raw().is_boolean())
    v.fail_here(std::string("expected true or false, found ") + type_name(v.raw()));
  return v.raw().get<bool>();
}
bool JsonView::boolean(const std::string& key, bool fallback) const {
  return has(key) ? boolean(key) : fallback;
}
std::vector<int64_t> JsonView::integers(const std::string& key) const {
  JsonView arr = at(key);
  std::vector<int64_t> out;
  for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(arr.at(i).as_integer());
  return out;
}
std::vector<double> JsonView::numbers(const std::string& key) const {
  JsonView arr = at(key);
  std::vector<double> out;
  for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(arr.at(i).as_number());
  return out;
}
double JsonView::quantity(const std::string& key, Dimension d) const {
  return at(key).as_quantity(d);
}
double JsonView::quantity(const std::string& key, Dimension d, double fallback) const {
  return has(key) ? at(key).as_quantity(d) : fallback;
}

std::string json_exception_text(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (what.rfind("[json.exception.", 0) == 0) {
    auto close = what.find("] ");
    if (close != std::string::npos) what = what.substr(close + 2);
  }
  return what;
}

JsonView parse_json_text(const std::string& text, const std::string& name) {
  auto doc = std::make_shared<json>();
  try {
    *doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into line:column.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    auto pos = what.find("syntax error");
    fail(name, ":", line, ":", col,
         ": malformed JSON: ", pos == std::string::npos ? what : what.substr(pos));
  } catch (const json::exception& e) {  // e.g. a number beyond double's range (out_of_range.406)
    fail(name, ": malformed JSON: ", json_exception_text(e));
  }
  const json* root = doc.get();
  return JsonView(std::move(doc), root, "", name);
}

JsonView load_json_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_json_text(ss.str(), file);
}

void round_numbers(json& j) {
  if (j.is_number_float()) {
    const double v = j.get<double>();
    if (!std::isfinite(v) || v == 0) return;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    j = std::stod(buf);
  } else if (j.is_structured()) {
    for (auto& x : j) round_numbers(x);
  }
}

void write_json_file(const std::string& file, const json& j) {
  write_file_whole(file, [&](std::ostream& out) { out << j.dump(2) << "\n"; });
}

}  // namespace tiersplit
