#include "server/tls_context.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string_view>

namespace runnel::server {
namespace {

namespace ssl = boost::asio::ssl;

constexpr long kValiditySeconds = 365L * 24 * 60 * 60;

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return text;
}

// ALPN: prefer h2, then http/1.1; no overlap -> continue without ALPN (HTTP/1.1).
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_length,
               const unsigned char* offered, unsigned int offered_length, void*) {
  static constexpr unsigned char kSupported[] = "\x02h2\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kSupported, sizeof(kSupported) - 1, offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Result<std::unique_ptr<X509, X509Deleter>, std::string> MakeCertificate(EVP_PKEY* key) {
  std::unique_ptr<X509, X509Deleter> cert(X509_new());
  unsigned char serial[16];
  std::FILE* random = std::fopen("/dev/urandom", "rb");
  if (random == nullptr || std::fread(serial, 1, sizeof(serial), random) != sizeof(serial)) {
    if (random) std::fclose(random);
    return MakeUnexpected(std::string("cannot read /dev/urandom"));
  }
  std::fclose(random);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  const bool ok =
      cert && bn && X509_set_version(cert.get(), 2) == 1 &&
      BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr &&
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) != nullptr &&
      X509_set_pubkey(cert.get(), key) == 1 &&
      X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                 0) == 1 &&
      X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) == 1 &&
      AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") &&
      AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") &&
      AddExtension(cert.get(), NID_subject_key_identifier, "hash") &&
      X509_sign(cert.get(), key, EVP_sha256()) > 0;
  BN_free(bn);
  if (!ok) return MakeUnexpected("cannot build certificate: " + OpenSslError());
  return cert;
}

// Writes `write(file)` to `path` atomically (temp file + rename) with the given mode.
template <class WriteFn>
Result<void, std::string> WritePem(const std::string& path, mode_t mode, WriteFn write) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return MakeUnexpected("cannot create " + temp);
  ::fchmod(fd, mode);  // the umask may have narrowed or (for cert.pem) not mattered
  std::unique_ptr<FILE, FileCloser> file(::fdopen(fd, "w"));
  if (!file) {
    ::close(fd);
    return MakeUnexpected("cannot open " + temp);
  }
  if (!write(file.get()) || std::fflush(file.get()) != 0 || ::fsync(fd) != 0) {
    return MakeUnexpected("cannot write " + temp + ": " + OpenSslError());
  }
  file.reset();
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return MakeUnexpected("cannot rename " + temp + " to " + path);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ssl::context>, std::string> MakeServerTlsContext(
    const std::string& cert_file, const std::string& key_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    return MakeUnexpected("TLS certificate " + cert_file + ": " + OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return MakeUnexpected("TLS key " + key_file + ": " + OpenSslError());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return MakeUnexpected("TLS key " + key_file + " does not match certificate " + cert_file);
  }
  SSL_CTX_set_alpn_select_cb(native, &SelectAlpn, nullptr);
  return context;
}

Result<CertificatePaths, std::string> EnsureSelfSignedCertificate(const std::string& dir) {
  CertificatePaths paths{dir + "/cert.pem", dir + "/key.pem", false};
  std::error_code ec;
  if (std::filesystem::exists(paths.cert_file, ec) && std::filesystem::exists(paths.key_file, ec)) {
    return paths;
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeUnexpected("cannot create " + dir + ": " + ec.message());

  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(EVP_EC_gen("P-256"));
  if (!key) return MakeUnexpected("cannot generate an EC P-256 key: " + OpenSslError());
  auto cert = MakeCertificate(key.get());
  if (!cert) return MakeUnexpected(cert.error());

  auto written = WritePem(paths.key_file, 0600, [&](FILE* file) {
    return PEM_write_PrivateKey(file, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  if (!written) return MakeUnexpected(written.error());
  written = WritePem(paths.cert_file, 0644,
                     [&](FILE* file) { return PEM_write_X509(file, cert->get()) == 1; });
  if (!written) return MakeUnexpected(written.error());
  paths.created = true;
  return paths;
}

}  // namespace runnel::server
