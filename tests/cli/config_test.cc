#include "cli/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "cli/credentials.h"

namespace runnel::cli {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/runnel-cli-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  void Write(const std::string& rel, const std::string& text) const {
    std::filesystem::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel) << text;
  }

 private:
  std::filesystem::path path_;
};

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const char* name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
}

constexpr char kExampleConfig[] =
    R"({"stream_name": "words", "region": "us-east-2", "endpoint": "http://127.0.0.1:4567", "shard_count": 1})";

TEST(ConfigTest, ParsesTheExampleConfig) {
  auto cfg = ParseConfigJson(kExampleConfig);
  ASSERT_TRUE(cfg.ok()) << cfg.error();
  EXPECT_EQ(cfg->stream_name, "words");
  EXPECT_EQ(cfg->region, "us-east-2");
  EXPECT_EQ(cfg->endpoint, "http://127.0.0.1:4567");
  EXPECT_EQ(cfg->shard_count, 1);
}

TEST(ConfigTest, RejectsWrongTypes) {
  EXPECT_FALSE(ParseConfigJson(R"({"shard_count": "1"})").ok());
  EXPECT_FALSE(ParseConfigJson(R"({"shard_count": 0})").ok());
  EXPECT_FALSE(ParseConfigJson(R"({"region": 5})").ok());
  EXPECT_FALSE(ParseConfigJson("[1]").ok());
  EXPECT_TRUE(ParseConfigJson(R"({"other": [1, 2]})").ok());
}

TEST(ConfigTest, CurrentDirectoryComesBeforeExamples) {
  TempDir dir;
  dir.Write("examples/config.json", R"({"stream_name": "from-examples"})");
  auto s = ResolveSettings({}, FakeEnv({}), dir.path());
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->stream_name, "from-examples");
  dir.Write("config.json", R"({"stream_name": "from-cwd"})");
  s = ResolveSettings({}, FakeEnv({}), dir.path());
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->stream_name, "from-cwd");
  EXPECT_EQ(s->config_path, dir.path() / "config.json");
}

TEST(ConfigTest, DefaultsWithoutConfig) {
  TempDir dir;
  auto s = ResolveSettings({}, FakeEnv({}), dir.path());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoint, "http://127.0.0.1:4567");
  EXPECT_EQ(s->region, "us-east-1");
  EXPECT_EQ(s->shard_count, 1);
  EXPECT_TRUE(s->stream_name.empty());
  EXPECT_TRUE(s->config_path.empty());
}

TEST(ConfigTest, PrecedenceIsFlagThenEnvThenConfig) {
  TempDir dir;
  dir.Write("config.json", kExampleConfig);
  auto s = ResolveSettings({}, FakeEnv({}), dir.path());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->region, "us-east-2");

  auto env = FakeEnv({{"AWS_REGION", "eu-west-1"}, {"AWS_ENDPOINT_URL", "http://localhost:9999"}});
  s = ResolveSettings({}, env, dir.path());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->region, "eu-west-1");
  EXPECT_EQ(s->endpoint, "http://localhost:9999");

  GlobalFlags flags{"http://127.0.0.1:1234", "ap-south-1", ""};
  s = ResolveSettings(flags, env, dir.path());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->region, "ap-south-1");
  EXPECT_EQ(s->endpoint, "http://127.0.0.1:1234");
}

TEST(ConfigTest, ExplicitConfigMustExist) {
  TempDir dir;
  GlobalFlags flags{"", "", (dir.path() / "missing.json").string()};
  EXPECT_FALSE(ResolveSettings(flags, FakeEnv({}), dir.path()).ok());
}

TEST(CredentialsTest, ReadsTheRequestedProfile) {
  constexpr char kFile[] =
      "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = secret1\n\n"
      "# comment\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=secret2\n"
      "aws_session_token = tok\n";
  auto def = ParseCredentialsFile(kFile, "default");
  ASSERT_TRUE(def.has_value());
  EXPECT_EQ(def->access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(def->secret_access_key, "secret1");
  EXPECT_TRUE(def->session_token.empty());
  auto dev = ParseCredentialsFile(kFile, "dev");
  ASSERT_TRUE(dev.has_value());
  EXPECT_EQ(dev->access_key_id, "AKIDDEV");
  EXPECT_EQ(dev->session_token, "tok");
  EXPECT_FALSE(ParseCredentialsFile(kFile, "prod").has_value());
}

}  // namespace
}  // namespace runnel::cli
