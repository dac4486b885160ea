"""The stack program and its composition: `RegionalPlatform`, the tiers, the output contract
(`PlatformOutputs`, `PlatformReference`), `ExternalTenant`, and the typed assembly of every
component's args from the stack configuration. Components below this layer never see the stack
file; this layer is the only place that reads it."""
