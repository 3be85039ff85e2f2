// Pins the exact Serialization/Validation texts (kinesis-errors.md §2, kinesalite's recordings).
#include "api/validate.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/shapes.h"
#include "common/base64.h"

namespace runnel::api {
namespace {

class ValidateTest : public ::testing::Test {
 protected:
  // Returns "" when valid, else "<type>|<status>|<message>".
  std::string Run(const std::string& json, std::span<const FieldSpec> fields) {
    auto doc = parser_.parse(json);
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << json;
    auto err = Validate(doc.value(), fields);
    if (!err) return "";
    return err->type + "|" + std::to_string(err->status) + "|" + err->message;
  }
  std::string Ser(const std::string& m) { return "SerializationException|400|" + m; }
  std::string Val(const std::string& m) { return "ValidationException|400|" + m; }

  simdjson::dom::parser parser_;
};

constexpr FieldSpec kCreateStreamFields[] = {Required(kShardCount), Required(kStreamName)};
constexpr FieldSpec kPutRecordsFields[] = {kRecords, Required(kStreamName)};
constexpr FieldSpec kPutRecordFields[] = {Required(kPartitionKey), Required(kData),
                                          kExplicitHashKey, kStreamName};
constexpr FieldSpec kTagFields[] = {Required(kTags), Required(kStreamName)};
constexpr FieldSpec kRemoveTagFields[] = {kTagKeys};
constexpr FieldSpec kTimestampFields[] = {kTimestamp};
constexpr FieldSpec kBoolFields[] = {kEnforceConsumerDeletion};
constexpr FieldSpec kLongFields[] = {{.name = "N", .type = FieldType::kLong, .min = 1}};
constexpr FieldSpec kLimitFields[] = {kLimit};
constexpr FieldSpec kIteratorFields[] = {kShardIteratorType};
constexpr FieldSpec kModeFields[] = {kStreamModeDetails};
constexpr FieldSpec kArnFields[] = {kStreamArn};

// --- the two examples of kinesis-errors.md §2 ---

TEST_F(ValidateTest, ReferenceExampleTwoErrors) {
  EXPECT_EQ(Run(R"({"ShardCount":0,"StreamName":"bad name!"})", kCreateStreamFields),
            Val("2 validation errors detected: Value '0' at 'shardCount' failed to satisfy "
                "constraint: Member must have value greater than or equal to 1; Value 'bad name!' "
                "at 'streamName' failed to satisfy constraint: Member must satisfy regular "
                "expression pattern: [a-zA-Z0-9_.-]+"));
}

TEST_F(ValidateTest, ReferenceExampleEmptyRecords) {
  EXPECT_EQ(Run(R"({"Records":[],"StreamName":"s"})", kPutRecordsFields),
            Val("1 validation error detected: Value '[]' at 'records' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1"));
}

// --- success, nulls, unknown members, non-object body ---

TEST_F(ValidateTest, ValidRequestPasses) {
  EXPECT_EQ(Run(R"({"StreamName":"a-b_c.1","Records":[{"PartitionKey":"k","Data":"AAEC"},
                   {"PartitionKey":"k2","Data":"","ExplicitHashKey":"123"}],"Extra":[1]})",
                kPutRecordsFields),
            "");
}

TEST_F(ValidateTest, NullMembersCountAsAbsent) {
  EXPECT_EQ(Run(R"({"ShardCount":null,"StreamName":null})", kCreateStreamFields),
            Val("2 validation errors detected: Value null at 'shardCount' failed to satisfy "
                "constraint: Member must not be null; Value null at 'streamName' failed to "
                "satisfy constraint: Member must not be null"));
  // A null of the wrong "type" is not a type error either.
  EXPECT_EQ(Run(R"({"Timestamp":null})", kTimestampFields), "");
}

TEST_F(ValidateTest, UnknownMembersAreIgnored) {
  EXPECT_EQ(Run(R"({"ShardCount":1,"StreamName":"s","Foo":{"x":true}})", kCreateStreamFields), "");
}

