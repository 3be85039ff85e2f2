#include "cli/bench/h2_header_block.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace runnel::cli::bench {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields ToFields(const H2HeaderBlock& block) {
  Fields out;
  for (const nghttp2_nv& nv : block.fields())
    out.emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                     std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
  return out;
}

TEST(H2HeaderBlockTest, TranslatesTheHttp1Head) {
  const std::string head =
      "POST / HTTP/1.1\r\nHost: 127.0.0.1:4567\r\nContent-Type: application/x-amz-json-1.1\r\n"
      "X-Amz-Target: Kinesis_20131202.PutRecords\r\nX-Amz-Date: 20261126T120000Z\r\n"
      "Authorization: AWS4-HMAC-SHA256 Credential=A/20261126/us-east-1/kinesis/aws4_request\r\n"
      "x-runnel-wait-ms: 100\r\nContent-Length: 42\r\n\r\n";
  H2HeaderBlock block;
  ASSERT_TRUE(block.Build(head));
  Fields expected = {
      {":method", "POST"},
      {":scheme", "http"},
      {":authority", "127.0.0.1:4567"},
      {":path", "/"},
      {"content-type", "application/x-amz-json-1.1"},
      {"x-amz-target", "Kinesis_20131202.PutRecords"},
      {"x-amz-date", "20261126T120000Z"},
      {"authorization", "AWS4-HMAC-SHA256 Credential=A/20261126/us-east-1/kinesis/aws4_request"},
      {"x-runnel-wait-ms", "100"},
      {"content-length", "42"},
  };
  EXPECT_EQ(ToFields(block), expected);
}

TEST(H2HeaderBlockTest, DropsConnectionSpecificFields) {
  const std::string head =
      "POST /x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
      "Transfer-Encoding: chunked\r\nUpgrade: h2c\r\nTE: gzip\r\nAccept: */*\r\n\r\n";
  H2HeaderBlock block;
  ASSERT_TRUE(block.Build(head));
  Fields expected = {{":method", "POST"}, {":scheme", "http"}, {":authority", "h"},
                     {":path", "/x"},     {"accept", "*/*"}};
  EXPECT_EQ(ToFields(block), expected);
}

TEST(H2HeaderBlockTest, ReusedAcrossRequests) {
  H2HeaderBlock block;
  ASSERT_TRUE(block.Build("POST / HTTP/1.1\r\nHost: a\r\nX-Amz-Target: One\r\n\r\n"));
  ASSERT_TRUE(block.Build("POST / HTTP/1.1\r\nHost: b\r\nX-Amz-Target: Two\r\n\r\n"));
  Fields expected = {{":method", "POST"}, {":scheme", "http"}, {":authority", "b"},
                     {":path", "/"},      {"x-amz-target", "Two"}};
  EXPECT_EQ(ToFields(block), expected);
}

TEST(H2HeaderBlockTest, RejectsMalformedHeads) {
  H2HeaderBlock block;
  EXPECT_FALSE(block.Build("POST\r\nHost: a\r\n\r\n"));           // no path
  EXPECT_FALSE(block.Build("POST / HTTP/1.1\r\nAccept: x\r\n\r\n"));  // no Host
  EXPECT_FALSE(block.Build(""));
}

}  // namespace
}  // namespace runnel::cli::bench
