// Registers `runnel serve` and its flags on the command tree.
#pragma once

namespace CLI {
class App;
}

namespace runnel::server {
void AddServeCommand(CLI::App& app);
}
