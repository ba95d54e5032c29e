#pragma once
// Test helpers: quantiles of a known distribution (dimension d uniform on
// [-1 - d, 1 + d], so level -> value is linear and easy to check by hand) and
// the control settings most tests use.

#include "dxlatent/control/control_stage.hpp"
#include "dxlatent/control/knob_space.hpp"

namespace dxlatent::testing {

inline LatentQuantiles uniform_quantiles() {
  LatentQuantiles q;
  for (int i = 0; i <= 1000; ++i) q.levels.push_back(float(i) / 1000.0f);
  for (std::size_t d = 0; d < kLatentDims; ++d)
    for (float l : q.levels) q.values[d].push_back((2.0f * l - 1.0f) * float(1 + d));
  return q;
}

inline KnobSpace uniform_space(Takeover mode = Takeover::PickUp, std::vector<LatentMap> regions = {}) {
  std::vector<LatentMap> maps{LatentMap(uniform_quantiles())};
  for (auto& r : regions) maps.push_back(std::move(r));
  return KnobSpace(std::move(maps), mode);
}

/// snapshot CC, legacy program-change snapshots, thru, never-learned CCs.
inline ControlSettings settings(std::optional<std::uint8_t> snapshot_cc, bool snapshot_pc, bool thru,
                                std::vector<std::uint8_t> ignore) {
  ControlSettings s;
  s.snapshot_cc = snapshot_cc;
  if (snapshot_pc) s.program_change = ProgramChangeUse::Store;
  s.thru = thru;
  s.learn_ignore = std::move(ignore);
  return s;
}

}  // namespace dxlatent::testing