// Top-level members are looked up in one pass; the answers must be at_key's: the first
// member with a name wins (a later duplicate is ignored, even when the first is null), and
// members may come in any order.
TEST_F(ValidateTest, DuplicateMembersFirstOneWins) {
  EXPECT_EQ(Run(R"({"StreamName":"s","ShardCount":1,"StreamName":"bad name!"})",
                kCreateStreamFields),
            "");
  EXPECT_EQ(Run(R"({"StreamName":"bad name!","ShardCount":1,"StreamName":"s"})",
                kCreateStreamFields),
            Val("1 validation error detected: Value 'bad name!' at 'streamName' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern: "
                "[a-zA-Z0-9_.-]+"));
  EXPECT_EQ(Run(R"({"ShardCount":null,"StreamName":"s","ShardCount":true})", kCreateStreamFields),
            Val("1 validation error detected: Value null at 'shardCount' failed to satisfy "
                "constraint: Member must not be null"));
  EXPECT_EQ(Run(R"({"ShardCount":"x","ShardCount":1,"StreamName":"s"})", kCreateStreamFields),
            Ser("class java.lang.String can not be converted to an Integer"));
  // Table order, not body order, decides which violation comes first.
  EXPECT_EQ(Run(R"({"x":1,"StreamName":"","ShardCount":0})", kCreateStreamFields),
            Val("3 validation errors detected: Value '0' at 'shardCount' failed to satisfy "
                "constraint: Member must have value greater than or equal to 1; Value '' at "
                "'streamName' failed to satisfy constraint: Member must satisfy regular "
                "expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'streamName' failed to "
                "satisfy constraint: Member must have length greater than or equal to 1"));
}

TEST_F(ValidateTest, NonObjectBodyIsSerializationExceptionWithoutMessage) {
  EXPECT_EQ(Run("[]", kCreateStreamFields), Ser(""));
  EXPECT_EQ(Run("\"x\"", kCreateStreamFields), Ser(""));
  simdjson::dom::parser p;
  auto err = Validate(p.parse(std::string("1")).value(), kCreateStreamFields);
  ASSERT_TRUE(err);
  EXPECT_TRUE(err->capital_message_key);
  EXPECT_EQ(RenderJson(*err), R"({"__type":"SerializationException"})");
}

// --- type checks (SerializationException) ---

TEST_F(ValidateTest, StringTypeMessages) {
  EXPECT_EQ(Run(R"({"StreamName":true})", kArnFields), "");  // not in table: ignored
  static constexpr FieldSpec f[] = {kStreamName};
  EXPECT_EQ(Run(R"({"StreamName":true})", f),
            Ser("class java.lang.Boolean can not be converted to an String"));
  EXPECT_EQ(Run(R"({"StreamName":23})", f),
            Ser("class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be "
                "converted to an String"));
  EXPECT_EQ(Run(R"({"StreamName":34.5})", f),
            Ser("class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be "
                "converted to an String"));
  EXPECT_EQ(Run(R"({"StreamName":[]})", f), Ser("Start of list found where not expected"));
  EXPECT_EQ(Run(R"({"StreamName":{}})", f),
            Ser("Start of structure or map found where not expected."));
}

TEST_F(ValidateTest, IntegerAndLongTypeMessages) {
  EXPECT_EQ(Run(R"({"Limit":"23"})", kLimitFields),
            Ser("class java.lang.String can not be converted to an Integer"));
  EXPECT_EQ(Run(R"({"Limit":true})", kLimitFields),
            Ser("class java.lang.Boolean can not be converted to an Integer"));
  EXPECT_EQ(Run(R"({"N":"23"})", kLongFields),
            Ser("class java.lang.String can not be converted to an Long"));
  EXPECT_EQ(Run(R"({"N":false})", kLongFields),
            Ser("class java.lang.Boolean can not be converted to an Long"));
  EXPECT_EQ(Run(R"({"Limit":[1]})", kLimitFields), Ser("Start of list found where not expected"));
  EXPECT_EQ(Run(R"({"Limit":{}})", kLimitFields),
            Ser("Start of structure or map found where not expected."));
}

TEST_F(ValidateTest, BooleanTypeMessages) {
  EXPECT_EQ(Run(R"({"EnforceConsumerDeletion":1})", kBoolFields),
            Ser("class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be "
                "converted to an Boolean"));
  EXPECT_EQ(Run(R"({"EnforceConsumerDeletion":"hellowtf"})", kBoolFields),
            Ser("'HELLOWTF' can not be converted to an Boolean"));
  EXPECT_EQ(Run(R"({"EnforceConsumerDeletion":true})", kBoolFields), "");
}

