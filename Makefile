# personal-as: the two commands a user needs are `make lab` and `make test`.
# Both bootstrap everything first (idempotent, fast when warm).
SHELL := /bin/bash
.DEFAULT_GOAL := lab
.PHONY: bootstrap bootstrap-arm64 lab vmlab test test-unit test-lab test-arm64 test-vmlab test-arm64-guest verify bench destroy topology docs docs-serve state-backup state-restore

bootstrap:
	bash scripts/bootstrap.sh

# Once, on an amd64 machine, for hosts with `arch: arm64`: qemu-user-static
# with binfmt_misc, the aarch64 cross linker, Krill and the base for arm64.
bootstrap-arm64: bootstrap
	bash scripts/bootstrap-arm64.sh

# The lab stack up, then every host verified with testinfra.
lab: bootstrap
	bash scripts/lab.sh

# The user's vps and home as real Debian machines (QEMU guests) in the lab
# world: build and boot them, pulumi up --stack vmlab, then verify.
vmlab: bootstrap
	bash scripts/vmlab.sh

# Every test tier: unit (seconds), lab (minutes, real daemons), vmlab (real
# Debian guests; the prod guide run as written), then arm64.
test: bootstrap
	bash scripts/test.sh

test-unit: bootstrap
	bash scripts/test.sh unit

test-lab: bootstrap
	bash scripts/test.sh lab

test-arm64: bootstrap
	bash scripts/test.sh arm64

test-vmlab: bootstrap
	bash scripts/test.sh vmlab

# Not part of `make test` (CI's 60 minutes are spent): an arm64 Debian guest
# (qemu-system-aarch64, TCG) runs the arm64 images on an arm64 kernel, and
# tests/arm64_guest checks Krill, BIRD in session with a lab-side BIRD, and
# nginx proxying Krill in it. Installs QEMU's arm64 emulator, builds the
# guest's disk once, boots it, tests, and takes it all down, also when a
# test fails. Timings: ~/.cache/personal-as/arm64-guest/timings.log.
test-arm64-guest: bootstrap-arm64
	bash scripts/arm64-guest.sh run

# testinfra against the running lab, without another `pulumi up`.
verify:
	source scripts/env.sh && python -m pytest tests/infra -v

# Not part of `make test`: brings the lab up and measures it, then the vmlab
# guests (shipping, memory in the 512 MB vps); about 45 min. Writes
# bench/results/latest.json and latest.png, and leaves nothing up.
bench: bootstrap
	source scripts/env.sh && python -m bench.bench

# The lab's topology drawn from its plan (Graphviz): docs/topology-lab.svg,
# committed; a unit test fails when it no longer matches the plan.
topology: bootstrap
	bash scripts/topology.sh

# The Pulumi state of one stack, encrypted under its passphrase, to a file
# you name; and back into a backend that does not have the stack
# (docs/operations.md, "The Pulumi state"). Export PULUMI_CONFIG_PASSPHRASE_FILE first, as for `up`.
STACK ?= prod
state-backup:
	@[ -n "$(FILE)" ] || { echo "make state-backup: name the file: FILE=path (STACK=$(STACK))" >&2; exit 2; }
	bash scripts/state.sh backup '$(STACK)' '$(FILE)'

state-restore:
	@[ -n "$(FILE)" ] || { echo "make state-restore: name the backup: FILE=path (STACK=$(STACK))" >&2; exit 2; }
	bash scripts/state.sh restore '$(STACK)' '$(FILE)'

# The lab, and the lab tier's second lab (`lab2`) if a run left it up.
destroy:
	source scripts/env.sh && pulumi destroy --stack lab --yes --non-interactive && \
	  if pulumi stack ls --json | grep -q '"name": "lab2"'; then pulumi destroy --stack lab2 --yes --non-interactive; fi

# The documentation site (mkdocs.yml, docs/): the config reference and the
# stack files' schema are generated from the config models first, then the
# site is built --strict into build/site (as the unit tier checks it).
docs: bootstrap
	source scripts/env.sh && python -m components.config.reference --write && NO_MKDOCS_2_WARNING=1 mkdocs build --strict

# The same site, served on http://127.0.0.1:8000/ and rebuilt on each edit.
docs-serve: docs
	source scripts/env.sh && NO_MKDOCS_2_WARNING=1 mkdocs serve --strict
