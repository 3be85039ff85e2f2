// create-stream, delete-stream, list-streams, describe-stream.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/command_groups.h"
#include "cli/record_format.h"

namespace runnel::cli {
namespace {

constexpr std::chrono::seconds kWaitTimeout{120};

struct CreateStreamArgs {
  GlobalFlags global;
  std::string stream;
  int64_t shards = 0;
  bool no_wait = false;
};

struct DeleteStreamArgs {
  GlobalFlags global;
  std::string stream;
  bool no_wait = false;
};

struct ListStreamsArgs {
  GlobalFlags global;
};

struct DescribeStreamArgs {
  GlobalFlags global;
  std::string stream;
  bool json = false;
};

int RunCreateStream(const CreateStreamArgs& args) {
  int code = kExitOk;
  auto session = OpenSession(args.global, args.stream, StreamRequirement::kRequired, &code);
  if (!session) return code;
  int64_t shards = args.shards > 0 ? args.shards : session->settings.shard_count;
  if (auto r = session->client->CreateStream(session->stream, shards); !r.ok()) {
    return ReportServiceError(r.error());
  }
  if (!args.no_wait) {
    if (auto r = WaitForActive(*session->client, session->stream, kWaitTimeout); !r.ok()) {
      return ReportServiceError(r.error());
    }
  }
  std::printf("created stream %s with %lld shard%s%s\n", session->stream.c_str(),
              static_cast<long long>(shards), shards == 1 ? "" : "s",
              args.no_wait ? " (not waiting for ACTIVE)" : " (ACTIVE)");
  return kExitOk;
}

int RunDeleteStream(const DeleteStreamArgs& args) {
  int code = kExitOk;
  auto session = OpenSession(args.global, args.stream, StreamRequirement::kRequired, &code);
  if (!session) return code;
  if (auto r = session->client->DeleteStream(session->stream); !r.ok()) {
    return ReportServiceError(r.error());
  }
  if (!args.no_wait) {
    if (auto r = WaitForDeleted(*session->client, session->stream, kWaitTimeout); !r.ok()) {
      return ReportServiceError(r.error());
    }
  }
  std::printf("deleted stream %s%s\n", session->stream.c_str(),
              args.no_wait ? " (not waiting for it to disappear)" : "");
  return kExitOk;
}

int RunListStreams(const ListStreamsArgs& args) {
  int code = kExitOk;
  auto session = OpenSession(args.global, "", StreamRequirement::kOptional, &code);
  if (!session) return code;
  auto names = session->client->ListStreams();
  if (!names.ok()) return ReportServiceError(names.error());
  for (const std::string& name : *names) std::printf("%s\n", name.c_str());
  return kExitOk;
}

// Prints rows as columns separated by two spaces, each as wide as its widest cell.
void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line.append(row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

int RunDescribeStream(const DescribeStreamArgs& args) {
  int code = kExitOk;
  auto session = OpenSession(args.global, args.stream, StreamRequirement::kRequired, &code);
  if (!session) return code;
  auto summary = session->client->DescribeStreamSummary(session->stream);
  if (!summary.ok()) return ReportServiceError(summary.error());
  auto shards = session->client->ListShards(session->stream);
  if (!shards.ok() && shards.error().type == "ResourceInUseException" &&
      (summary->stream_status == "CREATING" || summary->stream_status == "DELETING")) {
    shards = std::vector<ShardInfo>{};  // ListShards answers only for ACTIVE/UPDATING streams
  }
  if (!shards.ok()) return ReportServiceError(shards.error());

  if (args.json) {
    std::string out = "{\"StreamDescriptionSummary\":" + summary->raw_json + ",\"Shards\":[";
    for (size_t i = 0; i < shards->size(); ++i) {
      if (i > 0) out.push_back(',');
      out.append((*shards)[i].raw_json);
    }
    out.append("]}");
    std::printf("%s\n", out.c_str());
    return kExitOk;
  }

  const StreamSummary& s = *summary;
  std::printf("Stream:       %s\n", s.stream_name.c_str());
  std::printf("ARN:          %s\n", s.stream_arn.c_str());
  std::printf("Status:       %s\n", s.stream_status.c_str());
  if (!s.stream_mode.empty()) std::printf("Mode:         %s\n", s.stream_mode.c_str());
  std::printf("Open shards:  %lld\n", static_cast<long long>(s.open_shard_count));
  std::printf("Retention:    %lld h\n", static_cast<long long>(s.retention_period_hours));
  std::printf("Created:      %s\n",
              FormatIsoTime(static_cast<int64_t>(s.creation_timestamp * 1000.0 + 0.5)).c_str());
  std::printf("\n");
  std::vector<std::vector<std::string>> rows = {
      {"SHARD", "STATE", "PARENTS", "HASH KEY RANGE", "SEQUENCE NUMBER RANGE"}};
  for (const ShardInfo& shard : *shards) {
    std::string parents = shard.parent_shard_id;
    if (!shard.adjacent_parent_shard_id.empty()) parents += "," + shard.adjacent_parent_shard_id;
    rows.push_back({shard.shard_id, shard.IsOpen() ? "open" : "closed",
                    parents.empty() ? "-" : parents,
                    shard.starting_hash_key + " .. " + shard.ending_hash_key,
                    shard.starting_sequence_number + " .. " +
                        (shard.IsOpen() ? std::string("(open)") : shard.ending_sequence_number)});
  }
  PrintTable(rows);
  return kExitOk;
}

}  // namespace

void AddStreamCommands(CLI::App& app) {
  {
    auto args = std::make_shared<CreateStreamArgs>();
    CLI::App* sub = app.add_subcommand("create-stream", "Create a stream and wait until it is ACTIVE");
    AddStreamFlag(sub, &args->stream);
    sub->add_option("--shards", args->shards, "Number of shards (default: shard_count in config.json, else 1)")
        ->check(CLI::Range(int64_t{1}, int64_t{100000}));
    sub->add_flag("--no-wait", args->no_wait, "Return without waiting for ACTIVE");
    AddGlobalFlags(sub, &args->global);
    sub->callback([args] { SetExitCode(RunCreateStream(*args)); });
  }
  {
    auto args = std::make_shared<DeleteStreamArgs>();
    CLI::App* sub = app.add_subcommand("delete-stream", "Delete a stream and wait until it is gone");
    AddStreamFlag(sub, &args->stream);
    sub->add_flag("--no-wait", args->no_wait, "Return without waiting for the stream to disappear");
    AddGlobalFlags(sub, &args->global);
    sub->callback([args] { SetExitCode(RunDeleteStream(*args)); });
  }
  {
    auto args = std::make_shared<ListStreamsArgs>();
    CLI::App* sub = app.add_subcommand("list-streams", "List the stream names, one per line");
    AddGlobalFlags(sub, &args->global);
    sub->callback([args] { SetExitCode(RunListStreams(*args)); });
  }
  {
    auto args = std::make_shared<DescribeStreamArgs>();
    CLI::App* sub = app.add_subcommand(
        "describe-stream", "Show a stream and its shards (hash key and sequence number ranges)");
    AddStreamFlag(sub, &args->stream);
    sub->add_flag("--json", args->json,
                  "Print {\"StreamDescriptionSummary\":...,\"Shards\":[...]} as one JSON line");
    AddGlobalFlags(sub, &args->global);
    sub->callback([args] { SetExitCode(RunDescribeStream(*args)); });
  }
}

}  // namespace runnel::cli
