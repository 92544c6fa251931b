#!/usr/bin/env bash
# `make lab`: the lab stack up from whatever state it is in, then verified.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source scripts/env.sh
pulumi stack select --create lab --non-interactive >/dev/null
bash scripts/pulumi-recover.sh lab
echo "== pulumi up --stack lab"
pulumi up --stack lab --yes --non-interactive --skip-preview
echo "== verifying every lab host with testinfra"
python -m pytest tests/infra -v -p no:cacheprovider -m "not destructive"
echo "== lab is up and verified; route0: $(pulumi stack output route0_url --stack lab)"