TEST_F(ValidateTest, TimestampTypeMessages) {
  EXPECT_EQ(Run(R"({"Timestamp":"2015-01-01"})", kTimestampFields),
            Ser("class java.lang.String can not be converted to milliseconds since epoch"));
  EXPECT_EQ(Run(R"({"Timestamp":true})", kTimestampFields),
            Ser("class java.lang.Boolean can not be converted to milliseconds since epoch"));
  EXPECT_EQ(Run(R"({"Timestamp":1700000000})", kTimestampFields), "");
  EXPECT_EQ(Run(R"({"Timestamp":1700000000.123})", kTimestampFields), "");
}

TEST_F(ValidateTest, BlobTypeMessages) {
  EXPECT_EQ(Run(R"({"PartitionKey":"a","Data":true})", kPutRecordFields),
            Ser("class java.lang.Boolean can not be converted to a Blob"));
  EXPECT_EQ(Run(R"({"PartitionKey":"a","Data":23})", kPutRecordFields),
            Ser("class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be "
                "converted to a Blob"));
  EXPECT_EQ(Run(R"({"PartitionKey":"a","Data":"23456"})", kPutRecordFields),
            Ser("'23456' can not be converted to a Blob: Base64 encoded length is expected a "
                "multiple of 4 bytes but found: 5"));
  EXPECT_EQ(Run(R"({"PartitionKey":"a","Data":"=+/="})", kPutRecordFields),
            Ser("'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"));
  EXPECT_EQ(Run(R"({"PartitionKey":"a","Data":"ab*d"})", kPutRecordFields),
            Ser("'ab*d' can not be converted to a Blob: Invalid Base64 character: '*'"));
  EXPECT_EQ(Run(R"({"PartitionKey":"a","Data":"+/+="})", kPutRecordFields),
            Ser("'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character "
                "dectected"));
}

