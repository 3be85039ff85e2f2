// TLS setup for `runnel serve`: the server's OpenSSL context (certificate, key, ALPN
// "h2" > "http/1.1") and a self-signed development certificate.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/result.h"

namespace runnel::server {

// A TLS 1.2+ server context from PEM files, selecting "h2" by ALPN when the client offers it,
// else "http/1.1". Errors name the file and OpenSSL's reason.
Result<std::unique_ptr<boost::asio::ssl::context>, std::string> MakeServerTlsContext(
    const std::string& cert_file, const std::string& key_file);

struct CertificatePaths {
  std::string cert_file;
  std::string key_file;
  bool created = false;  // false: an existing pair was reused
};

// Returns <dir>/cert.pem and <dir>/key.pem, generating them first if either is missing: an
// EC P-256 key (file mode 0600) and a self-signed X.509 certificate for CN=localhost with
// subjectAltName DNS:localhost, IP:127.0.0.1, valid for one year. Development use only.
Result<CertificatePaths, std::string> EnsureSelfSignedCertificate(const std::string& dir);

}  // namespace runnel::server
