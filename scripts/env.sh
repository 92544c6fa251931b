# Source this file for a shell where `pulumi preview --stack lab` just works:
#   source scripts/env.sh
# It activates the venv and points Pulumi at the project's local state.
_pas_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
# shellcheck disable=SC1091
. "$_pas_root/.venv/bin/activate"
# State lives inside the project (gitignored): no login, no cloud backend.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$_pas_root/.pulumi-state}"
export PULUMI_HOME="${PULUMI_HOME:-${PERSONAL_AS_CACHE:-$HOME/.cache/personal-as}/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=false
# Resource operations at once. Nearly all of them wait on a host (SSH, Docker,
# Krill), so the engine's default of 4 per core leaves hosts idle: on two
# cores, the vmlab guests took turns. The dynamic provider serves as many.
export PULUMI_PARALLEL="${PULUMI_PARALLEL:-32}"
# Each resource's diff probes its host (that is how drift shows at preview),
# and the engine makes those diffs one after another unless told otherwise
# (pulumi/pulumi#12351; PULUMI_PARALLEL_DIFF, pulumi/pulumi#18872). Side by side, a
# no-change preview of the lab took half the time (9.8 s -> 4.9 s, 280
# resources, 2026-12-05).
export PULUMI_PARALLEL_DIFF="${PULUMI_PARALLEL_DIFF:-true}"
# The lab passphrase is committed on purpose: it protects nothing real, and
# CI needs it. A prod stack must use its own: export PULUMI_CONFIG_PASSPHRASE
# (or _FILE) before running pulumi against prod.
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE_FILE="$_pas_root/stacks/lab.passphrase"
fi
mkdir -p "$_pas_root/.pulumi-state"
unset _pas_root
