// TLS: the self-signed development certificate, HTTPS (HTTP/1.1) and h2 selected by ALPN on
// the TLS port, and bad handshakes failing only their own connection.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "server/h2_test_client.h"
#include "server/server_fixture.h"
#include "server/tls_context.h"

namespace runnel::server {
namespace {

using testing::EchoHandler;
using testing::H2Client;
using testing::PostRequest;
using testing::TestClient;

std::string TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "runnel-tls-XXXXXX").string();
  return ::mkdtemp(pattern.data());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TlsTest : public testing::ServerTest {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    auto paths = EnsureSelfSignedCertificate(dir_ + "/tls");
    ASSERT_TRUE(paths.ok()) << paths.error();
    paths_ = *paths;
    // Clients verify the server against the generated certificate, host "localhost".
    client_ctx_ = SSL_CTX_new(TLS_client_method());
    ASSERT_EQ(SSL_CTX_load_verify_locations(client_ctx_, paths_.cert_file.c_str(), nullptr), 1);
    SSL_CTX_set_verify(client_ctx_, SSL_VERIFY_PEER, nullptr);
    X509_VERIFY_PARAM_set1_host(SSL_CTX_get0_param(client_ctx_), "localhost", 0);
  }
  void TearDown() override {
    testing::ServerTest::TearDown();
    SSL_CTX_free(client_ctx_);
    std::filesystem::remove_all(dir_);
  }
  void StartTlsServer() {
    HttpServerOptions options;
    options.tls_cert_file = paths_.cert_file;
    options.tls_key_file = paths_.key_file;
    StartServer(EchoHandler, options);
    tls_port_ = server_->tls_port();
    ASSERT_NE(tls_port_, 0);
    ASSERT_NE(tls_port_, port_);
  }

  std::string dir_;
  CertificatePaths paths_;
  SSL_CTX* client_ctx_ = nullptr;
  uint16_t tls_port_ = 0;
};

TEST_F(TlsTest, SelfSignedCertificateIsCreatedOnceWithPrivateKeyMode0600) {
  EXPECT_TRUE(paths_.created);
  struct stat st {};
  ASSERT_EQ(::stat(paths_.key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const std::string cert = ReadFile(paths_.cert_file);
  EXPECT_EQ(cert.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  auto again = EnsureSelfSignedCertificate(dir_ + "/tls");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(ReadFile(again->cert_file), cert);
}

TEST_F(TlsTest, MissingOrMismatchedFilesFailStart) {
  HttpServerOptions options;
  options.port = 0;
  options.tls_cert_file = dir_ + "/nope.pem";
  options.tls_key_file = paths_.key_file;
  HttpServer server(options, EchoHandler);
  auto port = server.Start();
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().find("nope.pem"), std::string::npos) << port.error();
}

TEST_F(TlsTest, Http1OverTlsVerifiesAgainstGeneratedCertificate) {
  StartTlsServer();
  TestClient client(tls_port_, client_ctx_);
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 3; ++i) {  // keep-alive over TLS
    ASSERT_TRUE(client.Send(PostRequest("T", "tls" + std::to_string(i))));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body(), "POST T tls" + std::to_string(i));
  }
}

TEST_F(TlsTest, LargeBodyOverTls) {
  StartTlsServer();
  TestClient client(tls_port_, client_ctx_);
  const std::string body(5u << 20, 'z');
  ASSERT_TRUE(client.Send(PostRequest("T", body)));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body().size(), body.size() + 7);
}

TEST_F(TlsTest, Http2SelectedByAlpn) {
  StartTlsServer();
  H2Client client(tls_port_, client_ctx_);
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.alpn(), "h2");
  const int32_t a = client.Post("T", "one");
  const int32_t b = client.Post("T", std::string(3u << 20, 'q'));
  ASSERT_TRUE(client.RunUntilAllClosed());
  EXPECT_EQ(client.exchange(a).body, "POST T one");
  EXPECT_EQ(client.exchange(b).body.size(), (3u << 20) + 7);
}

TEST_F(TlsTest, TlsIsAlsoAcceptedOnThePlainPort) {
  StartTlsServer();
  TestClient client(port_, client_ctx_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(PostRequest("T", "x")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST T x");
}

TEST_F(TlsTest, BadHandshakeFailsOnlyThatConnection) {
  StartTlsServer();
  TestClient garbage(tls_port_);
  ASSERT_TRUE(garbage.Send(std::string("\x16\x03\x01\x00\x10not-a-client-hello-at-all", 30)));
  EXPECT_TRUE(garbage.ReadClosed() || garbage.ReceiveRaw().size() < 64);  // alert, then close

  TestClient plain(tls_port_);  // plain HTTP on the TLS port is refused
  ASSERT_TRUE(plain.Send(PostRequest("T", "{}")));
  EXPECT_FALSE(plain.ReadResponse());

  SSL_CTX* untrusting = SSL_CTX_new(TLS_client_method());  // rejects the self-signed cert
  SSL_CTX_set_verify(untrusting, SSL_VERIFY_PEER, nullptr);
  {
    TestClient rejected(tls_port_, untrusting);
    EXPECT_FALSE(rejected.connected());
  }
  SSL_CTX_free(untrusting);

  TestClient good(tls_port_, client_ctx_);
  ASSERT_TRUE(good.Send(PostRequest("T", "still")));
  auto response = good.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST T still");
}

}  // namespace
}  // namespace runnel::server