// keep_decoded blobs are checked by the decode itself: every input must get exactly the
// answer of the separate check (CheckBase64), and accepted ones the bytes a plain decode
// gives. Inputs long enough for the AVX2 blocks put the flaw inside, after and before them;
// SIMD and scalar decoding are both exercised.
TEST_F(ValidateTest, KeepDecodedBlobsCheckLikeTheSeparateCheck) {
  static constexpr FieldSpec kPlain[] = {Required(kPartitionKey), Required(kData)};
  static constexpr FieldSpec kKeep[] = {Required(kPartitionKey),
                                        {.name = "Data",
                                         .type = FieldType::kBlob,
                                         .required = true,
                                         .min = 0,
                                         .max = kMaxDataBytes,
                                         .keep_decoded = true}};
  std::string long_text;  // 200 chars: whole 32-char AVX2 blocks and a scalar tail
  for (int i = 0; i < 200; ++i)
    long_text.push_back(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7) % 64]);
  std::vector<std::string> inputs = {"",
                                     "QQ==",
                                     "QUI=",
                                     "QUJD",
                                     "QR==",
                                     "QUJ=",
                                     "+/+=",
                                     "+/==",
                                     "Q===",
                                     "====",
                                     "QQ=A",
                                     "=+/=",
                                     "ab*d",
                                     "ab\\nd",
                                     "QQ",
                                     "23456",
                                     "QUJD====",
                                     "QU=D",
                                     "Q=",
                                     "QUJDQQ==",
                                     long_text,
                                     long_text.substr(0, 198) + "==",
                                     long_text.substr(0, 199) + "="};
  for (size_t pos : {size_t{0}, size_t{5}, size_t{31}, size_t{32}, size_t{100}, size_t{150},
                     size_t{170}, size_t{195}, size_t{199}}) {
    for (char bad : {'*', '=', '-', '_', '\x7f'}) {
      std::string s = long_text;
      s[pos] = bad;
      inputs.push_back(s);
    }
  }
  // Non-canonical trailing bits and bad padding after a long SIMD-decoded prefix.
  inputs.push_back(long_text.substr(0, 196) + "QR==");
  inputs.push_back(long_text.substr(0, 196) + "QUJ=");
  inputs.push_back(long_text.substr(0, 196) + "Q===");
  inputs.push_back(long_text.substr(0, 196) + "=QQQ");
  inputs.push_back(long_text.substr(0, 197));
  for (bool scalar : {false, true}) {
    base64::ForceScalarForTesting(scalar);
    for (const std::string& in : inputs) {
      const std::string body = R"({"PartitionKey":"a","Data":")" + in + R"("})";
      const std::string plain = Run(body, kPlain);
      EXPECT_EQ(Run(body, kKeep), plain) << in << " scalar=" << scalar;
      const DecodedBlobs& blobs = ThreadDecodedBlobs();
      if (!plain.empty()) {
        EXPECT_EQ(plain.substr(0, 23), "SerializationException|") << in;
        EXPECT_EQ(blobs.size(), 0u) << in;  // nothing kept from a rejected blob
        continue;
      }
      std::string expected;
      ASSERT_EQ(base64::DecodeAppend(in, expected).error, base64::DecodeError::kNone) << in;
      ASSERT_EQ(blobs.size(), 1u) << in;
      EXPECT_EQ(blobs.bytes(0), expected) << in;
    }
  }
  base64::ForceScalarForTesting(false);
  // The table without keep_decoded keeps nothing; a list of structures keeps one blob per
  // entry, in order, each naming its text.
  EXPECT_EQ(Run(R"({"PartitionKey":"a","Data":"QUJD"})", kPlain), "");
  EXPECT_EQ(ThreadDecodedBlobs().size(), 0u);
  static constexpr FieldSpec kEntry[] = {
      {.name = "member", .type = FieldType::kStructure, .required = true, .members = kKeep}};
  static constexpr FieldSpec kList[] = {
      {.name = "Records", .type = FieldType::kList, .required = true, .members = kEntry}};
  auto doc = parser_.parse(std::string(
      R"({"Records":[{"Data":"QQ==","PartitionKey":"a"},{"PartitionKey":"b","Data":""},)"
      R"({"Data":"QUJD","PartitionKey":"c","Data":"eHl6"}]})"));
  ASSERT_EQ(doc.error(), simdjson::SUCCESS);
  EXPECT_FALSE(Validate(doc.value(), kList).has_value());
  const DecodedBlobs& blobs = ThreadDecodedBlobs();
  ASSERT_EQ(blobs.size(), 3u);
  EXPECT_EQ(blobs.bytes(0), "A");
  EXPECT_EQ(blobs.bytes(1), "");
  EXPECT_EQ(blobs.bytes(2), "ABC");  // the first "Data" of the entry, as the action reads it
  simdjson::dom::array records = doc.value()["Records"].get_array();
  size_t i = 0;
  for (simdjson::dom::element rec : records) {
    std::string_view data = rec["Data"].get_string();
    EXPECT_EQ(blobs.source(i++), data.data());
  }
  // A rejected request after an accepted one leaves nothing behind.
  EXPECT_EQ(Run(R"({"PartitionKey":"a","Data":"QU*D"})", kKeep),
            Ser("'QU*D' can not be converted to a Blob: Invalid Base64 character: '*'"));
  EXPECT_EQ(ThreadDecodedBlobs().size(), 0u);
}

TEST_F(ValidateTest, ListMapStructureTypeMessages) {
  EXPECT_EQ(Run(R"({"Records":"x"})", kPutRecordsFields), Ser("Expected list or null"));
  EXPECT_EQ(Run(R"({"Records":5})", kPutRecordsFields), Ser("Expected list or null"));
  EXPECT_EQ(Run(R"({"Records":{}})", kPutRecordsFields),
            Ser("Start of structure or map found where not expected."));
  EXPECT_EQ(Run(R"({"Records":[true]})", kPutRecordsFields), Ser("Expected null"));
  EXPECT_EQ(Run(R"({"Records":[[]]})", kPutRecordsFields),
            Ser("Start of list found where not expected"));
  EXPECT_EQ(Run(R"({"Records":[{"PartitionKey":1}]})", kPutRecordsFields),
            Ser("class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be "
                "converted to an String"));
  EXPECT_EQ(Run(R"({"Tags":true})", kTagFields), Ser("Expected map or null"));
  EXPECT_EQ(Run(R"({"Tags":[]})", kTagFields), Ser("Start of list found where not expected"));
  EXPECT_EQ(Run(R"({"Tags":{"a":true}})", kTagFields),
            Ser("class java.lang.Boolean can not be converted to an String"));
}

