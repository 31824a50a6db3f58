// request_objects.cpp: the objects a pushdown request names, read from the store and checked.
#include "real_exec/request_objects.hpp"

#include <chrono>

#include "common/error.hpp"
#include "common/stopwatch.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/pushdown_routes.hpp"

namespace tiersplit::real_exec {

namespace {

using Clock = tiersplit::SteadyClock;
HttpError store_failure(const StoreError& e) {
  switch (e.kind()) {
    case StoreError::Kind::kNotFound:
      return {404, e.what()};
    case StoreError::Kind::kUnavailable:
      return {503, e.what(), 1.0};
    case StoreError::Kind::kTimeout:
      return {504, e.what(), 1.0};
    default:
      return {502, e.what()};
  }
}

std::string read_object(ObjectStore& store, const std::string& name) {
  try {
    check_object_name(name);
    return store.get(name);
  } catch (const StoreError& e) {
    throw store_failure(e);
  } catch (const Error& e) {
    throw HttpError{400, e.what()};
  }
}

void check_resolution(const SampleObject& o, const std::string& name, int64_t resolution) {
  if (o.height == resolution && o.width == resolution && o.channels == 3) return;
  throw HttpError{400, "object '" + name + "' holds " + std::to_string(o.height) + "x" +
                           std::to_string(o.width) + " samples, the request asks for resolution " +
                           std::to_string(resolution)};
}

}  // namespace

RequestObjects read_request_objects(const PushdownRequest& r, ObjectStore& store,
                                    int64_t max_samples) {
  RequestObjects out;
  for (const auto& s : r.segments) {
    auto it = out.objects.find(s.object);
    if (it == out.objects.end()) {
      auto t_read = Clock::now();
      std::string raw = read_object(store, s.object);
      out.read_s += seconds_since(t_read);
      auto t_decode = Clock::now();
      try {
        it = out.objects.emplace(s.object, decode_sample_object(raw, s.object)).first;
      } catch (const Error& e) {
        throw HttpError{422, e.what()};
      }
      out.decode_s += seconds_since(t_decode);
      check_resolution(it->second, s.object, r.resolution);
    }
    const int64_t count = segment_samples(s, it->second);
    if (count < 0 || s.first > it->second.count - count) {
      throw HttpError{400, "segment [" + std::to_string(s.first) + ", +" + std::to_string(count) +
                               ") is outside object '" + s.object + "' of " +
                               std::to_string(it->second.count) + " samples"};
    }
    out.samples += count;
    if (out.samples > max_samples) break;  // refused below; no need to read further objects
  }
  if (out.samples < 1 || out.samples > max_samples) {
    throw HttpError{413, "request names " + std::to_string(out.samples) +
                             " samples; the server accepts 1.." + std::to_string(max_samples)};
  }
  return out;
}

}  // namespace tiersplit::real_exec
