// One definition per AWS shape (kinesis-api-actions.md §0). Action files compose their
// request tables from these constants:
//
//   constexpr FieldSpec kPutRecordFields[] = {
//       kStreamName, kStreamArn, Required(kPartitionKey), Required(kData),
//       kExplicitHashKey, kSequenceNumberForOrdering, kStreamId};
//   if (auto err = Validate(body, kPutRecordFields)) return *err;
//
// Every constant carries the member name it has in most operations; Renamed() reuses a shape
// under another member name (e.g. Renamed(kShardId, "ExclusiveStartShardId")) and Required()
// marks it notNull. Table order is the order in which violations are reported.
#pragma once

#include <string_view>

#include "api/validate.h"

namespace runnel::api {

constexpr FieldSpec Required(FieldSpec f) {
  f.required = true;
  return f;
}
constexpr FieldSpec Renamed(FieldSpec f, std::string_view name) {
  f.name = name;
  return f;
}
constexpr FieldSpec Optional(FieldSpec f) {
  f.required = false;
  return f;
}

// ---- Enum value sets (in the order AWS lists them in messages) ----
inline constexpr std::string_view kShardIteratorTypeValues[] = {
    "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"};
inline constexpr std::string_view kStreamModeValues[] = {"PROVISIONED", "ON_DEMAND"};
inline constexpr std::string_view kEncryptionTypeValues[] = {"NONE", "KMS"};
inline constexpr std::string_view kScalingTypeValues[] = {"UNIFORM_SCALING"};
inline constexpr std::string_view kShardFilterTypeValues[] = {
    "AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON",
    "AT_LATEST",      "AT_TIMESTAMP",    "FROM_TIMESTAMP"};
inline constexpr std::string_view kMetricsNameValues[] = {
    "IncomingBytes",   "IncomingRecords",
    "OutgoingBytes",   "OutgoingRecords",
    "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds", "ALL"};

// ---- Identifiers ----
inline constexpr FieldSpec kStreamName{.name = "StreamName", .type = FieldType::kString,
                                       .min = 1, .max = 128, .pattern = Pattern::kName};
inline constexpr FieldSpec kStreamArn{.name = "StreamARN", .type = FieldType::kString,
                                      .min = 1, .max = 2048, .pattern = Pattern::kStreamArn};
// Reserved by AWS ("not implemented"); accepted and ignored.
inline constexpr FieldSpec kStreamId{.name = "StreamId", .type = FieldType::kString,
                                     .min = 1, .max = 24, .pattern = Pattern::kStreamId};
inline constexpr FieldSpec kShardId{.name = "ShardId", .type = FieldType::kString,
                                    .min = 1, .max = 128, .pattern = Pattern::kName};
inline constexpr FieldSpec kExclusiveStartShardId = Renamed(kShardId, "ExclusiveStartShardId");
inline constexpr FieldSpec kShardToSplit = Required(Renamed(kShardId, "ShardToSplit"));
inline constexpr FieldSpec kShardToMerge = Required(Renamed(kShardId, "ShardToMerge"));
inline constexpr FieldSpec kAdjacentShardToMerge =
    Required(Renamed(kShardId, "AdjacentShardToMerge"));
inline constexpr FieldSpec kExclusiveStartStreamName =
    Renamed(kStreamName, "ExclusiveStartStreamName");
inline constexpr FieldSpec kConsumerName{.name = "ConsumerName", .type = FieldType::kString,
                                         .min = 1, .max = 128, .pattern = Pattern::kName};
inline constexpr FieldSpec kConsumerArn{.name = "ConsumerARN", .type = FieldType::kString,
                                        .min = 1, .max = 2048, .pattern = Pattern::kConsumerArn};
inline constexpr FieldSpec kResourceArn{.name = "ResourceARN", .type = FieldType::kString,
                                        .min = 1, .max = 2048, .pattern = Pattern::kResourceArn};
inline constexpr FieldSpec kKeyId{.name = "KeyId", .type = FieldType::kString, .min = 1,
                                  .max = 2048};

// ---- Records ----
inline constexpr FieldSpec kPartitionKey{.name = "PartitionKey", .type = FieldType::kString,
                                         .min = 1, .max = 256};
// The model allows 10 MiB (MaxRecordSizeInKiB up to 10240). The stream's own limit
// (data + UTF-8 partition key, 1 MiB by default) is a service check, not a validation.
inline constexpr int64_t kMaxDataBytes = 10 * 1024 * 1024;
inline constexpr FieldSpec kData{.name = "Data", .type = FieldType::kBlob, .min = 0,
                                 .max = kMaxDataBytes};
inline constexpr FieldSpec kExplicitHashKey{.name = "ExplicitHashKey",
                                            .type = FieldType::kString,
                                            .pattern = Pattern::kHashKey};
inline constexpr FieldSpec kNewStartingHashKey =
    Required(Renamed(kExplicitHashKey, "NewStartingHashKey"));
inline constexpr FieldSpec kSequenceNumberForOrdering{.name = "SequenceNumberForOrdering",
                                                      .type = FieldType::kString,
                                                      .pattern = Pattern::kSequenceNumber};
inline constexpr FieldSpec kStartingSequenceNumber =
    Renamed(kSequenceNumberForOrdering, "StartingSequenceNumber");

// PutRecordsRequestEntry, in the member order AWS reports violations.
inline constexpr FieldSpec kPutRecordsRequestEntryMembers[] = {
    Required(kPartitionKey), kExplicitHashKey, Required(kData)};
inline constexpr FieldSpec kPutRecordsRequestEntry{
    .name = "member", .type = FieldType::kStructure, .required = true,
    .members = kPutRecordsRequestEntryMembers};
inline constexpr FieldSpec kPutRecordsRequestEntryList[] = {kPutRecordsRequestEntry};
inline constexpr FieldSpec kRecords{
    .name = "Records", .type = FieldType::kList, .required = true, .min = 1, .max = 500,
    .members = kPutRecordsRequestEntryList,
    .member_str = "com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@2"};

// ---- Iterators, paging ----
inline constexpr FieldSpec kShardIteratorType{.name = "ShardIteratorType",
                                              .type = FieldType::kString, .required = true,
                                              .enum_values = kShardIteratorTypeValues};
inline constexpr FieldSpec kShardIterator{.name = "ShardIterator", .type = FieldType::kString,
                                          .required = true, .min = 1, .max = 512};
inline constexpr FieldSpec kTimestamp{.name = "Timestamp", .type = FieldType::kTimestamp};
inline constexpr FieldSpec kStreamCreationTimestamp =
    Renamed(kTimestamp, "StreamCreationTimestamp");
// GetRecords Limit, DescribeStream Limit, ListStreams Limit: 1..10000.
inline constexpr FieldSpec kLimit{.name = "Limit", .type = FieldType::kInteger, .min = 1,
                                  .max = 10000};
// ListShards / ListStreamConsumers MaxResults: 1..10000.
inline constexpr FieldSpec kMaxResults = Renamed(kLimit, "MaxResults");
inline constexpr FieldSpec kNextToken{.name = "NextToken", .type = FieldType::kString, .min = 1,
                                      .max = 1048576};

inline constexpr FieldSpec kShardFilterMembers[] = {
    {.name = "Type", .type = FieldType::kString, .required = true,
     .enum_values = kShardFilterTypeValues},
    kShardId,
    kTimestamp};
inline constexpr FieldSpec kShardFilter{.name = "ShardFilter", .type = FieldType::kStructure,
                                        .members = kShardFilterMembers};

// ---- Stream configuration ----
inline constexpr FieldSpec kShardCount{.name = "ShardCount", .type = FieldType::kInteger,
                                       .min = 1};
inline constexpr FieldSpec kTargetShardCount =
    Required(Renamed(kShardCount, "TargetShardCount"));
inline constexpr FieldSpec kScalingType{.name = "ScalingType", .type = FieldType::kString,
                                        .required = true, .enum_values = kScalingTypeValues};
// Model has no bounds; the service enforces 24..8760 with InvalidArgumentException.
inline constexpr FieldSpec kRetentionPeriodHours{.name = "RetentionPeriodHours",
                                                 .type = FieldType::kInteger, .required = true};
inline constexpr FieldSpec kStreamModeMembers[] = {
    {.name = "StreamMode", .type = FieldType::kString, .required = true,
     .enum_values = kStreamModeValues}};
inline constexpr FieldSpec kStreamModeDetails{.name = "StreamModeDetails",
                                              .type = FieldType::kStructure,
                                              .members = kStreamModeMembers};
inline constexpr FieldSpec kMaxRecordSizeInKiB{.name = "MaxRecordSizeInKiB",
                                               .type = FieldType::kInteger, .min = 1024,
                                               .max = 10240};
inline constexpr FieldSpec kWarmThroughputMiBps{.name = "WarmThroughputMiBps",
                                                .type = FieldType::kInteger, .min = 0};
inline constexpr FieldSpec kEncryptionType{.name = "EncryptionType", .type = FieldType::kString,
                                           .required = true,
                                           .enum_values = kEncryptionTypeValues};
inline constexpr FieldSpec kEnforceConsumerDeletion{.name = "EnforceConsumerDeletion",
                                                    .type = FieldType::kBoolean};

inline constexpr FieldSpec kMetricsName[] = {
    {.name = "member", .type = FieldType::kString, .enum_values = kMetricsNameValues}};
inline constexpr FieldSpec kShardLevelMetrics{.name = "ShardLevelMetrics",
                                              .type = FieldType::kList, .required = true,
                                              .min = 1, .max = 7, .members = kMetricsName};

// ---- Tags ----
inline constexpr FieldSpec kTagKey{.name = "member", .type = FieldType::kString, .min = 1,
                                   .max = 128};
inline constexpr FieldSpec kTagValue[] = {
    {.name = "member", .type = FieldType::kString, .min = 0, .max = 256}};
inline constexpr FieldSpec kTagKeyElement[] = {kTagKey};
// TagMap: 1..200 entries (the service caps a stream at 50 tags).
inline constexpr FieldSpec kTags{.name = "Tags", .type = FieldType::kMap, .min = 1, .max = 200,
                                 .members = kTagValue, .key_spec = &kTagKey};
inline constexpr FieldSpec kTagKeys{.name = "TagKeys", .type = FieldType::kList,
                                    .required = true, .min = 1, .max = 50,
                                    .members = kTagKeyElement};
// ListTagsForStream paging: a TagKey to start after, and 1..50 tags per page.
inline constexpr FieldSpec kExclusiveStartTagKey{.name = "ExclusiveStartTagKey",
                                                 .type = FieldType::kString, .min = 1,
                                                 .max = 128};
inline constexpr FieldSpec kListTagsLimit{.name = "Limit", .type = FieldType::kInteger,
                                          .min = 1, .max = 50};

// ---- Resource policies, account settings ----
// The model puts no length bound on Policy; the service checks that it is JSON.
inline constexpr FieldSpec kPolicy{.name = "Policy", .type = FieldType::kString,
                                   .required = true};
inline constexpr std::string_view kMinimumThroughputBillingCommitmentInputStatusValues[] = {
    "ENABLED", "DISABLED"};
inline constexpr FieldSpec kMinimumThroughputBillingCommitmentMembers[] = {
    {.name = "Status", .type = FieldType::kString, .required = true,
     .enum_values = kMinimumThroughputBillingCommitmentInputStatusValues}};
inline constexpr FieldSpec kMinimumThroughputBillingCommitment{
    .name = "MinimumThroughputBillingCommitment", .type = FieldType::kStructure,
    .required = true, .members = kMinimumThroughputBillingCommitmentMembers};

}  // namespace runnel::api
