"""personal-as: your own Autonomous System, as code.

Config is validated before any resource exists; a bad value stops here with
the key, the value and what would be valid.
"""

import sys

import pulumi

from components.config import ConfigError, load
from components.stack import build

# pulumi-language-python-exec: exit code 32 means "the error was already shown".
EXIT_ERROR_SHOWN = 32

try:
    config = load()
    # build() may refuse too (a host this machine is not set up to build for),
    # before its first resource.
    outputs = build(config, pulumi.get_stack())
except ConfigError as err:
    # No traceback: the message is the whole story, and nothing was touched.
    pulumi.log.error(str(err))
    sys.exit(EXIT_ERROR_SHOWN)

for key, value in outputs.items():
    pulumi.export(key, value)
