#pragma once
// Makes one dlopen'ed library's malloc() return zeroed memory, without touching
// malloc for anything else in the process. Internal to dxlatent_render.
//
// Why (hexter 1.1.1, hexter.c / dx7_voice.c): hexter_instantiate() callocs the
// instance but gets its 64 voice structures from dx7_voice_new(), a plain
// malloc(). dx7_voice_setup_note() resets an operator's oscillator phase only
// when the voice has oscillator key sync on; with it off the first note starts
// from whatever bytes the allocator handed out -- memory freed by an earlier
// instance, i.e. the previous render. That is the "SYN-LEAD 1 moves by 4.6 dB"
// effect in ../shared/docs/hexter.md. With zeroed voice structures every fresh
// instance starts with all phases at 0, exactly as key sync would set them.
//
// How: rewrite the library's GOT slot(s) for `malloc` (its PLT and any GLOB_DAT
// relocation) to point at a calloc-based function. Debian links hexter with
// -z relro -z now, so the GOT is read-only after loading: the page is made
// writable for the write and read-only again. Only the plugin's own calls are
// affected: the process-wide malloc, AddressSanitizer's interceptors and the
// RT-safety test's malloc hooks stay as they are (an interposed process-wide
// malloc would fight both), and it needs no flag or lock around instantiation.
// Thread safety: call while no other thread uses the library (right after dlopen).

namespace dxlatent::render::detail {

/// Returns true if at least one malloc slot of the library behind `dl_handle`
/// now points to the zeroing allocator (or already did).
bool redirect_malloc_to_calloc(void* dl_handle);

}  // namespace dxlatent::render::detail
