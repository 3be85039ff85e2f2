#include "server/protocol_detector.h"

#include <gtest/gtest.h>

#include <string>

namespace runnel::server {
namespace {

const std::string kPreface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);

TEST(ProtocolDetectorTest, EmptyNeedsMoreBytes) {
  EXPECT_EQ(DetectProtocol(""), WireProtocol::kNeedMoreBytes);
}

TEST(ProtocolDetectorTest, Http1MethodsAreHttp1) {
  EXPECT_EQ(DetectProtocol("POST / HTTP/1.1\r\n"), WireProtocol::kHttp1);
  EXPECT_EQ(DetectProtocol("GET"), WireProtocol::kHttp1);
  EXPECT_EQ(DetectProtocol("PO"), WireProtocol::kHttp1);  // decided at the second byte
  EXPECT_EQ(DetectProtocol("OPTIONS / HTTP/1.1\r\n"), WireProtocol::kHttp1);
  EXPECT_EQ(DetectProtocol("PRI * HTTP/1.1\r\n"), WireProtocol::kHttp1);
}

TEST(ProtocolDetectorTest, PrefixOfPrefaceNeedsMoreBytes) {
  for (size_t n = 1; n < kPreface.size(); ++n) {
    EXPECT_EQ(DetectProtocol(kPreface.substr(0, n)), WireProtocol::kNeedMoreBytes) << n;
  }
}

TEST(ProtocolDetectorTest, FullPrefaceIsHttp2) {
  EXPECT_EQ(DetectProtocol(kPreface), WireProtocol::kHttp2PriorKnowledge);
  EXPECT_EQ(DetectProtocol(kPreface + "\x00\x00\x12\x04"), WireProtocol::kHttp2PriorKnowledge);
}

TEST(ProtocolDetectorTest, TlsHandshakeRecordIsTls) {
  EXPECT_EQ(DetectProtocol(std::string("\x16\x03\x01\x02\x00", 5)), WireProtocol::kTls);
}

}  // namespace
}  // namespace runnel::server
