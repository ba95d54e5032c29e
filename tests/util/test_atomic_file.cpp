// write_file_atomically: content, no leftovers, old content kept on failure;
// and what is at the path decides how it is written (symlinks followed,
// devices and FIFOs written directly, directories and read-only files refused).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>

#include "dxlatent/util/atomic_file.hpp"

using dxlatent::util::check_output;
using dxlatent::util::FileError;
using dxlatent::util::same_file;
using dxlatent::util::WriteOptions;
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

TEST_F(AtomicFile, SymlinkIsWrittenThroughToItsTarget) {
  fs::create_directories(dir_ / "real");
  const fs::path target = dir_ / "real" / "cart.syx";
  write_file_atomically(target, std::string_view("old"));
  fs::create_directory_symlink("real", dir_ / "alias");
  fs::create_symlink("alias/cart.syx", dir_ / "link.syx");  // relative, through a linked directory
  fs::create_symlink("link.syx", dir_ / "link2.syx");       // a chain

  write_file_atomically(dir_ / "link2.syx", std::string_view("new"));
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "link2.syx")));
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "link.syx")));
  EXPECT_EQ(read(target), "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "real"), fs::directory_iterator()), 1)
      << "replaced at the target's real path, no temporary file left there";
  EXPECT_EQ(check_output(dir_ / "link2.syx").path, dir_ / "alias" / "cart.syx");
}

TEST_F(AtomicFile, DanglingSymlinkCreatesItsTarget) {
  fs::create_symlink("made.syx", dir_ / "link.syx");
  write_file_atomically(dir_ / "link.syx", std::string_view("x"));
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "link.syx")));
  EXPECT_EQ(read(dir_ / "made.syx"), "x");
}

TEST_F(AtomicFile, SymlinkLoopIsAnError) {
  fs::create_symlink("b", dir_ / "a");
  fs::create_symlink("a", dir_ / "b");
  EXPECT_THROW(write_file_atomically(dir_ / "a", std::string_view("x")), FileError);
}

TEST_F(AtomicFile, DeviceIsWrittenDirectlyNeverReplaced) {
  write_file_atomically("/dev/null", std::string_view("into the void"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_TRUE(check_output("/dev/null").stream);
  // Through a symlink too.
  fs::create_symlink("/dev/null", dir_ / "null.syx");
  write_file_atomically(dir_ / "null.syx", std::string_view("x"));
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "null.syx")));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST_F(AtomicFile, FullDeviceReportsTheWriteError) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  try {
    write_file_atomically("/dev/full", std::string_view("x"));
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::strerror(ENOSPC)), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST_F(AtomicFile, FifoIsWrittenDirectly) {
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reader = std::async(std::launch::async, [&] { return read(fifo); });
  write_file_atomically(fifo, std::string_view("through the pipe"));
  EXPECT_EQ(reader.get(), "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
}

TEST_F(AtomicFile, StandardOutputIsAStream) {
  const auto t = check_output("-");
  EXPECT_TRUE(t.stream);
  EXPECT_EQ(t.path, "-");
}

TEST_F(AtomicFile, DirectoryIsRefusedBeforeAnyWrite) {
  fs::create_directories(dir_ / "d");
  try {
    check_output(dir_ / "d");
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
  EXPECT_THROW(write_file_atomically(dir_ / "d", std::string_view("x")), FileError);
  EXPECT_EQ(entries(), 1u) << "no temporary file was even created";
}

TEST_F(AtomicFile, ReadOnlyFileIsRefusedUnlessForcedEvenForRoot) {
  const fs::path p = dir_ / "keep.syx";
  write_file_atomically(p, std::string_view("precious"));
  fs::permissions(p, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  try {
    write_file_atomically(p, std::string_view("clobbered"));
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("keep.syx: is read-only (mode 0444)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read(p), "precious");
  write_file_atomically(p, std::string_view("replaced"), WriteOptions{true});
  EXPECT_EQ(read(p), "replaced");
  EXPECT_EQ(fs::status(p).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read)
      << "still read-only afterwards";
}

TEST_F(AtomicFile, MissingDirectoryIsRefusedByTheCheck) {
  try {
    check_output(dir_ / "no" / "file");
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find((dir_ / "no").string()), std::string::npos) << e.what();
  }
}

TEST_F(AtomicFile, SameFileByDeviceAndInode) {
  const fs::path a = dir_ / "a.syx", b = dir_ / "b.syx";
  write_file_atomically(a, std::string_view("a"));
  write_file_atomically(b, std::string_view("b"));
  fs::create_symlink("a.syx", dir_ / "link");
  fs::create_hard_link(a, dir_ / "hard");
  EXPECT_TRUE(same_file(a, dir_ / "link"));
  EXPECT_TRUE(same_file(a, dir_ / "hard"));
  EXPECT_TRUE(same_file(a, dir_ / "." / "a.syx"));
  EXPECT_FALSE(same_file(a, b));
  EXPECT_FALSE(same_file(a, dir_ / "missing"));
  EXPECT_FALSE(same_file("-", "-"));
}

// Issue 14's "never destroy what is not ours": a rename gave a hard-linked file's
// name a new inode and left the other names on the old content. Now such a file
// is rewritten in place and every name sees the new content.
TEST_F(AtomicFile, AHardLinkedFileIsRewrittenInPlaceKeepingItsLinks) {
  const fs::path a = dir_ / "cart.syx", b = dir_ / "backup-name.syx";
  write_file_atomically(a, std::string_view("old content, quite long"));
  fs::create_hard_link(a, b);
  struct stat before {};
  ASSERT_EQ(::stat(a.c_str(), &before), 0);
  EXPECT_TRUE(check_output(a).in_place);
  write_file_atomically(a, std::string_view("new"));
  struct stat after {};
  ASSERT_EQ(::stat(a.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the name got a new inode: the link is broken";
  EXPECT_EQ(after.st_nlink, 2u);
  EXPECT_EQ(read(a), "new");
  EXPECT_EQ(read(b), "new") << "the other name still has the old content";
  EXPECT_EQ(entries(), 2u) << "no temporary file left behind";
  // Through a symlink to one of the names as well.
  const fs::path link = dir_ / "link.syx";
  fs::create_symlink(b, link);
  write_file_atomically(link, std::string_view("via the symlink"));
  EXPECT_EQ(read(a), "via the symlink");
  EXPECT_TRUE(fs::is_symlink(link));
  // A file with one name is still replaced atomically (a new inode).
  const fs::path c = dir_ / "single.syx";
  write_file_atomically(c, std::string_view("one"));
  struct stat c1 {};
  ASSERT_EQ(::stat(c.c_str(), &c1), 0);
  EXPECT_FALSE(check_output(c).in_place);
  write_file_atomically(c, std::string_view("two"));
  struct stat c2 {};
  ASSERT_EQ(::stat(c.c_str(), &c2), 0);
  EXPECT_NE(c2.st_ino, c1.st_ino);
}
