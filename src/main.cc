// runnel: one binary for the server (`runnel serve`) and the client tools (create-stream,
// produce, consume, demo, bench, ...). This file only composes the command tree.
#include <CLI/CLI.hpp>

#include "cli/bench/bench_command.h"
#include "cli/commands.h"
#include "server/serve_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Runnel: a fast, durable, Kinesis-compatible streaming server"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "runnel 0.1.0");
  int serve_exit = -1;
  runnel::server::AddServeCommand(app, &serve_exit);
  runnel::cli::AddCliCommands(app);
  runnel::cli::bench::AddBenchCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 1;  // usage error
  }
  if (serve_exit >= 0) return serve_exit;
  return runnel::cli::ExitCode();
}
