#pragma once
// The subcommands of `dxlatent`. Each lives in its own cmd_<name>.cpp and is
// registered here and in main.cpp with one line each. A subcommand's callback
// runs on the main thread after parsing; it reports problems by throwing
// CommandError (or BadInput), which main() turns into a message and exit code.

#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace dxlatent::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;  ///< a file that cannot be used; the message names file and offset
inline constexpr int kExitUsage = 2;     ///< command-line errors (CLI11 parse errors)

/// Ends the program with `code`. An empty message means the command has already
/// printed what went wrong.
class CommandError : public std::runtime_error {
 public:
  CommandError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class BadInput : public CommandError {
 public:
  explicit BadInput(const std::string& message) : CommandError(kExitBadInput, message) {}
};

void register_inspect(CLI::App& app);  // cmd_inspect.cpp
void register_collect(CLI::App& app);  // cmd_collect.cpp
void register_sample(CLI::App& app);       // cmd_sample.cpp (model)
void register_interpolate(CLI::App& app);  // cmd_interpolate.cpp (model)
void register_encode(CLI::App& app);       // cmd_encode.cpp (model)
void register_uniqueness(CLI::App& app);   // cmd_uniqueness.cpp (model)
void register_run(CLI::App& app);       // cmd_run.cpp (engine)
void register_demo(CLI::App& app);      // cmd_demo.cpp (engine)
void register_snapshot(CLI::App& app);  // cmd_snapshot.cpp (engine)
void register_render(CLI::App& app);    // cmd_render.cpp (hexter)

}  // namespace dxlatent::app