TEST_F(ValidateTest, TypeChecksRunBeforeConstraints) {
  // StreamName is too long AND ShardCount has the wrong type: only the type error is reported.
  std::string name(200, 'a');
  EXPECT_EQ(Run(R"({"ShardCount":"1","StreamName":")" + name + "\"}", kCreateStreamFields),
            Ser("class java.lang.String can not be converted to an Integer"));
}

// --- constraints (ValidationException) ---

TEST_F(ValidateTest, EmptyStreamNameFailsPatternThenLength) {
  EXPECT_EQ(Run(R"({"Records":[],"StreamName":""})", kPutRecordsFields),
            Val("3 validation errors detected: Value '[]' at 'records' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1; Value '' at "
                "'streamName' failed to satisfy constraint: Member must satisfy regular "
                "expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'streamName' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1"));
}

TEST_F(ValidateTest, ListItemPathsAndBlobRendering) {
  std::string name(129, 'a'), key(257, 'a');
  std::string data(68268, 'A');  // 51201 bytes once decoded
  // With the shared 10 MiB Data shape, 51201 bytes is fine: only 3 violations.
  std::string shared = Run(R"({"StreamName":")" + name + R"(","Records":[{"PartitionKey":")" +
                               key + R"(","Data":")" + data + R"(","ExplicitHashKey":""}]})",
                           kPutRecordsFields);
  EXPECT_EQ(shared.rfind("ValidationException|400|3 validation errors detected: ", 0), 0u);
  EXPECT_EQ(shared.find("member.data"), std::string::npos);
  static constexpr FieldSpec kSmallData = {.name = "Data", .type = FieldType::kBlob, .required = true,
                                    .max = 51200};
  static constexpr FieldSpec kEntry[] = {Required(kPartitionKey), kExplicitHashKey, kSmallData};
  static constexpr FieldSpec kEntrySpec[] = {{.name = "member", .type = FieldType::kStructure,
                                       .members = kEntry}};
  static constexpr FieldSpec kFields[] = {
      {.name = "Records", .type = FieldType::kList, .required = true, .min = 1, .max = 500,
       .members = kEntrySpec},
      Required(kStreamName)};
  EXPECT_EQ(Run(R"({"StreamName":")" + name + R"(","Records":[{"PartitionKey":")" + key +
                    R"(","Data":")" + data + R"(","ExplicitHashKey":""}]})",
                kFields),
            Val("4 validation errors detected: Value '" + key +
                "' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must "
                "have length less than or equal to 256; Value '' at "
                "'records.1.member.explicitHashKey' failed to satisfy constraint: Member must "
                "satisfy regular expression pattern: 0|([1-9]\\d{0,38}); Value "
                "'java.nio.HeapByteBuffer[pos=0 lim=51201 cap=51201]' at 'records.1.member.data' "
                "failed to satisfy constraint: Member must have length less than or equal to "
                "51200; Value '" +
                name +
                "' at 'streamName' failed to satisfy constraint: Member must have length less "
                "than or equal to 128"));
}

TEST_F(ValidateTest, BlobLengthIsDecodedLength) {
  static constexpr FieldSpec kFields[] = {
      {.name = "Data", .type = FieldType::kBlob, .min = 2, .max = 2}};
  EXPECT_EQ(Run(R"({"Data":"AAA="})", kFields), "");  // 2 bytes
  EXPECT_EQ(Run(R"({"Data":"AA=="})", kFields),
            Val("1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1 cap=1]' "
                "at 'data' failed to satisfy constraint: Member must have length greater than or "
                "equal to 2"));
}

TEST_F(ValidateTest, TooManyRecordsCapsAtTenViolations) {
  std::string records, strs;
  for (int i = 0; i < 501; ++i) {
    records += std::string(i ? "," : "") + R"({"PartitionKey":"","Data":""})";
    strs += std::string(i ? ", " : "") + "com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@2";
  }
  std::string expected = "10 validation errors detected: Value '[" + strs +
                         "]' at 'records' failed to satisfy constraint: Member must have length "
                         "less than or equal to 500";
  for (int i = 1; i <= 9; ++i) {
    expected += "; Value '' at 'records." + std::to_string(i) +
                ".member.partitionKey' failed to satisfy constraint: Member must have length "
                "greater than or equal to 1";
  }
  EXPECT_EQ(Run(R"({"StreamName":"","Records":[)" + records + "]}", kPutRecordsFields),
            Val(expected));
}

