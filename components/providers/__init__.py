"""Dynamic providers: the side effects no typed provider here can do.

The machine has no pulumi-docker or pulumi-command provider binaries (the Go
module proxy does not serve them), so these speak to Docker and SSH directly.
Each provider creates its clients inside its methods, never captured, because
Pulumi serializes the provider object into the state.
"""
