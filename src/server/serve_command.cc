// `runnel serve`: wires storage, stream registry, API service and HTTP server together, and
// runs until SIGINT/SIGTERM (graceful: stop accepting, finish in-flight requests, fsync).
#include "server/serve_command.h"

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <charconv>

#include "api/auth/credentials_file.h"
#include "api/service.h"
#include "server/file_limit.h"
#include "server/http_server.h"
#include "server/tls_context.h"
#include "storage/committer.h"
#include "stream/stream_registry.h"

namespace runnel::server {
namespace {

struct ServeFlags {
  std::string host = "127.0.0.1";
  uint16_t port = 4567;
  std::string data_dir = "./data";
  std::string sync = "always";
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string log_level = "info";
  int64_t transition_ms = 100;
  // Fits a 10 MiB record (the largest UpdateMaxRecordSize allows) as base64 in JSON
  // (~13.4 MiB) plus the other members; larger bodies get 413.
  size_t max_body_bytes = 14u << 20;
  unsigned threads = 0;
  uint64_t segment_bytes = 64ull << 20;
  uint32_t shard_limit = 20000;
  uint32_t on_demand_stream_limit = 50;
  uint32_t consumer_limit = 20;
  int64_t tail_wait_ms = 5;
  bool enable_test_clock = false;
  std::string tls_cert;
  std::string tls_key;
  uint16_t tls_port = 4568;
  bool tls_self_signed = false;
  std::string auth = "none";  // none | sigv4
  std::string credentials_file;
};

// "always" | "none" | "interval=<ms>"
bool ParseSync(const std::string& s, storage::SyncMode* mode, std::chrono::milliseconds* every) {
  if (s == "always") {
    *mode = storage::SyncMode::kAlways;
    return true;
  }
  if (s == "none") {
    *mode = storage::SyncMode::kNone;
    return true;
  }
  constexpr std::string_view kPrefix = "interval=";
  if (s.rfind(kPrefix, 0) == 0) {
    int64_t ms = 0;
    const char* b = s.data() + kPrefix.size();
    auto [p, ec] = std::from_chars(b, s.data() + s.size(), ms);
    if (ec != std::errc() || p != s.data() + s.size() || ms <= 0) return false;
    *mode = storage::SyncMode::kInterval;
    *every = std::chrono::milliseconds(ms);
    return true;
  }
  return false;
}

int RunServe(const ServeFlags& f) {
  auto logger = spdlog::stderr_color_mt("runnel");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(f.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  const FileLimit files = RaiseOpenFileLimit();
  if (files.after != files.before) {
    spdlog::info("open files limit raised from {} to {}", files.before, files.after);
  }

  storage::SyncMode mode;
  std::chrono::milliseconds every{0};
  if (!ParseSync(f.sync, &mode, &every)) {
    spdlog::error("--sync must be always, none or interval=<ms>; got '{}'", f.sync);
    return 1;
  }

  // Block the termination signals in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  storage::Committer committer(mode, every);
  stream::RegistryOptions ro;
  ro.data_dir = f.data_dir;
  ro.region = f.region;
  ro.transition_ms = f.transition_ms;
  ro.log.segment_bytes = f.segment_bytes;
  ro.shard_limit = f.shard_limit;
  ro.on_demand_stream_limit = f.on_demand_stream_limit;
  ro.consumer_limit = f.consumer_limit;
  auto registry = stream::StreamRegistry::Open(ro, &committer);
  if (!registry) {
    spdlog::error("cannot open data dir {}: {}", f.data_dir, registry.error().value);
    return 2;
  }
  api::ServiceOptions so{f.region, f.account_id};
  so.enable_test_clock = f.enable_test_clock;
  so.tail_wait_ms = f.tail_wait_ms;
  if (f.enable_test_clock) {
    spdlog::warn("test clock enabled: Runnel_20240101.AdvanceClock moves time forward");
  }
  if (f.auth == "sigv4") {
    if (f.credentials_file.empty()) {
      spdlog::error("--auth sigv4 needs --credentials-file");
      return 1;
    }
    auto store = api::auth::CredentialStore::Load(f.credentials_file, f.account_id);
    if (!store) {
      spdlog::error("{}", store.error());
      return 1;
    }
    spdlog::info("auth: sigv4, {} access keys from {}", store->size(), f.credentials_file);
    so.auth = api::ServiceOptions::Auth::kSigV4;
    so.credentials = std::make_shared<const api::auth::CredentialStore>(std::move(*store));
  }
  api::Service service(**registry, so);

  HttpServerOptions ho;
  ho.host = f.host;
  ho.port = f.port;
  ho.threads = f.threads;
  ho.max_body_bytes = f.max_body_bytes;
  if (f.tls_self_signed) {
    auto paths = EnsureSelfSignedCertificate(f.data_dir + "/tls");
    if (!paths) {
      spdlog::error("--tls-self-signed: {}", paths.error());
      return 2;
    }
    spdlog::info("TLS: {} self-signed certificate {} (key {})",
                 paths->created ? "generated" : "reusing", paths->cert_file, paths->key_file);
    ho.tls_cert_file = paths->cert_file;
    ho.tls_key_file = paths->key_file;
  } else if (!f.tls_cert.empty() || !f.tls_key.empty()) {
    if (f.tls_cert.empty() || f.tls_key.empty()) {
      spdlog::error("--tls-cert and --tls-key go together");
      return 1;
    }
    ho.tls_cert_file = f.tls_cert;
    ho.tls_key_file = f.tls_key;
  }
  ho.tls_port = f.tls_port;
  HttpServer http(ho, [&service](const api::ApiRequest& req, api::Respond respond) {
    service.Handle(req, std::move(respond));
  });
  auto port = http.Start();
  if (!port) {
    spdlog::error("{}", port.error());
    return 2;
  }
  spdlog::info("runnel listening on http://{}:{} (data dir {}, sync {}, region {}, account {})",
               f.host, *port, f.data_dir, f.sync, f.region, f.account_id);
  if (http.tls_port() != 0) {
    spdlog::info("runnel listening on https://{}:{} (HTTP/1.1 and h2)", f.host, http.tls_port());
  }

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  http.Shutdown();
  committer.Flush();
  registry->reset();
  spdlog::info("shutdown complete");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the Kinesis-compatible server");
  cmd->add_option("--host", flags->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", flags->port, "Port to listen on (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--data-dir", flags->data_dir, "Where streams are stored")
      ->capture_default_str();
  cmd->add_option("--sync", flags->sync,
                  "Durability: always (fsync before ack, group commit), interval=<ms>, none")
      ->capture_default_str();
  cmd->add_option("--region", flags->region, "Region reported in ARNs")->capture_default_str();
  cmd->add_option("--account-id", flags->account_id, "Account id of the default namespace")
      ->capture_default_str();
  cmd->add_option("--log-level", flags->log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  cmd->add_option("--transition-ms", flags->transition_ms,
                  "Delay of CREATING->ACTIVE, UPDATING->ACTIVE and DELETING->gone (0-500 ms)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  cmd->add_option("--max-body-bytes", flags->max_body_bytes, "Largest accepted request body")
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "I/O threads (0: one per core)")
      ->capture_default_str();
  cmd->add_option("--segment-bytes", flags->segment_bytes, "Segment file size before rolling")
      ->capture_default_str();
  cmd->add_flag("--enable-test-clock", flags->enable_test_clock,
               "Tests only: accept Runnel_20240101.AdvanceClock (docs/testing.md)");
  cmd->add_option("--shard-limit", flags->shard_limit,
                  "Open shards per account (DescribeLimits.ShardLimit)")
      ->capture_default_str();
  cmd->add_option("--on-demand-stream-limit", flags->on_demand_stream_limit,
                  "ON_DEMAND streams per account (DescribeLimits.OnDemandStreamCountLimit)")
      ->capture_default_str();
  cmd->add_option("--consumer-limit", flags->consumer_limit,
                  "Registered (enhanced fan-out) consumers per stream; AWS allows 20")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--tail-wait-ms", flags->tail_wait_ms,
                  "GetRecords without x-runnel-wait-ms that finds nothing at the end of a shard "
                  "which received a record in the last second waits up to this long for the "
                  "next one (0: answer at once)")
      ->capture_default_str()
      ->check(CLI::Range(0, 5000));
  cmd->add_option("--auth", flags->auth,
                  "Request authentication: none (any or no signature) or sigv4 (verify "
                  "against --credentials-file)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "sigv4"}));
  cmd->add_option("--credentials-file", flags->credentials_file,
                  "AWS shared-credentials INI file for --auth sigv4 (aws_access_key_id, "
                  "aws_secret_access_key, optional account_id per profile)");
  cmd->add_option("--tls-cert", flags->tls_cert, "PEM certificate (chain) for HTTPS/h2");
  cmd->add_option("--tls-key", flags->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--tls-port", flags->tls_port, "HTTPS/h2 port when TLS is enabled (0: any)")
      ->capture_default_str();
  cmd->add_flag("--tls-self-signed", flags->tls_self_signed,
                "Serve TLS with a development certificate generated on first start in "
                "<data-dir>/tls (CN=localhost, IP 127.0.0.1) and reused afterwards")
      ->excludes("--tls-cert")
      ->excludes("--tls-key");
  cmd->callback([flags, exit_code] { *exit_code = RunServe(*flags); });
}

}  // namespace runnel::server
