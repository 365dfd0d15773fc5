import RunnerCLI
import RunnerSpec

// The whole command line with the built-in plugins. A package of your own that depends on the
// RunnerCLI and RunnerSpec products gets the same `runner` with its plugins added:
// `RunnerCommand.main(registry: PluginRegistry.standard.adding(...))` (examples/custom-plugin).
RunnerCommand.main(registry: .standard)