TEST_F(ValidateTest, NullListElementOfRequiredStructure) {
  EXPECT_EQ(Run(R"({"StreamName":"s","Records":[null]})", kPutRecordsFields),
            Val("1 validation error detected: Value null at 'records.1.member' failed to satisfy "
                "constraint: Member must not be null"));
}

TEST_F(ValidateTest, MissingRequiredInListElement) {
  EXPECT_EQ(Run(R"({"StreamName":"s","Records":[{"PartitionKey":"a","Data":""},{"Data":""}]})",
                kPutRecordsFields),
            Val("1 validation error detected: Value null at 'records.2.member.partitionKey' "
                "failed to satisfy constraint: Member must not be null"));
}

TEST_F(ValidateTest, MapRenderingAndKeyValueConstraints) {
  EXPECT_EQ(Run(R"({"StreamName":"s","Tags":{}})", kTagFields),
            Val("1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: "
                "Member must have length greater than or equal to 1"));
  std::string long_key(129, 'k');
  EXPECT_EQ(Run(R"({"StreamName":"s","Tags":{"a":"1",")" + long_key + R"(":"3"}})", kTagFields),
            Val("1 validation error detected: Value '{a=1, " + long_key +
                "=3}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: "
                "[Member must have length less than or equal to 128, Member must have length "
                "greater than or equal to 1]"));
  std::string long_value(257, 'v');
  EXPECT_EQ(Run(R"({"StreamName":"s","Tags":{"a":"1","c":")" + long_value + R"("}})", kTagFields),
            Val("1 validation error detected: Value '{a=1, c=" + long_value +
                "}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: "
                "[Member must have length less than or equal to 256, Member must have length "
                "greater than or equal to 0]"));
}

TEST_F(ValidateTest, MapEntryPathsUseTheKey) {
  static constexpr FieldSpec kValue[] = {{.name = "member", .type = FieldType::kString,
                                   .pattern = Pattern::kName}};
  static constexpr FieldSpec kFields[] = {{.name = "Things", .type = FieldType::kMap, .members = kValue}};
  // Entries are visited in reverse order, like kinesalite.
  EXPECT_EQ(Run(R"({"Things":{"x":"bad!","y":"b d"}})", kFields),
            Val("2 validation errors detected: Value 'b d' at 'things.y.member' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
                "Value 'bad!' at 'things.x.member' failed to satisfy constraint: Member must "
                "satisfy regular expression pattern: [a-zA-Z0-9_.-]+"));
}

TEST_F(ValidateTest, ListOfStringsLengthAndRendering) {
  EXPECT_EQ(Run(R"({"TagKeys":["a",""]})", kRemoveTagFields),
            Val("1 validation error detected: Value '[a, ]' at 'tagKeys' failed to satisfy "
                "constraint: Member must satisfy constraint: [Member must have length less than "
                "or equal to 128, Member must have length greater than or equal to 1]"));
}

TEST_F(ValidateTest, EnumRule) {
  EXPECT_EQ(Run(R"({"ShardIteratorType":"FOO"})", kIteratorFields),
            Val("1 validation error detected: Value 'FOO' at 'shardIteratorType' failed to "
                "satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, "
                "AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]"));
}

TEST_F(ValidateTest, NestedStructurePath) {
  EXPECT_EQ(Run(R"({"StreamModeDetails":{}})", kModeFields),
            Val("1 validation error detected: Value null at 'streamModeDetails.streamMode' failed "
                "to satisfy constraint: Member must not be null"));
  EXPECT_EQ(Run(R"({"StreamModeDetails":{"StreamMode":"X"}})", kModeFields),
            Val("1 validation error detected: Value 'X' at 'streamModeDetails.streamMode' failed "
                "to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, "
                "ON_DEMAND]"));
  EXPECT_EQ(Run(R"({"StreamModeDetails":"x"})", kModeFields), Ser("Expected null"));
}

