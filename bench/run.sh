#!/usr/bin/env bash
# `make bench`: not written yet (issue 5). It fails rather than pretend.
echo "make bench: the benchmark is not implemented yet (see the open 'Prove it' issue)" >&2
exit 2
