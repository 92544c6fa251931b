# personal-as: the two commands a user needs are `make lab` and `make test`.
# Both bootstrap everything first (idempotent, fast when warm).
SHELL := /bin/bash
.DEFAULT_GOAL := lab
.PHONY: bootstrap lab test test-unit test-lab verify bench destroy

bootstrap:
	bash scripts/bootstrap.sh

# The lab stack up, then every host verified with testinfra.
lab: bootstrap
	bash scripts/lab.sh

# Every test tier: unit (seconds) then lab (minutes, real daemons).
test: bootstrap
	bash scripts/test.sh

test-unit: bootstrap
	bash scripts/test.sh unit

test-lab: bootstrap
	bash scripts/test.sh lab

# testinfra against the running lab, without another `pulumi up`.
verify:
	source scripts/env.sh && python -m pytest tests/infra -v

# Not part of `make test`: brings the lab up and measures it (about 20 min),
# writing bench/results/latest.json and latest.png.
bench: bootstrap
	source scripts/env.sh && python -m bench.bench

destroy:
	source scripts/env.sh && pulumi destroy --stack lab --yes --non-interactive
