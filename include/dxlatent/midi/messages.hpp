#pragma once
// Typed fixed-size messages that cross between the JACK process thread and the
// rest of dxlatent through lock-free SPSC queues (moodycamel ReaderWriterQueue,
// preallocated; the process thread only ever calls try_enqueue / try_dequeue).

#include <array>
#include <cstddef>
#include <cstdint>

namespace dxlatent {

/// A short (1-3 byte) channel message the process thread received on control_in:
/// CCs drive the latent; note on/off tell the engine whether keys are held.
struct MidiEvent {
  std::uint8_t status = 0;  ///< e.g. 0xB0 | channel
  std::uint8_t data1 = 0;
  std::uint8_t data2 = 0;
  std::uint32_t frame = 0;  ///< jack_last_frame_time() + offset within the period

  std::uint8_t type() const { return status & 0xF0; }
  std::uint8_t channel() const { return status & 0x0F; }
};

/// Largest message dxlatent ever sends live: a single voice dump (163 bytes).
/// Cartridges (4104 bytes) go only to files, never out of the live engine.
inline constexpr std::size_t kMaxOutMessage = 163;

/// One complete outgoing message (a SysEx or short message) for synth_out.
struct OutMessage {
  std::uint16_t size = 0;
  std::array<std::uint8_t, kMaxOutMessage> bytes{};
};

}  // namespace dxlatent
