// extrapolation.cpp: a profile's small batches predict its large ones (see extrapolation.hpp).
#include "profiles/extrapolation.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace tiersplit::profiles {

namespace {

std::vector<TimingPoint> up_to(const std::vector<TimingPoint>& pts, int64_t batch) {
  std::vector<TimingPoint> out;
  for (const auto& t : pts) {
    if (t.batch <= batch) out.push_back(t);
  }
  return out;
}

const TimingPoint* at(const std::vector<TimingPoint>& pts, int64_t batch) {
  for (const auto& t : pts) {
    if (t.batch == batch) return &t;
  }
  return nullptr;
}

}  // namespace

ExtrapolationCheck check_extrapolation(const Profile& p, int64_t fit_up_to) {
  ExtrapolationCheck c;
  c.model = p.model;
  c.resolution = p.resolution;
  int64_t kept = 0;
  for (int64_t b : p.batch_sizes) {
    if (b <= fit_up_to) kept = b;
  }
  if (kept == 0) fail(p.model, ": no measured batch at or below ", fit_up_to, " to fit on");
  c.fit_up_to = kept;
  for (int64_t b : p.batch_sizes) {
    if (b <= kept) continue;
    ExtrapolationPoint e;
    e.batch = b;
    e.ratio = static_cast<double>(b) / static_cast<double>(kept);
    for (const BlockProfile& block : p.blocks) {
      if (const TimingPoint* m = at(block.forward, b)) {
        e.forward_measured_s += m->median_s;
        e.forward_predicted_s += interpolate_time(up_to(block.forward, kept), b);
      }
      if (const TimingPoint* m = at(block.train, b)) {
        e.train_measured_s += m->median_s;
        e.train_predicted_s += interpolate_time(up_to(block.train, kept), b);
      }
    }
    c.points.push_back(e);
  }
  if (c.points.empty())
    fail(p.model, ": no measured batch above ", kept, " to compare the prediction with");
  return c;
}

}  // namespace tiersplit::profiles
