// Server-side SigV4 verification (kinesis-wire.md §7): the reference vectors A (HTTP/1.1,
// boto3-style) and B (HTTP/2, JS-v3-style with :authority and x-amz-content-sha256), every
// failure mode with AWS's exact error, and the credentials-file parser.
#include "api/auth/sigv4_verifier.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "api/auth/credentials_file.h"

namespace runnel::api::auth {
namespace {

constexpr std::string_view kBody = R"({"StreamName":"s1","Data":"aGVsbG8=","PartitionKey":"pk"})";
constexpr std::string_view kSigA = "49004e26d34c33929919074b1d2142b2b876deda51f180f54b5d96ee5901e884";
constexpr std::string_view kSigB = "3515acacd50881d5026ed1923a58f07b424a65cd370a65296d2983e420de86ac";
constexpr int64_t kRequestTime = 1440938160;  // 20150830T123600Z

constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

CredentialStore Store() {
  auto s = CredentialStore::Parse(
      "[default]\n"
      "aws_access_key_id = AKIDEXAMPLE\n"
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
      "account_id = 111122223333\n",
      "000000000000");
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

// A request whose headers live in a map (lower-case names).
struct FakeRequest {
  std::map<std::string, std::string, std::less<>> headers;
  std::string body{kBody};
  ApiRequest Get() const {
    ApiRequest r;
    r.method = "POST";
    r.body = body;
    r.header = [this](std::string_view name) -> std::string_view {
      auto it = headers.find(name);
      return it == headers.end() ? std::string_view{} : std::string_view(it->second);
    };
    return r;
  }
};

std::string AuthHeader(std::string_view signed_headers, std::string_view signature,
                       std::string_view key = "AKIDEXAMPLE",
                       std::string_view scope = "20150830/us-east-1/kinesis/aws4_request") {
  return std::string("AWS4-HMAC-SHA256 Credential=") + std::string(key) + "/" +
         std::string(scope) + ", SignedHeaders=" + std::string(signed_headers) +
         ", Signature=" + std::string(signature);
}

FakeRequest VectorA() {
  FakeRequest r;
  r.headers = {{"content-type", "application/x-amz-json-1.1"},
               {"host", "kinesis.us-east-1.amazonaws.com"},
               {"x-amz-date", "20150830T123600Z"},
               {"x-amz-target", "Kinesis_20131202.PutRecord"},
               {"authorization", AuthHeader("content-type;host;x-amz-date;x-amz-target", kSigA)}};
  return r;
}

FakeRequest VectorB() {
  FakeRequest r;
  r.headers = {
      {":authority", "localhost:4567"},
      {"host", "localhost:4567"},  // what the HTTP/2 layer answers for "host"
      {"content-type", "application/x-amz-json-1.1"},
      {"x-amz-content-sha256", "e35dc324f3ea21c586962971371e9a21962d8b87f46240c4a821bb12a6753663"},
      {"x-amz-date", "20150830T123600Z"},
      {"x-amz-target", "Kinesis_20131202.PutRecord"},
      {"authorization",
       AuthHeader(":authority;content-type;x-amz-content-sha256;x-amz-date;x-amz-target", kSigB)}};
  return r;
}

void ExpectError(const FakeRequest& r, std::string_view type, std::string_view message,
                 int64_t now = kRequestTime) {
  CredentialStore store = Store();
  auto got = VerifySigV4(r.Get(), store, now);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().type, type);
  EXPECT_EQ(got.error().status, 400);
  EXPECT_EQ(got.error().message, message);
}

TEST(SigV4VerifierTest, VectorAHttp11Accepted) {
  CredentialStore store = Store();
  FakeRequest r = VectorA();
  auto got = VerifySigV4(r.Get(), store, kRequestTime);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ((*got)->account_id, "111122223333");
}

TEST(SigV4VerifierTest, VectorBHttp2AuthorityAccepted) {
  CredentialStore store = Store();
  FakeRequest r = VectorB();
  auto got = VerifySigV4(r.Get(), store, kRequestTime);
  ASSERT_TRUE(got.ok()) << got.error().message;
}

TEST(SigV4VerifierTest, SkewWithinFiveMinutesAccepted) {
  CredentialStore store = Store();
  FakeRequest r = VectorA();
  EXPECT_TRUE(VerifySigV4(r.Get(), store, kRequestTime + 300).ok());
  EXPECT_TRUE(VerifySigV4(r.Get(), store, kRequestTime - 300).ok());
}

TEST(SigV4VerifierTest, MissingAuthorization) {
  FakeRequest r = VectorA();
  r.headers.erase("authorization");
  ExpectError(r, "MissingAuthenticationTokenException", "Missing Authentication Token");
}

TEST(SigV4VerifierTest, IncompleteSignatureListsEveryMissingPart) {
  FakeRequest r = VectorA();
  r.headers.erase("x-amz-date");
  r.headers["authorization"] = "AWS4-HMAC-SHA256 Foo=bar";
  ExpectError(r, "IncompleteSignatureException",
              "Authorization header requires 'Credential' parameter. Authorization header "
              "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
              "parameter. Authorization header requires existence of either a 'X-Amz-Date' or "
              "a 'Date' header. Authorization=AWS4-HMAC-SHA256 Foo=bar");
}

TEST(SigV4VerifierTest, IncompleteSignatureOneMissingPart) {
  FakeRequest r = VectorA();
  std::string auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/"
                     "aws4_request, SignedHeaders=host";
  r.headers["authorization"] = auth;
  ExpectError(r, "IncompleteSignatureException",
              "Authorization header requires 'Signature' parameter. Authorization=" + auth);
}

TEST(SigV4VerifierTest, MalformedCredentialScope) {
  FakeRequest r = VectorA();
  r.headers["authorization"] =
      AuthHeader("host", kSigA, "AKIDEXAMPLE", "20150830/us-east-1/kinesis");
  ExpectError(r, "IncompleteSignatureException",
              "Credential must have exactly 5 slash-delimited elements, e.g. "
              "keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/kinesis'");
  r.headers["authorization"] =
      AuthHeader("host", kSigA, "AKIDEXAMPLE", "20150830/us-east-1/kinesis/aws5_request");
  ExpectError(r, "IncompleteSignatureException",
              "Credential should be scoped with a valid terminator: 'aws4_request', not "
              "'aws5_request'.");
}

TEST(SigV4VerifierTest, WrongServiceAndScopeDate) {
  FakeRequest r = VectorA();
  r.headers["authorization"] =
      AuthHeader("host", kSigA, "AKIDEXAMPLE", "20150830/us-east-1/dynamodb/aws4_request");
  ExpectError(r, "InvalidSignatureException",
              "Credential should be scoped to correct service: 'kinesis'. ");
  r.headers["authorization"] =
      AuthHeader("host", kSigA, "AKIDEXAMPLE", "20150831/us-east-1/kinesis/aws4_request");
  ExpectError(r, "InvalidSignatureException",
              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
              "from HTTP: '20150831' != '20150830', from '20150830T123600Z'.");
}

TEST(SigV4VerifierTest, SignatureExpired) {
  // The reference's example: request 20151120T200815Z at 20151120T202346Z.
  FakeRequest r = VectorA();
  r.headers["x-amz-date"] = "20151120T200815Z";
  r.headers["authorization"] = AuthHeader("content-type;host;x-amz-date;x-amz-target", kSigA,
                                          "AKIDEXAMPLE", "20151120/us-east-1/kinesis/aws4_request");
  ExpectError(r, "InvalidSignatureException",
              "Signature expired: 20151120T200815Z is now earlier than 20151120T201846Z "
              "(20151120T202346Z - 5 min.)",
              1448051026);  // 20151120T202346Z
}

TEST(SigV4VerifierTest, SignatureNotYetCurrent) {
  FakeRequest r = VectorA();
  r.headers["x-amz-date"] = "20181017T093750Z";
  r.headers["authorization"] = AuthHeader("content-type;host;x-amz-date;x-amz-target", kSigA,
                                          "AKIDEXAMPLE", "20181017/us-east-1/kinesis/aws4_request");
  ExpectError(r, "InvalidSignatureException",
              "Signature not yet current: 20181017T093750Z is still later than 20181017T093639Z "
              "(20181017T093139Z + 5 min.)",
              1539768699);  // 20181017T093139Z
}

TEST(SigV4VerifierTest, UnknownAccessKey) {
  FakeRequest r = VectorA();
  r.headers["authorization"] =
      AuthHeader("content-type;host;x-amz-date;x-amz-target", kSigA, "AKIDOTHER");
  ExpectError(r, "UnrecognizedClientException",
              "The security token included in the request is invalid.");
}

TEST(SigV4VerifierTest, WrongSecret) {
  auto store = CredentialStore::Parse(
      "[default]\naws_access_key_id=AKIDEXAMPLE\naws_secret_access_key=wrong\n", "000000000000");
  ASSERT_TRUE(store.ok());
  FakeRequest r = VectorA();
  auto got = VerifySigV4(r.Get(), *store, kRequestTime);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().type, "InvalidSignatureException");
  EXPECT_EQ(got.error().message, kSignatureMismatch);
}

TEST(SigV4VerifierTest, TamperedBodyHeaderOrSignature) {
  FakeRequest r = VectorA();
  r.body = R"({"StreamName":"s2","Data":"aGVsbG8=","PartitionKey":"pk"})";
  ExpectError(r, "InvalidSignatureException", kSignatureMismatch);

  r = VectorA();
  r.headers["x-amz-target"] = "Kinesis_20131202.DeleteStream";
  ExpectError(r, "InvalidSignatureException", kSignatureMismatch);

  r = VectorA();
  r.headers["host"] = "evil.example.com";
  ExpectError(r, "InvalidSignatureException", kSignatureMismatch);

  r = VectorA();
  std::string sig(kSigA);
  sig[0] = sig[0] == '4' ? '5' : '4';
  r.headers["authorization"] = AuthHeader("content-type;host;x-amz-date;x-amz-target", sig);
  ExpectError(r, "InvalidSignatureException", kSignatureMismatch);

  r = VectorA();  // truncated signature: different length, still a mismatch
  r.headers["authorization"] =
      AuthHeader("content-type;host;x-amz-date;x-amz-target", kSigA.substr(0, 10));
  ExpectError(r, "InvalidSignatureException", kSignatureMismatch);
}

TEST(SigV4VerifierTest, UnsignedHeadersMayChange) {
  CredentialStore store = Store();
  FakeRequest r = VectorA();
  r.headers["user-agent"] = "anything";
  EXPECT_TRUE(VerifySigV4(r.Get(), store, kRequestTime).ok());
}

TEST(SigV4VerifierTest, ContentSha256MustMatchTheBody) {
  FakeRequest r = VectorB();
  r.body = R"({"StreamName":"s2","Data":"aGVsbG8=","PartitionKey":"pk"})";
  ExpectError(r, "InvalidSignatureException",
              "The provided 'x-amz-content-sha256' header does not match what was computed.");
  r = VectorB();
  r.headers[":authority"] = "localhost:4568";  // :authority is signed literally
  ExpectError(r, "InvalidSignatureException", kSignatureMismatch);
}

TEST(SigV4VerifierTest, AuthorizationParsingToleratesSpacing) {
  AuthorizationHeader h = ParseAuthorization(
      "AWS4-HMAC-SHA256 Signature=abc,SignedHeaders=host;x-amz-date ,  Credential=A/B/C/D/E");
  EXPECT_EQ(h.algorithm, "AWS4-HMAC-SHA256");
  EXPECT_EQ(h.credential, "A/B/C/D/E");
  EXPECT_EQ(h.signed_headers, "host;x-amz-date");
  EXPECT_EQ(h.signature, "abc");
}

TEST(SigV4VerifierTest, AccountFromTwelveDigitKeyIdInAuthNone) {
  FakeRequest r = VectorA();
  EXPECT_FALSE(AccountFromUnverifiedKeyId(r.Get()).has_value());
  r.headers["authorization"] = AuthHeader("host", kSigA, "123456789012");
  EXPECT_EQ(AccountFromUnverifiedKeyId(r.Get()), "123456789012");
  r.headers.erase("authorization");
  EXPECT_FALSE(AccountFromUnverifiedKeyId(r.Get()).has_value());
}

TEST(SigV4VerifierTest, AuthorizationViewPointsIntoTheHeader) {
  const std::string value =
      "\t AWS4-HMAC-SHA256\tSignature=abc, Credential=X/1/2/3/4 ,junk, SignedHeaders = h ,"
      "Credential=A/B/C/D/E\t ";
  AuthorizationView v = ParseAuthorizationView(value);
  EXPECT_EQ(v.algorithm, "AWS4-HMAC-SHA256");
  EXPECT_EQ(v.credential, "A/B/C/D/E");  // the last one wins, as in ParseAuthorization
  EXPECT_EQ(v.signed_headers, "h");
  EXPECT_EQ(v.signature, "abc");
  EXPECT_GE(v.credential.data(), value.data());
  EXPECT_LT(v.credential.data(), value.data() + value.size());
  AuthorizationView bare = ParseAuthorizationView("  AWS4-HMAC-SHA256  ");
  EXPECT_EQ(bare.algorithm, "AWS4-HMAC-SHA256");
  EXPECT_TRUE(bare.credential.empty() && bare.signed_headers.empty() && bare.signature.empty());
}

TEST(SigV4VerifierTest, AccountFromUnverifiedKeyIdNeedsAWellFormedHeader) {
  FakeRequest r = VectorA();
  auto account_for = [&](std::string value) {
    r.headers["authorization"] = std::move(value);
    return AccountFromUnverifiedKeyId(r.Get());
  };
  EXPECT_EQ(account_for("AWS4-HMAC-SHA256 Credential=123456789012/20150830/us-east-1/kinesis/"
                        "aws4_request, SignedHeaders=host, Signature=x"),
            "123456789012");
  EXPECT_EQ(account_for("AWS4-HMAC-SHA256 Credential=123456789012/a/b/c/d"), "123456789012");
  EXPECT_FALSE(account_for("AWS4-HMAC-SHA1 Credential=123456789012/a/b/c/d").has_value());
  EXPECT_FALSE(account_for("AWS4-HMAC-SHA256 Credential=123456789012/a/b/c").has_value());
  EXPECT_FALSE(account_for("AWS4-HMAC-SHA256 Credential=123456789012/a/b/c/d/e").has_value());
  EXPECT_FALSE(account_for("AWS4-HMAC-SHA256 Credential=12345678901/a/b/c/d").has_value());
  EXPECT_FALSE(account_for("AWS4-HMAC-SHA256 Credential=12345678901x/a/b/c/d").has_value());
  EXPECT_FALSE(account_for("AWS4-HMAC-SHA256 Signature=123456789012/a/b/c/d").has_value());
  EXPECT_FALSE(account_for("AWS4-HMAC-SHA256").has_value());
  // 12 digits before a slash elsewhere in the header do not make an account.
  EXPECT_FALSE(account_for("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/a/b/c/d, "
                           "SignedHeaders=host;x/123456789012/y, Signature=123456789012/")
                   .has_value());
  EXPECT_FALSE(account_for("123456789012/").has_value());
  // Digit runs around the slash: exactly the 12 before it count, then the full parse decides.
  EXPECT_FALSE(account_for("AWS4-HMAC-SHA256 Credential=1123456789012/a/b/c/d").has_value());
  EXPECT_EQ(account_for("AWS4-HMAC-SHA256 Credential= 000000000001/1/2/3/4 "), "000000000001");
  EXPECT_EQ(account_for("AWS4-HMAC-SHA256 Credential=A/b/c/d/e,Credential=999999999999/a/b/c/d"),
            "999999999999");
}

// ---- credentials file -----------------------------------------------------------------------

TEST(CredentialsFileTest, ProfilesCommentsAndDefaultAccount) {
  auto s = CredentialStore::Parse(
      "# comment\n"
      "; another\n"
      "[default]\r\n"
      "aws_access_key_id=AKID1\n"
      "aws_secret_access_key = s e c r e t \n"
      "region = us-west-2\n"
      "\n"
      "[profile other]\n"
      "  aws_access_key_id = AKID2\n"
      "  aws_secret_access_key = k2\n"
      "  account_id = 222233334444\n"
      "[config-only]\n"
      "region = eu-west-1\n",
      "000000000000");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->size(), 2u);
  ASSERT_NE(s->Find("AKID1"), nullptr);
  EXPECT_EQ(s->Find("AKID1")->secret_access_key, "s e c r e t");
  EXPECT_EQ(s->Find("AKID1")->account_id, "000000000000");
  EXPECT_EQ(s->Find("AKID2")->account_id, "222233334444");
  EXPECT_EQ(s->Find("AKID3"), nullptr);
}

