import RunnerCLI
import RunnerSpec

// The built-in plugins and ours: one line a plugin.
var registry = PluginRegistry.standard
registry.tasks.append(ParityTask())
registry.optimizers.append(SignSGDPlugin())
RunnerCommand.main(registry: registry)
