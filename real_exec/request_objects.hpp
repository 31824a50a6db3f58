// request_objects.hpp: the objects a pushdown request names, read from the store and checked
// against its segments (the LibTorch-free part of serving a request).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "real_exec/dataset.hpp"
#include "real_exec/protocol.hpp"

namespace tiersplit::real_exec {

class ObjectStore;

struct RequestObjects {
  std::map<std::string, SampleObject> objects;  ///< decoded, each read once
  int64_t samples = 0;                          ///< samples the segments name in total
  double read_s = 0;                            ///< time spent reading the store
  double decode_s = 0;                          ///< time spent decoding objects
};

/// Reads and decodes every object `r` names and checks each segment against it: a bad object
/// name is 400, a missing object 404, an undecodable one 422, a store that does not answer 503
/// (with Retry-After), a store timeout 504, another store failure 502, a segment outside its
/// object or samples of another resolution 400, and a total outside 1..max_samples 413.
/// Throws HttpError (pushdown_routes.hpp).
RequestObjects read_request_objects(const PushdownRequest& r, ObjectStore& store,
                                    int64_t max_samples);

/// Samples of segment `s` once its object is known (count -1: to the end of the object).
inline int64_t segment_samples(const Segment& s, const SampleObject& o) {
  return s.count < 0 ? o.count - s.first : s.count;
}

}  // namespace tiersplit::real_exec
