"""Run by the IRRd image's Python (tests/unit/test_rpsl.py), never the
project's: parse RPSL objects with IRRd's parser, strictly, and print what
it says of each as JSON. stdin: objects separated by blank lines."""

import json
import os
import sys
import tempfile


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # The parser reads IRRd's settings; a minimal valid config will do
        # (nothing here connects to a database).
        conf = os.path.join(tmp, "irrd.yaml")
        with open(conf, "w") as f:
            f.write(
                "irrd:\n"
                "  database_url: 'postgresql://irrd@localhost/irrd'\n"
                "  redis_url: 'redis://localhost'\n"
                f"  piddir: {tmp}\n"
                "  server: {http: {url: 'http://irr.lab/'}}\n"
                f"  auth: {{gnupg_keyring: {tmp}/gnupg, set_creation: {{COMMON: {{prefix_required: false}}}}}}\n"
                "  email: {from: irrd@irr.lab, smtp: localhost}\n"
                "  rpki: {roa_source: null}\n"
                "  sources: {LAB: {authoritative: true}, RIPE: {authoritative: true}}\n"
            )
        from irrd.conf import config_init

        config_init(conf)
        from irrd.rpsl.rpsl_objects import rpsl_object_from_text

        out = []
        for text in sys.stdin.read().strip().split("\n\n"):
            obj = rpsl_object_from_text(text + "\n", strict_validation=True)
            out.append({"class": obj.rpsl_object_class, "pk": obj.pk(), "errors": obj.messages.errors(),
                        "source": obj.source()})
        print(json.dumps(out))


if __name__ == "__main__":
    main()
