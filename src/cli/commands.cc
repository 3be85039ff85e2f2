#include "cli/commands.h"

#include "cli/cli_common.h"
#include "cli/command_groups.h"

namespace runnel::cli {
namespace {

int g_exit_code = kExitOk;

}  // namespace

void SetExitCode(int code) { g_exit_code = code; }

int ExitCode() { return g_exit_code; }

void AddCliCommands(CLI::App& app) {
  AddStreamCommands(app);
  AddProduceCommands(app);
  AddConsumeCommand(app);
  AddDemoCommand(app);
}

}  // namespace runnel::cli
