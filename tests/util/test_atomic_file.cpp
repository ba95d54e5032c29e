// write_file_atomically: content, no leftovers, old content kept on failure.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "dxlatent/util/atomic_file.hpp"

using dxlatent::util::FileError;
using dxlatent::util::write_file_atomically;
namespace fs = std::filesystem;

namespace {

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dxlatent_atomic_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  fs::path dir_;
};

}  // namespace

TEST_F(AtomicFile, WritesAndReplaces) {
  const fs::path p = dir_ / "state.toml";
  write_file_atomically(p, std::string_view("first"));
  EXPECT_EQ(read(p), "first");
  write_file_atomically(p, std::string_view("second, longer"));
  EXPECT_EQ(read(p), "second, longer");
  write_file_atomically(p, std::string_view(""));
  EXPECT_EQ(read(p), "");
  EXPECT_EQ(entries(), 1u) << "no temporary file left behind";
}

TEST_F(AtomicFile, KeepsTheModeOfTheFileItReplaces) {
  const fs::path p = dir_ / "x";
  write_file_atomically(p, std::string_view("a"));
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  write_file_atomically(p, std::string_view("b"));
  EXPECT_EQ(fs::status(p).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST_F(AtomicFile, FailureKeepsOldContentAndLeavesNothing) {
  const fs::path p = dir_ / "keep.bin";
  write_file_atomically(p, std::string_view("old content"));
  // Renaming a file over a non-empty directory fails after the temporary file
  // has been written: the failure path must clean up.
  const fs::path d = dir_ / "is_a_dir";
  fs::create_directories(d / "child");
  EXPECT_THROW(write_file_atomically(d, std::string_view("new")), FileError);
  EXPECT_EQ(entries(), 2u) << "the temporary file was removed";
  // A directory we may not write to: the temporary file cannot even be created.
  if (::geteuid() != 0) {  // root ignores permissions
    fs::permissions(dir_, fs::perms::owner_write, fs::perm_options::remove);
    try {
      write_file_atomically(p, std::string_view("new content"));
      FAIL() << "no error";
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find("keep.bin"), std::string::npos) << e.what();
    }
    fs::permissions(dir_, fs::perms::owner_write, fs::perm_options::add);
  }
  EXPECT_EQ(read(p), "old content");
}

TEST_F(AtomicFile, WriteErrorHalfwayKeepsOldContent) {
  const fs::path p = dir_ / "big.bin";
  write_file_atomically(p, std::string_view("old"));
  // A file size limit makes write() fail with EFBIG part of the way through,
  // like a full disk would, even for root.
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 16;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  bool threw = false;
  try {
    write_file_atomically(p, std::string(1000, 'x'));
  } catch (const FileError& e) {
    threw = true;
    EXPECT_NE(std::string(e.what()).find("cannot write"), std::string::npos) << e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  EXPECT_TRUE(threw);
  EXPECT_EQ(read(p), "old");
  EXPECT_EQ(entries(), 1u) << "the half-written temporary file was removed";
}

TEST_F(AtomicFile, MissingDirectoryIsAnError) {
  EXPECT_THROW(write_file_atomically(dir_ / "no" / "such" / "file", std::string_view("x")), FileError);
}
