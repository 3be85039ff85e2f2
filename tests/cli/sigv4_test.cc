#include "cli/sigv4.h"

#include <gtest/gtest.h>

namespace runnel::cli::sigv4 {
namespace {

// kinesis-wire.md §7.6, vector A (cross-checked with botocore).
constexpr char kBody[] = R"({"StreamName":"s1","Data":"aGVsbG8=","PartitionKey":"pk"})";

SigningInput VectorA() {
  SigningInput in;
  in.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                {"Host", "kinesis.us-east-1.amazonaws.com"},
                {"X-Amz-Date", "20150830T123600Z"},
                {"X-Amz-Target", "Kinesis_20131202.PutRecord"}};
  in.body = kBody;
  in.amz_date = "20150830T123600Z";
  in.region = "us-east-1";
  return in;
}

Credentials ExampleCredentials() {
  return Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", "test"};
}

TEST(SigV4Test, BodyHashMatchesVector) {
  EXPECT_EQ(HexSha256(kBody), "e35dc324f3ea21c586962971371e9a21962d8b87f46240c4a821bb12a6753663");
}

TEST(SigV4Test, CanonicalRequestMatchesVectorA) {
  Signature sig = Sign(VectorA(), ExampleCredentials());
  EXPECT_EQ(sig.canonical_request,
            "POST\n/\n\n"
            "content-type:application/x-amz-json-1.1\n"
            "host:kinesis.us-east-1.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n"
            "x-amz-target:Kinesis_20131202.PutRecord\n\n"
            "content-type;host;x-amz-date;x-amz-target\n"
            "e35dc324f3ea21c586962971371e9a21962d8b87f46240c4a821bb12a6753663");
  EXPECT_EQ(sig.signed_headers, "content-type;host;x-amz-date;x-amz-target");
}

TEST(SigV4Test, StringToSignHashLineMatchesVectorA) {
  Signature sig = Sign(VectorA(), ExampleCredentials());
  EXPECT_EQ(HexSha256(sig.canonical_request),
            "ef42105d1decb02cc429aba1de71abc264e294c60b1eba2d8803573e3eec7e03");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/kinesis/aws4_request\n"
            "ef42105d1decb02cc429aba1de71abc264e294c60b1eba2d8803573e3eec7e03");
}

TEST(SigV4Test, SigningKeyMatchesVectorA) {
  EXPECT_EQ(HexSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "kinesis"),
            "1a8ef0fa45f4fb9b8ca6c755f0b81c00b521d0e7b9564a363d2511b8f4d4bc54");
}

TEST(SigV4Test, SignatureMatchesVectorA) {
  Signature sig = Sign(VectorA(), ExampleCredentials());
  EXPECT_EQ(sig.signature, "49004e26d34c33929919074b1d2142b2b876deda51f180f54b5d96ee5901e884");
  EXPECT_EQ(sig.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=49004e26d34c33929919074b1d2142b2b876deda51f180f54b5d96ee5901e884");
}

TEST(SigV4Test, HeaderOrderAndValueWhitespaceDoNotMatter) {
  SigningInput in = VectorA();
  std::swap(in.headers[0], in.headers[3]);
  in.headers[1].value = "  kinesis.us-east-1.amazonaws.com ";
  EXPECT_EQ(Sign(in, ExampleCredentials()).signature,
            "49004e26d34c33929919074b1d2142b2b876deda51f180f54b5d96ee5901e884");
}

TEST(SigV4Test, SessionTokenIsSigned) {
  SigningInput in = VectorA();
  in.headers.push_back({"X-Amz-Security-Token", "token"});
  Signature sig = Sign(in, ExampleCredentials());
  EXPECT_EQ(sig.signed_headers, "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
  EXPECT_NE(sig.signature, "49004e26d34c33929919074b1d2142b2b876deda51f180f54b5d96ee5901e884");
}

TEST(SigV4Test, AmzDateFormatsUtc) {
  EXPECT_EQ(AmzDate(1440938160), "20150830T123600Z");
}

}  // namespace
}  // namespace runnel::cli::sigv4
