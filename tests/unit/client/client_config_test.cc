// Configuration: the credential chain's precedence, the reference .env (and its error messages),
// region and endpoint resolution.
#include "client/client_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "client/aws_error.h"
#include "client/dot_env.h"
#include "client/endpoint.h"
#include "client/profile.h"

namespace fanout::client {
namespace {

namespace fs = std::filesystem;

class TempHome : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() / ("fanout-client-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(home_ / ".aws");
  }
  void TearDown() override { fs::remove_all(home_); }

  void write(const fs::path& relative, const std::string& text) { std::ofstream(home_ / relative) << text; }
  std::map<std::string, std::string> base_env() const { return {{"HOME", home_.string()}}; }
  ConfigSources sources(std::map<std::string, std::string> env, const DotEnv* dot_env = nullptr) const {
    env.emplace("HOME", home_.string());
    ConfigSources s;
    s.env = map_environment(std::move(env));
    s.dot_env = dot_env;
    return s;
  }
  std::string config_error(const ConfigSources& s) {
    try {
      load_client_config(s);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }

  fs::path home_;
};

const char* kProfileCredentials =
    "[default]\naws_access_key_id = PROFILEKEY\naws_secret_access_key = profilesecret\n"
    "[other]\naws_access_key_id = OTHERKEY\naws_secret_access_key = othersecret\naws_session_token = "
    "othertoken\n";

DotEnv reference_env() {
  return DotEnv::parse(
      "ACCESS_KEY=DOTENVKEY\nSECRET_KEY=dotenvsecret\nARN=arn:aws:sns:sa-east-1:123456789012:consumers\n"
      "URL_ORDERS=https://sqs.sa-east-1.amazonaws.com/123456789012/orders\n"
      "URL_PAYMENTS=https://sqs.sa-east-1.amazonaws.com/123456789012/payments\n",
      "test.env");
}

TEST_F(TempHome, EnvironmentBeatsProfileAndDotEnv) {
  write(".aws/credentials", kProfileCredentials);
  const DotEnv dot_env = reference_env();
  auto config = load_client_config(sources({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                            {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                            {"AWS_SESSION_TOKEN", "tok"},
                                            {"AWS_REGION", "us-east-1"}},
                                           &dot_env));
  EXPECT_EQ(config.credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(config.credentials.secret_access_key, "envsecret");
  EXPECT_EQ(config.credentials.session_token, "tok");
  EXPECT_EQ(config.credentials_source, "environment");
}

TEST_F(TempHome, ProfileBeatsDotEnv) {
  write(".aws/credentials", kProfileCredentials);
  const DotEnv dot_env = reference_env();
  auto config = load_client_config(sources({{"AWS_REGION", "us-east-1"}}, &dot_env));
  EXPECT_EQ(config.credentials.access_key_id, "PROFILEKEY");
  EXPECT_NE(config.credentials_source.find("profile default"), std::string::npos);
}

TEST_F(TempHome, AwsProfileSelectsTheProfileAndConfigFileGivesRegion) {
  write(".aws/credentials", kProfileCredentials);
  write(".aws/config",
        "[default]\nregion = us-east-2\n[profile other]\nregion = eu-west-1\nmax_attempts = 7\n");
  auto config = load_client_config(sources({{"AWS_PROFILE", "other"}}));
  EXPECT_EQ(config.credentials.access_key_id, "OTHERKEY");
  EXPECT_EQ(config.credentials.session_token, "othertoken");
  EXPECT_EQ(config.region, "eu-west-1");
  EXPECT_EQ(config.retry.max_attempts, 7);
}

TEST_F(TempHome, CredentialsMayLiveInTheConfigFile) {
  write(
      ".aws/config",
      "[profile cfg]\naws_access_key_id = CFGKEY\naws_secret_access_key = cfgsecret\nregion = ap-south-1\n");
  auto config = load_client_config(sources({{"AWS_PROFILE", "cfg"}}));
  EXPECT_EQ(config.credentials.access_key_id, "CFGKEY");
  EXPECT_EQ(config.region, "ap-south-1");
}

TEST_F(TempHome, FileLocationsComeFromTheEnvironment) {
  write("creds", "[default]\naws_access_key_id = ALTKEY\naws_secret_access_key = alt\n");
  write("conf", "[default]\nregion = ca-central-1\n");
  auto config = load_client_config(sources({{"AWS_SHARED_CREDENTIALS_FILE", (home_ / "creds").string()},
                                            {"AWS_CONFIG_FILE", (home_ / "conf").string()}}));
  EXPECT_EQ(config.credentials.access_key_id, "ALTKEY");
  EXPECT_EQ(config.region, "ca-central-1");
}

TEST_F(TempHome, DotEnvIsTheLastResort) {
  const DotEnv dot_env = reference_env();
  auto s = sources({});
  s.dot_env = &dot_env;
  s.region_fallback = region_from_arn_or_url(dot_env.require("ARN"));
  auto config = load_client_config(s);
  EXPECT_EQ(config.credentials.access_key_id, "DOTENVKEY");
  EXPECT_EQ(config.credentials.secret_access_key, "dotenvsecret");
  EXPECT_EQ(config.credentials_source, "test.env");
  EXPECT_EQ(config.region, "sa-east-1");
  EXPECT_EQ(config.endpoint_for("sqs").origin(), "https://sqs.sa-east-1.amazonaws.com");
}

TEST_F(TempHome, MissingSelectedProfileIsAnError) {
  write(".aws/credentials", kProfileCredentials);
  EXPECT_NE(config_error(sources({{"AWS_PROFILE", "nope"}, {"AWS_REGION", "us-east-1"}})).find("'nope'"),
            std::string::npos);
}

TEST_F(TempHome, HalfSetEnvironmentNamesTheMissingVariable) {
  EXPECT_NE(config_error(sources({{"AWS_ACCESS_KEY_ID", "K"}, {"AWS_REGION", "us-east-1"}}))
                .find("AWS_SECRET_ACCESS_KEY"),
            std::string::npos);
}

TEST_F(TempHome, DotEnvWithoutSecretNamesIt) {
  const DotEnv dot_env = DotEnv::parse("ACCESS_KEY=abc\nARN=arn:aws:sns:us-east-1:1:t\n", "/srv/app/.env");
  EXPECT_EQ(config_error(sources({{"AWS_REGION", "us-east-1"}}, &dot_env)),
            "/srv/app/.env: missing required variable SECRET_KEY");
}

TEST_F(TempHome, NoCredentialsAnywhere) {
  EXPECT_NE(config_error(sources({{"AWS_REGION", "us-east-1"}})).find("no AWS credentials"),
            std::string::npos);
}

TEST_F(TempHome, NoRegionAnywhere) {
  EXPECT_NE(
      config_error(sources({{"AWS_ACCESS_KEY_ID", "K"}, {"AWS_SECRET_ACCESS_KEY", "S"}})).find("AWS_REGION"),
      std::string::npos);
}

TEST_F(TempHome, RegionPrecedence) {
  write(".aws/config", "[default]\nregion = us-west-2\n");
  std::map<std::string, std::string> env{{"AWS_ACCESS_KEY_ID", "K"}, {"AWS_SECRET_ACCESS_KEY", "S"}};
  EXPECT_EQ(load_client_config(sources(env)).region, "us-west-2");
  env["AWS_DEFAULT_REGION"] = "eu-central-1";
  EXPECT_EQ(load_client_config(sources(env)).region, "eu-central-1");
  env["AWS_REGION"] = "ap-northeast-1";
  EXPECT_EQ(load_client_config(sources(env)).region, "ap-northeast-1");
}

TEST_F(TempHome, EndpointOverrides) {
  std::map<std::string, std::string> env{
      {"AWS_ACCESS_KEY_ID", "K"}, {"AWS_SECRET_ACCESS_KEY", "S"}, {"AWS_REGION", "us-east-1"}};
  auto config = load_client_config(sources(env));
  EXPECT_EQ(config.endpoint_for("sqs").origin(), "https://sqs.us-east-1.amazonaws.com");
  EXPECT_EQ(config.endpoint_for("sns").origin(), "https://sns.us-east-1.amazonaws.com");
  EXPECT_EQ(config.endpoint_for("firehose").origin(), "https://firehose.us-east-1.amazonaws.com");
  EXPECT_EQ(config.endpoint_for("cloudformation").origin(), "https://cloudformation.us-east-1.amazonaws.com");
  EXPECT_FALSE(config.endpoint_for("s3").custom);

  env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566";
  env["AWS_ENDPOINT_URL_S3"] = "http://localhost:9000/prefix/";
  config = load_client_config(sources(env));
  EXPECT_EQ(config.endpoint_for("sqs").origin(), "http://127.0.0.1:4566");
  EXPECT_TRUE(config.endpoint_for("sqs").custom);
  EXPECT_EQ(config.endpoint_for("s3").origin(), "http://localhost:9000");
  EXPECT_EQ(config.endpoint_for("s3").base_path, "/prefix");

  env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(load_client_config(sources(env)).endpoint_for("sqs").origin(),
            "https://sqs.us-east-1.amazonaws.com");
}

TEST_F(TempHome, ProfileEndpointUrl) {
  write(".aws/config", "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4566\n");
  auto config = load_client_config(sources({{"AWS_ACCESS_KEY_ID", "K"}, {"AWS_SECRET_ACCESS_KEY", "S"}}));
  EXPECT_EQ(config.endpoint_for("sns").origin(), "http://127.0.0.1:4566");
}

TEST_F(TempHome, CaBundleFromEnvironmentThenProfile) {
  write(".aws/config", "[default]\nregion = us-east-1\nca_bundle = /etc/profile-ca.pem\n");
  std::map<std::string, std::string> env{{"AWS_ACCESS_KEY_ID", "K"}, {"AWS_SECRET_ACCESS_KEY", "S"}};
  EXPECT_EQ(load_client_config(sources(env)).transport.ca_bundle, "/etc/profile-ca.pem");
  env["AWS_CA_BUNDLE"] = "/etc/env-ca.pem";
  EXPECT_EQ(load_client_config(sources(env)).transport.ca_bundle, "/etc/env-ca.pem");
}

TEST(Endpoint, ParsesAndRejects) {
  Endpoint e = parse_endpoint_url("https://example.com:8443");
  EXPECT_EQ(e.host, "example.com");
  EXPECT_EQ(e.port, 8443);
  EXPECT_EQ(e.host_header(), "example.com:8443");
  EXPECT_EQ(parse_endpoint_url("http://h:80").host_header(), "h");
  EXPECT_THROW(parse_endpoint_url("127.0.0.1:4566"), ConfigError);
  EXPECT_THROW(parse_endpoint_url("ftp://h"), ConfigError);
  EXPECT_THROW(parse_endpoint_url("http://h:99999"), ConfigError);
  EXPECT_THROW(parse_endpoint_url("http://"), ConfigError);
}

TEST(Endpoint, ChinaRegionsUseTheirPartition) {
  Profile profile;
  auto env = map_environment({});
  EXPECT_EQ(resolve_endpoint(env, profile, "sqs", "cn-north-1").origin(),
            "https://sqs.cn-north-1.amazonaws.com.cn");
}

TEST(RegionFromArnOrUrl, Extracts) {
  EXPECT_EQ(region_from_arn_or_url("arn:aws:sns:eu-west-1:123456789012:topic"), "eu-west-1");
  EXPECT_EQ(region_from_arn_or_url("https://sqs.ap-southeast-2.amazonaws.com/123/q"), "ap-southeast-2");
  EXPECT_EQ(region_from_arn_or_url("http://127.0.0.1:4566/000000000000/q"), "");
  EXPECT_EQ(region_from_arn_or_url("arn:aws"), "");
}

// ---- .env ------------------------------------------------------------------------------------

TEST(DotEnv, ParsesTheReferenceFormat) {
  const DotEnv env = DotEnv::parse(
      "# comment\n\nexport ACCESS_KEY=AKIA123\nSECRET_KEY = \"quoted "
      "secret\"\nARN='arn:aws:sns:us-east-1:1:t'\n"
      "URL_ORDERS=http://127.0.0.1:4566/000000000000/orders # trailing comment\nEMPTY=\n",
      ".env");
  EXPECT_EQ(env.require("ACCESS_KEY"), "AKIA123");
  EXPECT_EQ(env.require("SECRET_KEY"), "quoted secret");
  EXPECT_EQ(env.require("ARN"), "arn:aws:sns:us-east-1:1:t");
  EXPECT_EQ(env.require("URL_ORDERS"), "http://127.0.0.1:4566/000000000000/orders");
  EXPECT_FALSE(env.get("EMPTY").has_value());
}

std::string parse_error(const std::string& text) {
  try {
    DotEnv::parse(text, "/app/.env");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DotEnv, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(parse_error("ACCESS_KEY=a\nthis is not an assignment\n"),
            "/app/.env:2: malformed line (expected NAME=value): this is not an assignment");
  EXPECT_EQ(parse_error("\n\n1BAD=x\n"), "/app/.env:3: malformed variable name '1BAD' (expected NAME=value)");
  EXPECT_EQ(parse_error("=value\n"), "/app/.env:1: malformed variable name '' (expected NAME=value)");
  EXPECT_EQ(parse_error("SECRET_KEY=\"unterminated\n"),
            "/app/.env:1: unterminated quoted value for SECRET_KEY");
}

TEST(DotEnv, MissingVariableIsNamed) {
  const DotEnv env = DotEnv::parse("ACCESS_KEY=a\nURL_ORDERS=\n", "/app/.env");
  try {
    env.require("URL_PAYMENTS");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/app/.env: missing required variable URL_PAYMENTS");
  }
  EXPECT_THROW(env.require("URL_ORDERS"), ConfigError);  // present but empty counts as missing
}

TEST(DotEnv, UnreadableFileIsNamed) {
  try {
    DotEnv::load("/nonexistent/dir/.env");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/.env"), std::string::npos);
  }
}

}  // namespace
}  // namespace fanout::client
