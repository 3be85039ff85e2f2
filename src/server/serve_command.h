// Registers `runnel serve` and its flags on the command tree.
#pragma once

namespace CLI {
class App;
}

namespace runnel::server {
// Registers `serve`; when it runs, its process exit code is stored in *exit_code.
void AddServeCommand(CLI::App& app, int* exit_code);
}