TEST_F(ValidateTest, ValueRulesAndFloatTruncation) {
  EXPECT_EQ(Run(R"({"Limit":10001})", kLimitFields),
            Val("1 validation error detected: Value '10001' at 'limit' failed to satisfy "
                "constraint: Member must have value less than or equal to 10000"));
  EXPECT_EQ(Run(R"({"Limit":0.9})", kLimitFields),
            Val("1 validation error detected: Value '0' at 'limit' failed to satisfy "
                "constraint: Member must have value greater than or equal to 1"));
  EXPECT_EQ(Run(R"({"Limit":1.9})", kLimitFields), "");
  EXPECT_EQ(Run(R"({"Limit":-0.5})", kLimitFields),
            Val("1 validation error detected: Value '-1' at 'limit' failed to satisfy "
                "constraint: Member must have value greater than or equal to 1"));
  // Integers beyond 2^31-1 are clamped (kinesalite: Math.min(val, 2147483647)).
  EXPECT_EQ(Run(R"({"Limit":99999999999})", kLimitFields),
            Val("1 validation error detected: Value '2147483647' at 'limit' failed to satisfy "
                "constraint: Member must have value less than or equal to 10000"));
}

TEST_F(ValidateTest, LengthCountsUtf16CodeUnits) {
  static constexpr FieldSpec kFields[] = {{.name = "PartitionKey", .type = FieldType::kString, .max = 2}};
  EXPECT_EQ(Run("{\"PartitionKey\":\"\xC3\xA9\xE2\x82\xAC\"}", kFields), "");  // é€: 2 units
  EXPECT_EQ(Run("{\"PartitionKey\":\"a\xF0\x9F\x98\x80\"}", kFields),           // a😀: 3 units
            Val("1 validation error detected: Value 'a\xF0\x9F\x98\x80' at 'partitionKey' failed "
                "to satisfy constraint: Member must have length less than or equal to 2"));
  EXPECT_EQ(Utf16Length("\xF0\x9F\x98\x80"), 2u);
  EXPECT_EQ(Utf16Length("abc"), 3u);
  EXPECT_EQ(Utf16Length("\xE2\x82\xAC"), 1u);
}

// Utf16Length counts ASCII eight bytes at a time: multi-byte sequences at every offset of
// those words, and across their boundaries, count as the byte-at-a-time rule says.
TEST_F(ValidateTest, Utf16LengthMatchesTheByteRuleAtEveryOffset) {
  auto byte_rule = [](std::string_view s) {
    size_t n = 0;
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      n += ((c & 0xC0) != 0x80) + (c >= 0xF0);
    }
    return n;
  };
  EXPECT_EQ(Utf16Length(""), 0u);
  EXPECT_EQ(Utf16Length(std::string(256, 'k')), 256u);
  for (std::string_view seq : {std::string_view("\xC3\xA9"), std::string_view("\xE2\x82\xAC"),
                               std::string_view("\xF0\x9F\x98\x80")}) {
    for (size_t prefix = 0; prefix < 20; ++prefix) {
      for (size_t suffix : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{17}}) {
        const std::string s =
            std::string(prefix, 'a') + std::string(seq) + std::string(suffix, 'b');
        EXPECT_EQ(Utf16Length(s), byte_rule(s)) << prefix << " " << suffix;
        EXPECT_EQ(Utf16Length(s), prefix + suffix + (seq.size() == 4 ? 2 : 1));
      }
    }
  }
}

TEST_F(ValidateTest, StreamArnPatternRule) {
  EXPECT_EQ(Run(R"({"StreamARN":"arn:aws:kinesis:us-east-1:12345678901:stream/s"})", kArnFields),
            Val("1 validation error detected: Value "
                "'arn:aws:kinesis:us-east-1:12345678901:stream/s' at 'streamARN' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern: "
                "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+"));
  EXPECT_EQ(Run(R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s"})", kArnFields),
            "");
}

// --- pattern matchers ---

TEST(PatternTest, Name) {
  EXPECT_TRUE(MatchesPattern(Pattern::kName, "abc-DEF_0.9"));
  EXPECT_FALSE(MatchesPattern(Pattern::kName, ""));
  EXPECT_FALSE(MatchesPattern(Pattern::kName, "a b"));
  EXPECT_FALSE(MatchesPattern(Pattern::kName, "a/b"));
}

TEST(PatternTest, HashKeyAndSequenceNumber) {
  EXPECT_TRUE(MatchesPattern(Pattern::kHashKey, "0"));
  EXPECT_TRUE(MatchesPattern(Pattern::kHashKey, std::string(39, '9')));
  EXPECT_FALSE(MatchesPattern(Pattern::kHashKey, std::string(40, '9')));
  EXPECT_FALSE(MatchesPattern(Pattern::kHashKey, "01"));
  EXPECT_FALSE(MatchesPattern(Pattern::kHashKey, ""));
  EXPECT_FALSE(MatchesPattern(Pattern::kHashKey, "-1"));
  EXPECT_TRUE(MatchesPattern(Pattern::kSequenceNumber, "1" + std::string(128, '0')));
  EXPECT_FALSE(MatchesPattern(Pattern::kSequenceNumber, "1" + std::string(129, '0')));
}