TEST(CredentialsFileTest, Errors) {
  auto missing_secret = CredentialStore::Parse("[a]\naws_access_key_id=K\n", "000000000000");
  ASSERT_FALSE(missing_secret.ok());
  EXPECT_EQ(missing_secret.error(),
            "profile [a] (line 1) needs both aws_access_key_id and aws_secret_access_key");
  auto bad_account = CredentialStore::Parse(
      "[a]\naws_access_key_id=K\naws_secret_access_key=S\naccount_id=12\n", "000000000000");
  ASSERT_FALSE(bad_account.ok());
  EXPECT_EQ(bad_account.error(), "profile [a] (line 1): account_id must be 12 digits");
  auto no_section = CredentialStore::Parse("aws_access_key_id=K\n", "000000000000");
  ASSERT_FALSE(no_section.ok());
  EXPECT_EQ(no_section.error(), "line 1: key outside a [profile] section");
  auto garbage = CredentialStore::Parse("[a]\nnonsense\n", "000000000000");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error(), "line 2: expected 'key = value'");
  auto dup = CredentialStore::Parse(
      "[a]\naws_access_key_id=K\naws_secret_access_key=S\n"
      "[b]\naws_access_key_id=K\naws_secret_access_key=T\n",
      "000000000000");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error(),
            "profile [b] (line 4): access key id K is already used by another profile");
}

}  // namespace
}  // namespace runnel::api::auth
