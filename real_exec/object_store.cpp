// object_store.cpp: the store factory and the plain-directory backend (dir://PATH).
#include "real_exec/object_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tiersplit::real_exec {

namespace fs = std::filesystem;

void check_object_name(const std::string& name) {
  if (name.empty() || name.size() > 1024 || name.front() == '/' || name.back() == '/') {
    fail("invalid object name '", name, "' (non-empty, at most 1024 characters, no leading '/')");
  }
  std::stringstream ss(name);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == "." || part == "..") {
      fail("invalid object name '", name, "' (empty, '.' or '..' path component)");
    }
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == '?' || c == '#') {
      fail("invalid object name '", name, "' (control character, '\\', '?' or '#')");
    }
  }
}

namespace {

class DirStore : public ObjectStore {
 public:
  explicit DirStore(fs::path root) : root_(std::move(root)) {}

  std::string get(const std::string& name) override {
    check_object_name(name);
    fs::path p = root_ / name;
    if (!fs::is_directory(root_)) {
      throw StoreError(StoreError::Kind::kUnavailable,
                       "store dir://" + root_.string() + " does not exist");
    }
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      throw StoreError(StoreError::Kind::kNotFound,
                       "object '" + name + "' not found in dir://" + root_.string());
    }
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
  }

  void put(const std::string& name, const std::string& data) override {
    check_object_name(name);
    fs::path p = root_ / name;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    fs::path tmp = p;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
      if (!out) fail("cannot write object '", name, "' to ", tmp.string(), ": ", strerror(errno));
    }
    fs::rename(tmp, p, ec);
    if (ec) fail("cannot write object '", name, "' to ", p.string(), ": ", ec.message());
  }

  std::vector<std::string> list(const std::string& prefix) override {
    std::vector<std::string> out;
    if (!fs::is_directory(root_)) return out;
    for (auto it = fs::recursive_directory_iterator(root_);
         it != fs::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      std::string rel = fs::relative(it->path(), root_).generic_string();
      if (rel.size() >= 4 && rel.compare(rel.size() - 4, 4, ".tmp") == 0) continue;
      if (rel.compare(0, prefix.size(), prefix) == 0) out.push_back(rel);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string url() const override { return "dir://" + root_.string(); }

 private:
  fs::path root_;
};

}  // namespace

std::unique_ptr<ObjectStore> open_store(const std::string& url) {
  const std::string dir = "dir://", swift = "swift://";
  if (url.rfind(swift, 0) == 0) {
    std::string rest = url.substr(swift.size());
    auto slash = rest.find('/');
    auto colon = rest.find(':');
    if (slash == std::string::npos || colon == std::string::npos || colon > slash ||
        slash + 1 >= rest.size()) {
      fail("store URL '", url, "' must look like swift://HOST:PORT/CONTAINER");
    }
    std::string host = rest.substr(0, colon);
    std::string port_text = rest.substr(colon + 1, slash - colon - 1);
    std::string container = rest.substr(slash + 1);
    if (!container.empty() && container.back() == '/') container.pop_back();
    int port = 0;
    try {
      std::size_t used = 0;
      port = std::stoi(port_text, &used);
      if (used != port_text.size() || port <= 0 || port > 65535) throw std::out_of_range("");
    } catch (const std::exception&) {
      fail("store URL '", url, "': port '", port_text, "' is not a number in 1..65535");
    }
    if (container.find('/') != std::string::npos) {
      fail("store URL '", url, "': container '", container, "' must not contain '/'");
    }
    return open_swift_store(host, port, container);
  }
  if (url.find("://") != std::string::npos && url.rfind(dir, 0) != 0) {
    fail("unknown store URL '", url, "' (use dir://PATH or swift://HOST:PORT/CONTAINER)");
  }
  std::string path = url.rfind(dir, 0) == 0 ? url.substr(dir.size()) : url;
  if (path.empty()) fail("store URL '", url, "' has an empty path");
  return std::make_unique<DirStore>(fs::absolute(path).lexically_normal());
}

}  // namespace tiersplit::real_exec
