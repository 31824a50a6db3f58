// object_store.hpp: reading and writing named objects; backends dir://PATH and swift://HOST:PORT/C.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace tiersplit::real_exec {

/// A store operation failed. `kind` lets servers map it to an HTTP status.
class StoreError : public Error {
 public:
  /// kUnavailable: the store did not answer (refused, reset, 5xx); kTimeout: it accepted the
  /// call but did not finish it in time.
  enum class Kind { kNotFound, kUnavailable, kTimeout, kDenied, kInvalid };
  StoreError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

/// Objects are named by '/'-separated keys ("fashion-mnist/target-train/000003.safetensors").
/// Implementations are safe to call from several threads at once.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  /// Whole object; throws StoreError kNotFound / kUnavailable.
  virtual std::string get(const std::string& name) = 0;
  virtual void put(const std::string& name, const std::string& data) = 0;
  /// Names starting with `prefix`, sorted.
  virtual std::vector<std::string> list(const std::string& prefix) = 0;
  /// The URL this store was opened from (without credentials).
  virtual std::string url() const = 0;
};

/// Opens "dir://PATH" (a directory, created on first put) or "swift://HOST:PORT/CONTAINER"
/// (OpenStack Swift, tempauth at http://HOST:PORT/auth/v1.0; credentials from TIERSPLIT_SWIFT_USER
/// and TIERSPLIT_SWIFT_KEY, default test:tester / testing). A bare path means dir://PATH.
std::unique_ptr<ObjectStore> open_store(const std::string& url);

/// Rejects names that could escape a directory or a container ("..", leading '/', empty parts).
void check_object_name(const std::string& name);

std::unique_ptr<ObjectStore> open_swift_store(const std::string& host, int port,
                                              const std::string& container);

}  // namespace tiersplit::real_exec
