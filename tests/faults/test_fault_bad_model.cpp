// Fault: the model file is missing, truncated or of the wrong shape. Provoked
// by pointing [model] path at such a file. Expected: a clear error naming the
// file, a non-zero exit within seconds, and never READY=1 to systemd (the
// service does not start half-way), with a real jackd running so that nothing
// else could have stopped it.
#include <gtest/gtest.h>

#include <fstream>

#include "fault_rig.hpp"

namespace dxlatent::testing {
namespace {

using namespace std::chrono_literals;

class BadModel : public JackServerTest {
 protected:
  void expect_refused(const std::filesystem::path& model, const std::string& tag,
                      const std::string& reason_hint) {
    const auto dir = fresh_dir(tag);
    RunConfig cfg;
    cfg.model = model;
    cfg.state_dir = dir / "state";
    NotifySocket notify;
    auto proc = start_dxlatent(cfg, dir, {notify.env()});
    const auto status = proc->wait_exit(20s);
    ASSERT_TRUE(status) << tag << ": still running with a bad model\n" << proc->output();
    const std::string out = proc->output();
    std::printf("[%s] exit %d: %s", tag.c_str(), ChildProcess::describe_status(*status), out.c_str());
    EXPECT_NE(ChildProcess::describe_status(*status), 0) << tag;
    EXPECT_GT(ChildProcess::describe_status(*status), 0) << tag << ": crashed instead of exiting\n" << out;
    EXPECT_NE(out.find(model.string()), std::string::npos) << tag << ": the error does not name the file\n" << out;
    if (!reason_hint.empty()) {
      EXPECT_NE(out.find(reason_hint), std::string::npos) << tag << ": expected '" << reason_hint << "'\n" << out;
    }
    for (const auto& m : notify.collect(100))
      EXPECT_EQ(m.find("READY=1"), std::string::npos) << tag << ": told systemd it was ready";
  }
};

TEST_F(BadModel, MissingFile) {
  expect_refused(fresh_dir("no-model") / "nowhere" / "dxlatent-vae.pt", "missing", "");
}

TEST_F(BadModel, TruncatedFile) {
  if (!std::filesystem::exists(tiny_model())) GTEST_SKIP() << "no test model at " << tiny_model();
  const auto dir = fresh_dir("truncated-model");
  const auto cut = dir / "truncated.pt";
  std::ifstream in(tiny_model(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_refused(cut, "truncated", "");
}

TEST_F(BadModel, NotAModelAtAll) {
  const auto dir = fresh_dir("text-model");
  const auto text = dir / "model.pt";
  std::ofstream(text) << "this is not a TorchScript archive\n";
  expect_refused(text, "text", "");
}

TEST_F(BadModel, WrongShape) {
  for (const char* name : {"wrong_latent_dim", "wrong_n_params", "wrong_decode_shape"}) {
    if (!std::filesystem::exists(wrong_model(name))) GTEST_SKIP() << "no " << wrong_model(name);
    expect_refused(wrong_model(name), name, "");
  }
}

}  // namespace
}  // namespace dxlatent::testing