TEST(PatternTest, StreamArn) {
  EXPECT_TRUE(MatchesPattern(Pattern::kStreamArn,
                             "arn:aws:kinesis:us-east-1:000000000000:stream/my-stream"));
  EXPECT_TRUE(MatchesPattern(Pattern::kStreamArn,
                             "arn:aws-cn:kinesis:cn-north-1:000000000000:stream/x"));
  EXPECT_TRUE(MatchesPattern(Pattern::kStreamArn, "arn:aws:kinesis::000000000000:stream/x"));
  EXPECT_FALSE(MatchesPattern(Pattern::kStreamArn, "arn:aws:kinesis:r:000000000000:stream/"));
  EXPECT_FALSE(MatchesPattern(Pattern::kStreamArn, "arn:aws:kinesis:r:000000000000:stream/a b"));
  EXPECT_FALSE(MatchesPattern(Pattern::kStreamArn, "arn:aws:s3:r:000000000000:stream/x"));
  EXPECT_FALSE(MatchesPattern(Pattern::kStreamArn, "xarn:aws:kinesis:r:000000000000:stream/x"));
  EXPECT_FALSE(MatchesPattern(Pattern::kStreamArn, "arn:aws:kinesis:r\n:000000000000:stream/x"));
}

TEST(PatternTest, ConsumerAndResourceArn) {
  const std::string consumer =
      "arn:aws:kinesis:us-east-1:000000000000:stream/s1/consumer/c-1:1700000000";
  EXPECT_TRUE(MatchesPattern(Pattern::kConsumerArn, consumer));
  EXPECT_FALSE(MatchesPattern(Pattern::kConsumerArn,
                              "arn:aws:kinesis:us-east-1:000000000000:stream/s1/consumer/c-1"));
  EXPECT_FALSE(MatchesPattern(Pattern::kConsumerArn,
                              "arn:aws:kinesis:us-east-1:000000000000:stream/s1/consumer/:1"));
  EXPECT_FALSE(MatchesPattern(Pattern::kConsumerArn,
                              "arn:aws:kinesis:us-east-1:000000000000:stream//consumer/c:1"));
  EXPECT_TRUE(MatchesPattern(Pattern::kResourceArn, consumer));
  EXPECT_TRUE(MatchesPattern(Pattern::kResourceArn,
                             "arn:aws:kinesis:us-east-1:000000000000:stream/s1"));
  EXPECT_FALSE(MatchesPattern(Pattern::kResourceArn,
                              "arn:aws:kinesis:us-east-1:000000000000:table/s1"));
}

TEST(PatternTest, StreamId) {
  EXPECT_TRUE(MatchesPattern(Pattern::kStreamId, "abcdefghij0123456789-a1b"));
  EXPECT_FALSE(MatchesPattern(Pattern::kStreamId, "Abcdefghij0123456789-a1b"));
  EXPECT_FALSE(MatchesPattern(Pattern::kStreamId, "abcdefghij0123456789a1b"));
}

TEST(LowerCamelTest, FirstLetterOnly) {
  EXPECT_EQ(LowerCamel("StreamName"), "streamName");
  EXPECT_EQ(LowerCamel("StreamARN"), "streamARN");
}

TEST(ValueReaderTest, TimestampAndInteger) {
  simdjson::dom::parser p;
  EXPECT_EQ(TimestampMsValue(p.parse(std::string("1700000000.123")).value()), 1700000000123);
  EXPECT_EQ(TimestampMsValue(p.parse(std::string("1700000000")).value()), 1700000000000);
  EXPECT_EQ(IntegerValue(p.parse(std::string("3.99")).value(), FieldType::kInteger), 3);
  EXPECT_EQ(IntegerValue(p.parse(std::string("5000000000")).value(), FieldType::kInteger),
            2147483647);
  EXPECT_EQ(IntegerValue(p.parse(std::string("5000000000")).value(), FieldType::kLong),
            5000000000);
}

}  // namespace
}  // namespace runnel::api
