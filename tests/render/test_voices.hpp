#pragma once
// Voices for the render tests, built from the DX7's INIT VOICE so no file is needed.
#include <cstdint>
#include <filesystem>

#include <gtest/gtest.h>

#include "dxlatent/render/hexter_renderer.hpp"

#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/voice/voice.hpp"

// Skips the calling test where Debian's hexter is not installed (the renderer's
// commands say so and exit 1; the tests of everything else still run).
#define REQUIRE_HEXTER()                                                                          \
  if (!std::filesystem::exists(::dxlatent::render::HexterRenderer::default_plugin_path()))       \
  GTEST_SKIP() << ::dxlatent::render::HexterRenderer::default_plugin_path() << " not found (apt-get install hexter)"

namespace dxlatent::test {

inline std::size_t op(int n) { return static_cast<std::size_t>(6 - n) * kOperatorBytes; }  // VCED: OP6 first

/// A factory-like electric piano: algorithm 5 (three modulator/carrier pairs),
/// oscillator key sync off and a sample-and-hold LFO on pitch -- both things
/// that make hexter renders depend on history unless the renderer prevents it.
inline Voice epiano() {
  Voice v = sysex::init_voice();
  v.bytes[kAlgorithmOffset] = 4;
  v.bytes[135] = 6;   // feedback
  v.bytes[136] = 0;   // oscillator key sync off
  v.bytes[137] = 40;  // LFO speed
  v.bytes[139] = 12;  // LFO pitch mod depth
  v.bytes[142] = 5;   // LFO wave: sample and hold
  v.bytes[143] = 4;   // pitch mod sensitivity
  const int levels[7] = {0, 96, 78, 90, 70, 82, 74};  // OP1..OP6 output levels
  const int coarse[7] = {0, 1, 14, 1, 1, 1, 3};
  for (int n = 1; n <= 6; ++n) {
    std::uint8_t* o = v.bytes.data() + op(n);
    o[0] = 96, o[1] = 25, o[2] = 25, o[3] = 67;  // EG rates
    o[4] = 99, o[5] = 75, o[6] = 0, o[7] = 0;    // EG levels: a decaying piano
    o[15] = 2;                                   // key velocity sensitivity
    o[16] = static_cast<std::uint8_t>(levels[n]);
    o[18] = static_cast<std::uint8_t>(coarse[n]);
    o[20] = static_cast<std::uint8_t>(7 + (n % 3) - 1);  // slight detunes
  }
  v.set_name("TEST EP 1");
  return v;
}

/// A bright brass-like voice: algorithm 22, strong feedback, sustained.
inline Voice brass() {
  Voice v = epiano();
  v.bytes[kAlgorithmOffset] = 21;
  v.bytes[135] = 7;
  for (int n = 1; n <= 6; ++n) {
    std::uint8_t* o = v.bytes.data() + op(n);
    o[0] = 70, o[6] = 90, o[7] = 0;
    o[18] = static_cast<std::uint8_t>(n == 1 ? 1 : 2);
  }
  v.set_name("TEST BRASS");
  return v;
}

}  // namespace dxlatent::test
